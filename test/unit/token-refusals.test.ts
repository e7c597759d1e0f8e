// Tokens that verified before the key ring and must not: a header with crit (RFC 7515 4.1.11) and
// base64url spelled in a non-canonical way. Only loadKeys and TokenCodec are used, so this file
// runs unchanged against the codec from before the ring.
import { expect } from 'chai';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { FrozenClock } from '../../src/core/clock';
import { loadKeys } from '../../src/core/keys';
import { TokenCodec } from '../../src/core/tokens';
import { resolveSettings } from '../../src/settings';
import { refusal } from '../support/token-refusal';

const KEY = 'token-refusals-test-signing-key-of-at-least-32-bytes';
const START = Date.UTC(2026, 10, 22, 12, 0, 0) / 1000;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const b64 = (value: object): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
const rsa = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const claims = () => ({ token_type: 'access', exp: START + 300, iat: START, jti: '0123456789abcdef0123456789abcdef', user_id: 5 });

function handToken(header: object, payload: object, secret: string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

const codecFor = (algorithm: 'HS256' | 'RS256', key: string) =>
  new TokenCodec(resolveSettings({ ALGORITHM: algorithm, SIGNING_KEY: key }), loadKeys(algorithm, key, null), new FrozenClock(START * 1000));

/** The same segment with the last character's lowest bit flipped: the same bytes when that bit is unused. */
const bump = (segment: string): string => segment.slice(0, -1) + ALPHABET[ALPHABET.indexOf(segment.at(-1) as string) ^ 1];

describe('token refusals', () => {
  it('refuses a token whose header carries crit, even with a valid signature (RFC 7515 4.1.11)', () => {
    const codec = codecFor('HS256', KEY);
    const plain = handToken({ alg: 'HS256', typ: 'JWT' }, claims(), KEY);
    expect(codec.verify(plain).user_id).to.equal(5);
    for (const crit of [['exp'], ['http://example.com/unknown'], []]) {
      const token = handToken({ alg: 'HS256', typ: 'JWT', crit, 'http://example.com/unknown': true }, claims(), KEY);
      expect(refusal(codec, token)).to.contain('crit');
    }
  });

  it('refuses an RS256 token whose last signature character was changed in its unused bits', () => {
    const codec = codecFor('RS256', rsa.privateKey);
    const { access } = codec.pairFor(5);
    // 256 bytes make 342 characters: the last one carries 2 bits and 4 unused ones.
    const altered = bump(access.token);
    expect(Buffer.from(altered.split('.')[2], 'base64url').equals(Buffer.from(access.token.split('.')[2], 'base64url'))).to.equal(true);
    expect(codec.verify(access.token).user_id).to.equal(5);
    expect(refusal(codec, altered)).to.contain('canonical');
  });

  it('refuses non-canonical base64url in the header and payload segments too', () => {
    const codec = codecFor('HS256', KEY);
    const token = handToken({ alg: 'HS256', typ: 'JWT', note: 'a' }, claims(), KEY);
    const [header, payload, signature] = token.split('.');
    // The header and payload lengths here leave unused bits (checked so the test cannot pass vacuously).
    expect(header.length % 4).to.not.equal(0);
    expect(payload.length % 4).to.not.equal(0);
    // Re-signing the altered segments: only the spelling is wrong, not the signature.
    const resign = (h: string, p: string) => `${h}.${p}.${createHmac('sha256', KEY).update(`${h}.${p}`).digest('base64url')}`;
    expect(refusal(codec, resign(bump(header), payload))).to.contain('segment 1');
    expect(refusal(codec, resign(header, bump(payload)))).to.contain('segment 2');
    expect(codec.verify(`${header}.${payload}.${signature}`).user_id).to.equal(5);
  });
});
