// Signing a rotation again from its recorded jti, iat and exp (what a refresh replayed inside the
// grace window answers): the same claims in the same order, so the same bytes with a deterministic
// signature, and the same payload with a randomised one.
import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { FrozenClock } from '../../src/core/clock';
import { loadKeys } from '../../src/core/keys';
import { TokenCodec } from '../../src/core/tokens';
import type { Algorithm } from '../../src/settings';
import { resolveSettings } from '../../src/settings';

const HMAC_KEY = 'unit-test-signing-key-of-at-least-32-bytes';
const pem = (type: 'rsa' | 'ec') =>
  type === 'rsa'
    ? generateKeyPairSync('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      })
    : generateKeyPairSync('ec', {
        namedCurve: 'P-256',
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      });
const payload = (token: string): string => Buffer.from(token.split('.')[1], 'base64url').toString('utf8');

/** A codec for `algorithm` on a frozen clock. */
function codecFor(algorithm: Algorithm, signingKey: string): { codec: TokenCodec; clock: FrozenClock } {
  const clock = new FrozenClock();
  const settings = resolveSettings({ SIGNING_KEY: signingKey, ALGORITHM: algorithm, USER_CLAIMS: ['email'] });
  return { codec: new TokenCodec(settings, loadKeys(algorithm, signingKey, null), clock), clock };
}

describe('TokenCodec signing a rotation again', () => {
  const cases: { algorithm: Algorithm; key: string; deterministic: boolean }[] = [
    { algorithm: 'HS256', key: HMAC_KEY, deterministic: true },
    { algorithm: 'RS256', key: pem('rsa').privateKey, deterministic: true },
    { algorithm: 'ES256', key: pem('ec').privateKey, deterministic: false },
  ];
  for (const { algorithm, key, deterministic } of cases) {
    it(`gives ${deterministic ? 'the same token, byte for byte' : 'the same payload'} with ${algorithm}, seconds later`, () => {
      const { codec, clock } = codecFor(algorithm, key);
      const login = codec.pairFor(3, { email: 'user@test.com' });
      clock.advance(100);
      const presented = codec.verify(login.refresh.token, 'refresh');
      const rebuilt = { email: 'user@test.com' };
      const access = codec.accessFrom(presented, rebuilt, null);
      const refresh = codec.rotate(presented, rebuilt, null);
      clock.advance(3);
      const accessAgain = codec.accessFrom(presented, rebuilt, null, access);
      const refreshAgain = codec.rotate(presented, rebuilt, null, refresh);
      expect(payload(accessAgain.token)).to.equal(payload(access.token));
      expect(payload(refreshAgain.token)).to.equal(payload(refresh.token));
      if (deterministic) {
        expect(accessAgain.token).to.equal(access.token);
        expect(refreshAgain.token).to.equal(refresh.token);
      }
      expect(codec.verify(refreshAgain.token, 'refresh').jti).to.equal(refresh.jti);
      // Without the recorded identity the same call makes another token.
      expect(codec.rotate(presented, rebuilt, null).jti).to.not.equal(refresh.jti);
    });
  }

  it('keeps the recorded exp over a cap given now', () => {
    const { codec, clock } = codecFor('HS256', HMAC_KEY);
    const presented = codec.verify(codec.pairFor(3).refresh.token, 'refresh');
    const refresh = codec.rotate(presented, {}, null);
    clock.advance(2);
    expect(codec.rotate(presented, {}, Math.floor(clock.now() / 1000) + 10, refresh).token).to.equal(refresh.token);
  });

  it('caps both tokens of a login pair at notAfter', () => {
    const { codec, clock } = codecFor('HS256', HMAC_KEY);
    const cap = Math.floor(clock.now() / 1000) + 20;
    const pair = codec.pairFor(3, {}, cap);
    expect([pair.refresh.expiresAt, pair.access.expiresAt]).to.deep.equal([cap, cap]);
    expect(codec.pairFor(3, {}, cap + 1_000_000).access.expiresAt).to.equal(Math.floor(clock.now() / 1000) + 300);
  });
});
