// TokenCodec with HMAC keys: simplejwt's claim layout, lifetimes, copying, and every way to refuse a token.
import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { FrozenClock } from '../../src/core/clock';
import { loadKeys } from '../../src/core/keys';
import type { Claims } from '../../src/core/tokens';
import { TokenCodec } from '../../src/core/tokens';
import { causeText, InvalidToken } from '../../src/errors';
import type { SettingsInput } from '../../src/settings';
import { resolveSettings } from '../../src/settings';

const KEY = 'unit-test-signing-key-of-at-least-32-bytes';
const START = Date.UTC(2026, 10, 22, 12, 0, 0) / 1000;

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
const partText = (token: string, index: number): string => Buffer.from(token.split('.')[index], 'base64url').toString('utf8');
const payloadText = (token: string): string => partText(token, 1);

/** A codec on a frozen clock, with settings resolved the way the services resolve them. */
function makeCodec(overrides: SettingsInput = {}, clock = new FrozenClock()): { codec: TokenCodec; clock: FrozenClock } {
  const settings = resolveSettings({ SIGNING_KEY: KEY, ...overrides });
  return { codec: new TokenCodec(settings, loadKeys(settings.ALGORITHM, settings.SIGNING_KEY, null), clock), clock };
}

/** A JWS built by hand, so tests do not rely on the library under test to make bad tokens. */
function handToken(header: object, payload: object, hmac: 'sha256' | 'sha512' | null, key = KEY): string {
  const signingInput = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
  const signature = hmac ? createHmac(hmac, key).update(signingInput).digest('base64url') : '';
  return `${signingInput}.${signature}`;
}

const HS256 = { alg: 'HS256', typ: 'JWT' };
const validClaims = (extra: Claims = {}): Claims => ({
  token_type: 'access',
  exp: START + 300,
  iat: START,
  jti: '0123456789abcdef0123456789abcdef',
  user_id: 5,
  ...extra,
});

