// Importing a published JWK Set: each key bound to one algorithm, public keys only, members that
// cannot be used skipped with their reason; and reading the answer's Cache-Control.
import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { cacheMaxAge } from '../../src/jwks/jwks-keys';
import { importJwk, importJwkSet } from '../../src/core/jwk-set';
import { generateTestKey, JWKS_ALGORITHMS, supported } from '../support/jwks-server';

const ec256 = generateTestKey('ES256', 'ec');
const ed = generateTestKey('EdDSA', 'ed');
const rsa = generateTestKey('RS256', 'rsa');
const { kid: _kid, alg: _alg, use: _use, ...bareEc } = ec256.jwk;
const { kid: _edKid, alg: _edAlg, use: _edUse, ...bareEd } = ed.jwk;
const { alg: _rsaAlg, ...rsaWithoutAlg } = rsa.jwk;

/** The reason `member` was refused (the test fails if it was imported). */
function refusal(member: unknown): string {
  const imported = importJwk(member);
  if (typeof imported !== 'string') throw new Error(`expected ${JSON.stringify(member)} to be refused`);
  return imported;
}

describe('importJwkSet', () => {
  for (const algorithm of JWKS_ALGORITHMS) {
    it(`binds a ${algorithm} JWK to ${algorithm}${supported(algorithm) ? '' : ' (once this build verifies it; refused until then)'}`, () => {
      const key = generateTestKey(algorithm, `k-${algorithm}`);
      const imported = importJwk(key.jwk);
      if (!supported(algorithm)) return void expect(imported).to.equal(`its alg ${algorithm} is not verified by this version`);
      expect(imported).to.deep.include({ kid: `k-${algorithm}`, algorithm });
      expect(typeof imported === 'string' ? null : imported.key.equals(key.publicKey)).to.equal(true);
    });
  }

  it('derives the algorithm of an EC or OKP key without alg from its curve, never that of an RSA key', () => {
    expect(importJwk(bareEc)).to.deep.include({ kid: null, algorithm: 'ES256' });
    for (const [curve, algorithm] of [
      ['P-384', 'ES384'],
      ['P-521', 'ES512'],
    ]) {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      expect(importJwk(publicKey.export({ format: 'jwk' }))).to.deep.include({ algorithm });
    }
    const okp = importJwk(bareEd);
    if (supported('EdDSA')) expect(okp).to.deep.include({ algorithm: 'EdDSA' });
    else expect(okp).to.equal('its curve means EdDSA, which this version does not verify');
    expect(refusal(rsaWithoutAlg)).to.match(/^an RSA key without alg/);
  });

  it('refuses symmetric keys and any JWK carrying private members', () => {
    expect(refusal({ kty: 'oct', k: 'c2VjcmV0', kid: 'hs', alg: 'HS256' })).to.match(/symmetric \(oct\)/);
    expect(refusal({ kty: 'oct', k: 'c2VjcmV0' })).to.match(/symmetric \(oct\)/);
    const privateJwks = [
      { ...ec256.privateKey.export({ format: 'jwk' }), alg: 'ES256' },
      { ...rsa.privateKey.export({ format: 'jwk' }), alg: 'RS256' },
      { ...ed.privateKey.export({ format: 'jwk' }), alg: 'EdDSA' },
      { ...rsa.jwk, qi: 'AQAB' },
      { ...rsa.jwk, k: 'AQAB' },
    ];
    for (const jwk of privateJwks) expect(refusal(jwk)).to.match(/carries the private member "(d|qi|k)"/);
  });

  it('refuses a key whose type or curve does not fit its alg, or that is not for signatures', () => {
    expect(refusal({ ...ec256.jwk, alg: 'RS256' })).to.equal('is a EC P-256 key; RS256 needs RSA');
    expect(refusal({ ...ec256.jwk, alg: 'ES384' })).to.equal('is a EC P-256 key; ES384 needs EC P-384');
    expect(refusal({ ...rsa.jwk, alg: 'ES256' })).to.equal('is a RSA key; ES256 needs EC P-256');
    expect(refusal({ ...rsa.jwk, alg: 'HS256' })).to.match(/not a signature algorithm we verify/);
    expect(refusal({ ...rsa.jwk, alg: 'none' })).to.match(/not a signature algorithm we verify/);
    expect(refusal({ ...rsa.jwk, use: 'enc' })).to.equal('is for use "enc", not "sig"');
    expect(refusal({ ...rsa.jwk, key_ops: ['encrypt'] })).to.equal('its key_ops do not include "verify"');
    expect(importJwk({ ...rsa.jwk, key_ops: ['verify'] })).to.deep.include({ algorithm: 'RS256' });
    expect(refusal({ ...rsa.jwk, kid: 42 })).to.equal('its kid is not a string');
    const short = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    expect(refusal({ ...short, alg: 'RS256' })).to.equal('is a 1024-bit RSA key; at least 2048 bits are needed');
    expect(refusal({ ...rsa.jwk, n: 'not base64url at all!' })).to.match(/^cannot be imported|bit RSA key/);
    expect(refusal('a string')).to.equal('not a JSON object');
  });

  it('keeps what it can of a set, says what it skipped and why, and keeps the first of two keys with one kid', () => {
    const twin = generateTestKey('ES256', 'ec');
    const { keys, skipped } = importJwkSet({ keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'hs' }, ec256.jwk, twin.jwk, rsa.jwk, null] });
    expect(keys.map((key) => [key.kid, key.algorithm])).to.deep.equal([
      ['ec', 'ES256'],
      ['rsa', 'RS256'],
    ]);
    expect(keys[0].key.equals(ec256.publicKey)).to.equal(true);
    expect(skipped.map((skip) => [skip.kid, skip.index])).to.deep.equal([
      ['hs', 0],
      ['ec', 2],
      [null, 4],
    ]);
    expect(skipped[1].reason).to.equal('another key of the set has the same kid');
    expect(importJwkSet({ keys: [] })).to.deep.equal({ keys: [], skipped: [] });
  });

  it('refuses a document that is not a JWK Set', () => {
    for (const document of [null, [], 'keys', { keys: 'none' }, {}]) expect(() => importJwkSet(document), JSON.stringify(document)).to.throw(/JWKS/);
  });
});

describe('cacheMaxAge', () => {
  it('reads max-age, treats no-store and no-cache as zero, and says nothing without either', () => {
    expect(cacheMaxAge('public, max-age=600')).to.equal(600);
    expect(cacheMaxAge('Public, Max-Age = 60')).to.equal(60);
    expect(cacheMaxAge('max-age="30"')).to.equal(30);
    expect(cacheMaxAge('no-store')).to.equal(0);
    expect(cacheMaxAge('max-age=600, no-cache')).to.equal(0);
    expect(cacheMaxAge('public')).to.equal(null);
    expect(cacheMaxAge('max-age=ten')).to.equal(null);
    expect(cacheMaxAge(null)).to.equal(null);
  });
});
