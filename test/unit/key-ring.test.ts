// The key ring behind TokenCodec: tokens name their key by kid, the key pins the algorithm, and
// headers we cannot honour (crit) or spellings that are not canonical base64url are refused.
import { expect } from 'chai';
import { createHmac, createPrivateKey, createSecretKey, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { FrozenClock } from '../../src/core/clock';
import { compactJwsProblem } from '../../src/core/compact-jws';
import type { VerificationKey } from '../../src/core/key-ring';
import { KeyRing } from '../../src/core/key-ring';
import { loadKeys } from '../../src/core/keys';
import { TokenCodec } from '../../src/core/tokens';
import type { Algorithm } from '../../src/settings';
import { resolveSettings } from '../../src/settings';
import { refusal } from '../support/token-refusal';

const KEY = 'key-ring-test-signing-key-of-at-least-32-bytes';
const OTHER = 'another-key-ring-test-key-of-at-least-32-bytes';
const START = Date.UTC(2026, 10, 22, 12, 0, 0) / 1000;

const b64 = (value: object): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
const headerOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as Record<string, unknown>;

const rsa = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

const settings = resolveSettings({ SIGNING_KEY: KEY });
const claims = () => ({ token_type: 'access', exp: START + 300, iat: START, jti: '0123456789abcdef0123456789abcdef', user_id: 5 });

/** A JWS signed by hand: HMAC with `secret`, or RSA PKCS#1 v1.5 with a private key. */
function handToken(header: object, payload: object, key: string | KeyObject, algorithm = 'sha256'): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = typeof key === 'string' ? createHmac(algorithm, key).update(input).digest() : cryptoSign(algorithm, Buffer.from(input), key);
  return `${input}.${signature.toString('base64url')}`;
}

const codecWith = (keys: ConstructorParameters<typeof TokenCodec>[1]) => new TokenCodec(settings, keys, new FrozenClock(START * 1000));

const hs = (kid: string | null, secret = KEY, algorithm: Algorithm = 'HS256'): VerificationKey => ({
  kid,
  algorithm,
  key: createSecretKey(Buffer.from(secret)),
});

describe('key ring', () => {
  describe('kid', () => {
    it('keeps HS tokens from a settings key without kid, and writes SIGNING_KEY_ID when given', () => {
      expect(headerOf(codecWith(loadKeys('HS256', KEY, null)).pairFor(1).access.token)).to.deep.equal({ alg: 'HS256', typ: 'JWT' });
      expect(headerOf(codecWith(loadKeys('HS256', KEY, null, 'hs-1')).pairFor(1).access.token)).to.deep.equal({ alg: 'HS256', typ: 'JWT', kid: 'hs-1' });
    });

    it('verifies a token by the key its kid names, and refuses a kid that names no key or tries a path', () => {
      const ring = new KeyRing([hs('a', KEY), hs('b', OTHER)], null);
      const codec = codecWith(ring);
      expect(codec.verify(handToken({ alg: 'HS256', typ: 'JWT', kid: 'b' }, claims(), OTHER)).user_id).to.equal(5);
      expect(refusal(codec, handToken({ alg: 'HS256', typ: 'JWT', kid: 'a' }, claims(), OTHER))).to.contain('signature');
      for (const kid of ['c', '../../etc/passwd', '__proto__', 'constructor', '']) {
        expect(refusal(codec, handToken({ alg: 'HS256', typ: 'JWT', kid }, claims(), KEY))).to.contain('no key with kid');
      }
      expect(refusal(codec, handToken({ alg: 'HS256', typ: 'JWT', kid: 7 }, claims(), KEY))).to.contain('kid is not a string');
    });

    it('verifies a token without kid with the single key of its algorithm only', () => {
      const token = handToken({ alg: 'HS256', typ: 'JWT' }, claims(), KEY);
      expect(codecWith(new KeyRing([hs('a', KEY)], null)).verify(token).user_id).to.equal(5);
      expect(codecWith(new KeyRing([hs('a', KEY), hs('b', OTHER, 'HS512')], null)).verify(token).user_id).to.equal(5);
      expect(refusal(codecWith(new KeyRing([hs('a', KEY), hs('b', OTHER)], null)), token)).to.contain('without kid');
    });

    it('pins the algorithm of the key: another alg in the header is refused, whatever the signature', () => {
      const codec = codecWith(new KeyRing([hs('a', KEY)], null));
      const hs512 = handToken({ alg: 'HS512', typ: 'JWT', kid: 'a' }, claims(), KEY, 'sha512');
      expect(refusal(codec, hs512)).to.contain('is for HS256');
    });

    it('refuses alg none, and HS256 signed with the RSA public key of an RS256 ring', () => {
      const codec = codecWith(loadKeys('RS256', rsa.privateKey, null));
      const kid = headerOf(codec.pairFor(1).access.token).kid as string;
      expect(refusal(codec, `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`)).to.contain('three base64url segments');
      expect(refusal(codec, `${b64({ alg: 'none', kid })}.${b64(claims())}.${b64({})}`)).to.contain('is for RS256');
      expect(refusal(codec, handToken({ alg: 'HS256', typ: 'JWT', kid }, claims(), rsa.publicKey))).to.contain('is for RS256');
      expect(refusal(codec, handToken({ alg: 'HS256', typ: 'JWT' }, claims(), rsa.publicKey))).to.contain('without kid');
    });

    it('never reads jku, x5u, jwk or x5c: a token signed by the key they point at is refused', () => {
      const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const codec = codecWith(loadKeys('RS256', rsa.privateKey, null));
      const kid = headerOf(codec.pairFor(1).access.token).kid as string;
      const jwk = attacker.publicKey.export({ format: 'jwk' });
      const header = { alg: 'RS256', kid, jku: 'http://127.0.0.1:1/jwks.json', x5u: 'http://127.0.0.1:1/cert.pem', jwk, x5c: ['AAAA'] };
      expect(refusal(codec, handToken(header, claims(), attacker.privateKey, 'sha256'))).to.contain('invalid signature');
      // Our own key with the same members still verifies: they are ignored, not refused.
      expect(codec.verify(handToken(header, claims(), createPrivateKey(rsa.privateKey), 'sha256')).user_id).to.equal(5);
    });

    it('refuses two keys under one kid when the ring is built', () => {
      expect(() => new KeyRing([hs('a'), hs('a', OTHER)], null)).to.throw(/kid "a"/);
    });
  });

  describe('compact serialization', () => {
    it('names what is wrong with a token that is not three canonical base64url segments', () => {
      expect(compactJwsProblem('a.b')).to.contain('three');
      expect(compactJwsProblem('aa==.bb.cc')).to.contain('three');
      expect(compactJwsProblem('aaaaa.bb.cc')).to.contain('segment 1');
      expect(compactJwsProblem('aA.bA.cc')).to.contain('segment 3');
      expect(compactJwsProblem('aA.bA.cA')).to.equal(null);
      expect(compactJwsProblem(`aA.${'b'.repeat(9000)}.cA`)).to.contain('longer than');
    });
  });
});
