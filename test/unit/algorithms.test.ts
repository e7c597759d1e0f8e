// Every algorithm the settings accept, round-tripped: signed, verified here and by jose (an
// independent implementation), and refused once tampered with, past exp, or for another audience.
import { expect } from 'chai';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { importSPKI, jwtVerify } from 'jose';
import { FrozenClock } from '../../src/core/clock';
import { loadKeys } from '../../src/core/keys';
import { TokenCodec } from '../../src/core/tokens';
import { InvalidToken, SettingsError } from '../../src/errors';
import type { Algorithm } from '../../src/settings';
import { ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS, resolveSettings } from '../../src/settings';

const START = Date.UTC(2026, 10, 22, 12, 0, 0) / 1000;
type Pem = { privateKey: string; publicKey: string };
const rsa = (): Pem =>
  generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const ec = (namedCurve: string): Pem =>
  generateKeyPairSync('ec', { namedCurve, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const okp = (type: 'ed25519' | 'ed448'): Pem =>
  type === 'ed25519'
    ? generateKeyPairSync('ed25519', { publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } })
    : generateKeyPairSync('ed448', { publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

/** A private (or secret) and public key for `algorithm`, as PEM text. */
function keysFor(algorithm: Algorithm): { signing: string; verifying: string | null } {
  if (algorithm.startsWith('HS')) return { signing: randomBytes(64).toString('hex'), verifying: null };
  const curves: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };
  const pair = algorithm.startsWith('ES') ? ec(curves[algorithm]) : algorithm === 'EdDSA' ? okp('ed25519') : rsa();
  return { signing: pair.privateKey, verifying: pair.publicKey };
}

const payloadOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
const withPayload = (token: string, payload: object) => {
  const [header, , signature] = token.split('.');
  return `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
};

describe('every algorithm', () => {
  for (const algorithm of [...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS] as Algorithm[]) {
    describe(algorithm, () => {
      const { signing, verifying } = keysFor(algorithm);
      const settings = resolveSettings({ ALGORITHM: algorithm, SIGNING_KEY: signing, AUDIENCE: 'reports', ISSUER: 'https://auth.example.com' });
      const clock = new FrozenClock(START * 1000);
      const codec = new TokenCodec(settings, loadKeys(algorithm, signing, null), clock);
      const verifier = verifying === null ? codec : new TokenCodec(settings, loadKeys(algorithm, null, verifying), clock);

      it('signs a pair that verifies here, with the public key alone, and in jose', async () => {
        const { access, refresh } = codec.pairFor(7, { team: 'blue' });
        expect(JSON.parse(Buffer.from(access.token.split('.')[0], 'base64url').toString()).alg).to.equal(algorithm);
        expect(verifier.verify(access.token, 'access')).to.include({ user_id: 7, team: 'blue', aud: 'reports' });
        expect(verifier.verify(refresh.token, 'refresh').user_id).to.equal(7);
        const key = verifying === null ? Buffer.from(signing) : await importSPKI(verifying, algorithm);
        const { payload } = await jwtVerify(access.token, key, { algorithms: [algorithm], currentDate: new Date(START * 1000) });
        expect(payload.user_id).to.equal(7);
      });

      it('refuses the token once its payload or signature is changed', () => {
        const { access } = codec.pairFor(7);
        expect(() => verifier.verify(withPayload(access.token, { ...payloadOf(access.token), user_id: 8 }))).to.throw(InvalidToken);
        const signature = access.token.split('.')[2];
        const flipped = signature[0] === 'A' ? 'B' : 'A';
        expect(() => verifier.verify(`${access.token.slice(0, access.token.lastIndexOf('.') + 1)}${flipped}${signature.slice(1)}`)).to.throw(InvalidToken);
      });

      it('refuses it past exp (an expired refusal), and for another audience or issuer', () => {
        const { access } = codec.pairFor(7);
        const later = new TokenCodec(settings, loadKeys(algorithm, signing, null), new FrozenClock((START + 301) * 1000));
        let expired: unknown;
        try {
          later.verify(access.token);
        } catch (error) {
          expired = error;
        }
        expect(expired).to.be.instanceOf(InvalidToken).with.property('expired', true);
        for (const other of [{ AUDIENCE: 'billing' }, { ISSUER: 'https://evil.example.com' }]) {
          const elsewhere = new TokenCodec(resolveSettings({ ...settings, ...other }), loadKeys(algorithm, signing, null), clock);
          expect(() => elsewhere.verify(access.token))
            .to.throw(InvalidToken)
            .with.property('expired', false);
        }
      });
    });
  }

  describe('EdDSA keys', () => {
    it('refuses an RSA or Ed448 key for EdDSA at start-up, naming the setting', () => {
      for (const pair of [rsa(), okp('ed448')]) {
        try {
          loadKeys('EdDSA', pair.privateKey, null);
          expect.fail('expected a SettingsError');
        } catch (error) {
          expect(error).to.be.instanceOf(SettingsError).with.property('key', 'SIGNING_KEY');
          expect((error as SettingsError).message).to.contain('Ed25519');
        }
      }
      expect(() => loadKeys('EdDSA', null, ec('P-256').publicKey))
        .to.throw(SettingsError)
        .with.property('key', 'VERIFYING_KEY');
    });

    it('accepts EdDSA in the settings', () => {
      expect(resolveSettings({ ALGORITHM: 'EdDSA', SIGNING_KEY: keysFor('EdDSA').signing }).ALGORITHM).to.equal('EdDSA');
    });
  });
});