/** Asserts that verifying `token` throws InvalidToken with `detail` as its message and code token_not_valid. */
function expectRefused(codec: TokenCodec, token: string, detail = InvalidToken.INVALID, type?: 'access' | 'refresh'): InvalidToken {
  let caught: unknown;
  try {
    codec.verify(token, type);
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${token.slice(0, 40)}... to be refused`).to.be.instanceOf(InvalidToken);
  const error = caught as InvalidToken;
  expect(error.message).to.equal(detail);
  expect(error.code).to.equal('token_not_valid');
  expect(error.status).to.equal(401);
  return error;
}

describe('TokenCodec', () => {
  describe('a new pair', () => {
    it('writes the refresh claims in simplejwt order: token_type, exp, iat, jti, user_id', () => {
      const { refresh } = makeCodec().codec.pairFor(5);
      const text = payloadText(refresh.token);
      expect(text.startsWith('{"token_type":"refresh","exp":')).to.equal(true);
      expect(Object.keys(JSON.parse(text))).to.deep.equal(['token_type', 'exp', 'iat', 'jti', 'user_id']);
      expect(text).to.equal(`{"token_type":"refresh","exp":${START + 86400},"iat":${START},"jti":"${refresh.jti}","user_id":5}`);
    });

    it('writes the access claims in the same order, with the header exactly {"alg":"HS256","typ":"JWT"}', () => {
      const { access, refresh } = makeCodec().codec.pairFor(5);
      expect(partText(access.token, 0)).to.equal('{"alg":"HS256","typ":"JWT"}');
      expect(partText(refresh.token, 0)).to.equal('{"alg":"HS256","typ":"JWT"}');
      expect(payloadText(access.token).startsWith('{"token_type":"access","exp":')).to.equal(true);
      expect(Object.keys(JSON.parse(payloadText(access.token)))).to.deep.equal(['token_type', 'exp', 'iat', 'jti', 'user_id']);
    });

    it('gives each token a jti of 32 lowercase hex characters, different between the two', () => {
      const { access, refresh } = makeCodec().codec.pairFor(5);
      expect(refresh.jti).to.match(/^[0-9a-f]{32}$/);
      expect(access.jti).to.match(/^[0-9a-f]{32}$/);
      expect(access.jti).not.to.equal(refresh.jti);
      expect(JSON.parse(payloadText(access.token)).jti).to.equal(access.jti);
    });

    it('gives the access token the refresh iat and exp = iat + 300', () => {
      const { access, refresh } = makeCodec().codec.pairFor(5);
      expect(access.issuedAt).to.equal(START);
      expect(refresh.issuedAt).to.equal(START);
      expect(access.expiresAt).to.equal(START + 300);
      expect(refresh.expiresAt).to.equal(START + 86400);
      expect(JSON.parse(payloadText(access.token))).to.include({ iat: START, exp: START + 300 });
    });

    it('honours configured lifetimes', () => {
      const { access, refresh } = makeCodec({ ACCESS_TOKEN_LIFETIME: '10m', REFRESH_TOKEN_LIFETIME: '2d' }).codec.pairFor(5);
      expect(access.expiresAt - access.issuedAt).to.equal(600);
      expect(refresh.expiresAt - refresh.issuedAt).to.equal(2 * 86400);
    });

    it('adds extra claims after user_id and copies them into the access token', () => {
      const { access, refresh } = makeCodec().codec.pairFor(5, { role: 'admin', tier: 2 });
      expect(Object.keys(JSON.parse(payloadText(refresh.token)))).to.deep.equal(['token_type', 'exp', 'iat', 'jti', 'user_id', 'role', 'tier']);
      expect(JSON.parse(payloadText(access.token))).to.include({ role: 'admin', tier: 2 });
    });

    it('writes an integer user id as a string when USER_ID_CLAIM_TYPE is "string"', () => {
      const { codec } = makeCodec({ USER_ID_CLAIM_TYPE: 'string' });
      const { refresh, access } = codec.pairFor(5);
      expect(payloadText(refresh.token)).to.contain('"user_id":"5"');
      expect(payloadText(access.token)).to.contain('"user_id":"5"');
      expect(codec.userIdOf(codec.verify(access.token, 'access'))).to.equal(5);
    });
  });

  describe('minting from a refresh token', () => {
    it('accessFrom keeps the refresh iat and custom claims, with a new jti and exp = now + access lifetime', () => {
      const { codec, clock } = makeCodec();
      const { refresh } = codec.pairFor(5, { role: 'admin' });
      clock.advance(1000);
      const claims = codec.verify(refresh.token, 'refresh');
      const access = codec.accessFrom(claims);
      const payload = JSON.parse(payloadText(access.token));
      expect(payload.token_type).to.equal('access');
      expect(payload.iat).to.equal(START);
      expect(payload.exp).to.equal(START + 1000 + 300);
      expect(payload.jti)
        .to.match(/^[0-9a-f]{32}$/)
        .and.not.equal(refresh.jti);
      expect(payload).to.include({ user_id: 5, role: 'admin' });
      expect(Object.keys(payload)).to.deep.equal(['token_type', 'exp', 'iat', 'jti', 'user_id', 'role']);
    });

    it('accessFrom never copies token_type, exp or jti from the claims it is given', () => {
      const { codec } = makeCodec();
      const access = codec.accessFrom({ token_type: 'refresh', exp: 1, iat: START - 50, jti: 'f'.repeat(32), user_id: 7 });
      const payload = JSON.parse(payloadText(access.token));
      expect(payload.token_type).to.equal('access');
      expect(payload.exp).to.equal(START + 300);
      expect(payload.jti).not.to.equal('f'.repeat(32));
      expect(payload.iat).to.equal(START - 50);
    });

    it('rotate gives a new jti, iat and exp and keeps the user id and custom claims in place', () => {
      const { codec, clock } = makeCodec();
      const { refresh } = codec.pairFor(5, { role: 'admin' });
      clock.advance(600);
      const rotated = codec.rotate(codec.verify(refresh.token, 'refresh'));
      const payload = JSON.parse(payloadText(rotated.token));
      expect(rotated.type).to.equal('refresh');
      expect(payload.jti)
        .to.match(/^[0-9a-f]{32}$/)
        .and.not.equal(refresh.jti);
      expect(payload.iat).to.equal(START + 600);
      expect(payload.exp).to.equal(START + 600 + 86400);
      expect(Object.keys(payload)).to.deep.equal(['token_type', 'exp', 'iat', 'jti', 'user_id', 'role']);
      expect(payload).to.include({ token_type: 'refresh', user_id: 5, role: 'admin' });
    });
  });

  describe('userIdOf', () => {
    const { codec } = makeCodec();
    it('accepts a JSON number and a digit string, as simplejwt before and after 5.5.1 write them', () => {
      expect(codec.userIdOf({ user_id: 5 })).to.equal(5);
      expect(codec.userIdOf({ user_id: '5' })).to.equal(5);
    });
    it('refuses a fraction, a non-numeric string and a missing claim', () => {
      expect(codec.userIdOf({ user_id: 5.5 })).to.equal(null);
      expect(codec.userIdOf({ user_id: 'abc' })).to.equal(null);
      expect(codec.userIdOf({ user_id: '' })).to.equal(null);
      expect(codec.userIdOf({ user_id: null })).to.equal(null);
      expect(codec.userIdOf({})).to.equal(null);
    });
  });

  describe('AUDIENCE and ISSUER', () => {
    const options = { AUDIENCE: 'orders-api', ISSUER: 'https://auth.test' };

    it('are appended after every other claim, aud before iss', () => {
      const { refresh, access } = makeCodec(options).codec.pairFor(5, { role: 'x' });
      expect(payloadText(refresh.token).endsWith(`"user_id":5,"role":"x","aud":"orders-api","iss":"https://auth.test"}`)).to.equal(true);
      expect(Object.keys(JSON.parse(payloadText(access.token)))).to.deep.equal(['token_type', 'exp', 'iat', 'jti', 'user_id', 'role', 'aud', 'iss']);
    });

    it('are required on verify: a token without them, or with other values, is refused', () => {
      const { codec } = makeCodec(options);
      expect(codec.verify(codec.pairFor(5).access.token, 'access')).to.include({ aud: 'orders-api', iss: 'https://auth.test' });
      expectRefused(codec, makeCodec().codec.pairFor(5).access.token);
      expectRefused(codec, makeCodec({ AUDIENCE: 'other-api', ISSUER: 'https://auth.test' }).codec.pairFor(5).access.token);
      expectRefused(codec, makeCodec({ AUDIENCE: 'orders-api', ISSUER: 'https://evil.test' }).codec.pairFor(5).access.token);
    });

    it('are not written when unset', () => {
      const payload = JSON.parse(payloadText(makeCodec().codec.pairFor(5).refresh.token));
      expect(payload).not.to.have.any.keys('aud', 'iss', 'nbf');
    });
  });

  describe('verify', () => {
    it('accepts its own tokens and a hand-made HS256 token with the same key', () => {
      const { codec } = makeCodec();
      expect(codec.verify(codec.pairFor(5).access.token, 'access').user_id).to.equal(5);
      expect(codec.verify(handToken(HS256, validClaims(), 'sha256'), 'access').jti).to.equal('0123456789abcdef0123456789abcdef');
    });

    it('refuses a token at exactly exp with LEEWAY 0, and accepts it one second before', () => {
      const { codec, clock } = makeCodec({ LEEWAY: 0 });
      const { access } = codec.pairFor(5);
      clock.advance(299);
      expect(codec.verify(access.token, 'access').user_id).to.equal(5);
      clock.advance(1);
      expectRefused(codec, access.token);
    });

    it('with LEEWAY 10 accepts a token until exp + 10 and refuses it from then on', () => {
      const { codec, clock } = makeCodec({ LEEWAY: 10 });
      const { access } = codec.pairFor(5);
      clock.advance(309);
      expect(codec.verify(access.token).user_id).to.equal(5);
      clock.advance(1);
      expectRefused(codec, access.token);
    });

    it('refuses a tampered payload', () => {
      const { codec } = makeCodec();
      const [header, , signature] = codec.pairFor(5).access.token.split('.');
      const forged = `${header}.${b64(JSON.stringify(validClaims({ user_id: 1 })))}.${signature}`;
      expectRefused(codec, forged);
    });

    it('refuses a token signed with another key', () => {
      const { codec } = makeCodec();
      expectRefused(codec, handToken(HS256, validClaims(), 'sha256', 'another-key-that-is-also-32-bytes-long!'));
      const other = makeCodec({ SIGNING_KEY: 'another-key-that-is-also-32-bytes-long!' }).codec;
      expectRefused(codec, other.pairFor(5).access.token);
    });

    it('refuses alg "none" with an empty signature, and with the HS256 signature left on', () => {
      const { codec } = makeCodec();
      const none = `${b64('{"alg":"none","typ":"JWT"}')}.${b64(JSON.stringify(validClaims()))}.`;
      expectRefused(codec, none);
      const valid = handToken(HS256, validClaims(), 'sha256');
      expectRefused(codec, `${b64('{"alg":"none","typ":"JWT"}')}.${valid.split('.')[1]}.${valid.split('.')[2]}`);
    });

    it('refuses a token signed HS512 with the same key: the algorithm is pinned', () => {
      const { codec } = makeCodec();
      expectRefused(codec, handToken({ alg: 'HS512', typ: 'JWT' }, validClaims(), 'sha512'));
    });

    it('refuses garbage strings', () => {
      const { codec } = makeCodec();
      for (const garbage of ['', 'abc', 'a.b.c', '..', 'a.b', `${b64('{}')}.${b64('[]')}.x`, 'Bearer x.y.z']) {
        expectRefused(codec, garbage);
      }
    });

    it('says "Token has wrong type" for an access token where a refresh is expected and the reverse', () => {
      const { codec } = makeCodec();
      const { access, refresh } = codec.pairFor(5);
      expectRefused(codec, access.token, InvalidToken.WRONG_TYPE, 'refresh');
      expectRefused(codec, refresh.token, InvalidToken.WRONG_TYPE, 'access');
      expect(codec.verify(refresh.token).token_type).to.equal('refresh');
    });

    it('refuses a signed token without jti, without token_type or without exp', () => {
      const { codec } = makeCodec();
      const without = (name: string) => {
        const claims = validClaims();
        delete claims[name];
        return handToken(HS256, claims, 'sha256');
      };
      expectRefused(codec, without('jti'));
      expectRefused(codec, without('token_type'));
      expectRefused(codec, without('exp'));
    });

    it('keeps the real reason on the error for the log, never in the detail', () => {
      const { codec, clock } = makeCodec();
      const { access } = codec.pairFor(5);
      clock.advance(301);
      const error = expectRefused(codec, access.token);
      expect(causeText(error)).to.match(/expired/);
      expect(error.body()).to.deep.equal({ detail: 'Token is invalid or expired', code: 'token_not_valid' });
    });
  });
});
