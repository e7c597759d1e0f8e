// loadKeys and TokenCodec with asymmetric keys: RS256 and ES256 from PEM, verify-only services, bad keys.
import { expect } from 'chai';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { FrozenClock } from '../../src/core/clock';
import { loadKeys } from '../../src/core/keys';
import { TokenCodec } from '../../src/core/tokens';
import { InvalidToken, SettingsError } from '../../src/errors';
import type { Algorithm } from '../../src/settings';
import { resolveSettings } from '../../src/settings';

type Pem = { privateKey: string; publicKey: string };

const rsa = (modulusLength = 2048): Pem =>
  generateKeyPairSync('rsa', {
    modulusLength,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
const ec = (namedCurve: string): Pem =>
  generateKeyPairSync('ec', {
    namedCurve,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });

const header = (token: string) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));
const signatureBytes = (token: string) => Buffer.from(token.split('.')[2], 'base64url').length;

/** A codec for `algorithm` that signs with `signing` (or only verifies with `verifying`). */
function codecFor(algorithm: Algorithm, signing: string | null, verifying: string | null = null): TokenCodec {
  const settings = resolveSettings({ ALGORITHM: algorithm, SIGNING_KEY: signing ?? 'unused-for-a-verify-only-service' });
  return new TokenCodec(settings, loadKeys(algorithm, signing, verifying), new FrozenClock());
}

/** The SettingsError thrown by `build`, or a failure. */
function settingsErrorOf(build: () => unknown): SettingsError {
  try {
    build();
  } catch (error) {
    expect(error).to.be.instanceOf(SettingsError);
    return error as SettingsError;
  }
  throw new Error('expected a SettingsError');
}

describe('asymmetric token keys', () => {
  const rsaPair = rsa();
  const ecPair = ec('P-256');

  it('signs RS256 tokens with a PEM private key and verifies them with the derived public key', async () => {
    const codec = codecFor('RS256', rsaPair.privateKey);
    const { access } = codec.pairFor(5);
    // The kid is the key's RFC 7638 thumbprint, as jose computes it.
    const kid = await calculateJwkThumbprint(createPublicKey(rsaPair.publicKey).export({ format: 'jwk' }));
    expect(header(access.token)).to.deep.equal({ alg: 'RS256', typ: 'JWT', kid });
    expect(signatureBytes(access.token)).to.equal(256);
    expect(codec.verify(access.token, 'access').user_id).to.equal(5);
  });

  it('verifies RS256 tokens on a service that holds only the public key, which cannot sign', () => {
    const { access } = codecFor('RS256', rsaPair.privateKey).pairFor(5);
    const verifier = codecFor('RS256', null, rsaPair.publicKey);
    expect(verifier.verify(access.token, 'access').user_id).to.equal(5);
    expect(() => verifier.pairFor(5)).to.throw(/no signing key/);
  });

  it('refuses an RS256 token signed by another RSA key', () => {
    const { access } = codecFor('RS256', rsa().privateKey).pairFor(5);
    expect(() => codecFor('RS256', null, rsaPair.publicKey).verify(access.token))
      .to.throw(InvalidToken)
      .with.property('message', 'Token is invalid or expired');
  });

  it('signs ES256 tokens with a raw 64-byte r||s signature, as JOSE (and PyJWT) expect', async () => {
    const codec = codecFor('ES256', ecPair.privateKey);
    const { refresh } = codec.pairFor(9);
    const kid = await calculateJwkThumbprint(createPublicKey(ecPair.publicKey).export({ format: 'jwk' }));
    expect(header(refresh.token)).to.deep.equal({ alg: 'ES256', typ: 'JWT', kid });
    expect(signatureBytes(refresh.token)).to.equal(64);
    expect(codec.verify(refresh.token, 'refresh').user_id).to.equal(9);
    expect(codecFor('ES256', null, ecPair.publicKey).verify(refresh.token, 'refresh').user_id).to.equal(9);
  });

  it('refuses an RS256 token at an ES256 verifier: the algorithm is pinned', () => {
    const { access } = codecFor('RS256', rsaPair.privateKey).pairFor(5);
    expect(() => codecFor('ES256', ecPair.privateKey).verify(access.token)).to.throw(InvalidToken);
  });

  it('loadKeys refuses an EC key for RS256, naming SIGNING_KEY', () => {
    const error = settingsErrorOf(() => loadKeys('RS256', ecPair.privateKey, null));
    expect(error.key).to.equal('SIGNING_KEY');
    expect(error.message).to.contain('SIGNING_KEY').and.contain('RS256');
  });

  it('loadKeys refuses an RSA public key for ES256, naming VERIFYING_KEY', () => {
    const error = settingsErrorOf(() => loadKeys('ES256', null, rsaPair.publicKey));
    expect(error.key).to.equal('VERIFYING_KEY');
  });

  it('loadKeys refuses an EC key on the wrong curve for ES256 at start-up, not at the first login', () => {
    const error = settingsErrorOf(() => loadKeys('ES256', ec('P-384').privateKey, null));
    expect(error.key).to.equal('SIGNING_KEY');
    expect(error.message).to.contain('P-256');
    expect(() => loadKeys('ES384', ec('P-384').privateKey, null)).not.to.throw();
  });

  it('loadKeys refuses an RSA key shorter than 2048 bits, which jsonwebtoken would refuse at every sign', () => {
    const short = rsa(1024);
    expect(settingsErrorOf(() => loadKeys('RS256', short.privateKey, null)).message).to.contain('2048');
  });

  it('loadKeys refuses text that is not a PEM key, naming the setting', () => {
    expect(settingsErrorOf(() => loadKeys('RS256', 'not a pem key', null)).key).to.equal('SIGNING_KEY');
    expect(settingsErrorOf(() => loadKeys('RS256', null, 'not a pem key')).key).to.equal('VERIFYING_KEY');
    expect(settingsErrorOf(() => loadKeys('ES256', null, null)).key).to.equal('VERIFYING_KEY');
    expect(settingsErrorOf(() => loadKeys('HS256', '', null)).key).to.equal('SIGNING_KEY');
  });
});
