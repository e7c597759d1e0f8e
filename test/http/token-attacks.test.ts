// Forged and doctored tokens against every endpoint that takes one: the auth-service's refresh,
// verify, blacklist, logout and Bearer routes, and a client-service's protected route verifying
// locally. Each attack is refused with the endpoint's usual 401 body, never a 500, and nobody
// fetches the keys a token points at.
import { expect } from 'chai';
import { createHmac, createPrivateKey, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwkThumbprint } from '../../src/core/jwk';
import type { TestAuthService, TestResponse } from '../support/auth-service';
import { startAuthService } from '../support/auth-service';
import type { TestClientService } from '../support/client-service';
import { bearer, GuardedController, startClientService } from '../support/client-service';
import { forEachDialect } from '../support/databases';

const rsaPem = (): { privateKey: string; publicKey: string } =>
  generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const service = rsaPem();
const attacker = rsaPem();
const SERVICE_KID = jwkThumbprint(createPrivateKey(service.privateKey));
const AUDIENCE = 'api';
const ISSUER = 'https://auth.example.test';

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString('base64url');

/** How a forged token is signed: RS256 with a private key, HS256 with a secret, or not at all. */
type Signer = { rs256: KeyObject | string } | { hs256: string } | 'unsigned';

function forge(header: Record<string, unknown>, payload: Record<string, unknown>, signer: Signer): string {
  const input = `${b64(header)}.${b64(payload)}`;
  if (signer === 'unsigned') return `${input}.`;
  if ('hs256' in signer) return `${input}.${createHmac('sha256', signer.hs256).update(input).digest('base64url')}`;
  const key = typeof signer.rs256 === 'string' ? createPrivateKey(signer.rs256) : signer.rs256;
  return `${input}.${cryptoSign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

const now = () => Math.floor(Date.now() / 1000);
let counter = 0;
/** Claims as the auth-service writes them, for user `userId`, with `extra` over them. */
const claims = (type: 'access' | 'refresh', userId: number, extra: Record<string, unknown> = {}) => ({
  token_type: type,
  exp: now() + 300,
  iat: now(),
  jti: (++counter).toString(16).padStart(32, '0'),
  user_id: userId,
  aud: AUDIENCE,
  iss: ISSUER,
  ...extra,
});

const OK_HEADER = { alg: 'RS256', typ: 'JWT', kid: SERVICE_KID };
const REAL: Signer = { rs256: service.privateKey };

interface Attack {
  readonly name: string;
  /** A token of `type` for `userId` that must be refused; `keyServer` is a URL nobody may fetch. */
  readonly token: (type: 'access' | 'refresh', userId: number, keyServer: string) => string;
  /** An endpoint where the contract answers this token otherwise (logout takes expired refresh tokens). */
  readonly except?: Readonly<Record<string, number>>;
}

const ATTACKS: readonly Attack[] = [
  { name: 'alg none, no signature', token: (type, id) => forge({ alg: 'none', typ: 'JWT' }, claims(type, id), 'unsigned') },
  {
    name: 'alg none under our kid, with a signature part',
    token: (type, id) => `${b64({ alg: 'none', typ: 'JWT', kid: SERVICE_KID })}.${b64(claims(type, id))}.${b64('x')}`,
  },
  {
    name: 'HS256 keyed with the RSA public key PEM (algorithm confusion)',
    token: (type, id) => forge({ alg: 'HS256', typ: 'JWT', kid: SERVICE_KID }, claims(type, id), { hs256: service.publicKey }),
  },
  {
    name: 'HS256 keyed with the RSA public key PEM, without kid',
    token: (type, id) => forge({ alg: 'HS256', typ: 'JWT' }, claims(type, id), { hs256: service.publicKey }),
  },
  { name: 'a kid that names no key', token: (type, id) => forge({ ...OK_HEADER, kid: 'no-such-key' }, claims(type, id), REAL) },
  { name: 'a kid that tries a path', token: (type, id) => forge({ ...OK_HEADER, kid: '../../etc/passwd' }, claims(type, id), REAL) },
  {
    name: 'a kid that names a URL',
    token: (type, id, server) => forge({ ...OK_HEADER, kid: `${server}/key.pem` }, claims(type, id), { rs256: attacker.privateKey }),
  },
  {
    name: 'jku pointing at a JWKS of the attacker',
    token: (type, id, server) => forge({ ...OK_HEADER, jku: `${server}/jwks.json` }, claims(type, id), { rs256: attacker.privateKey }),
  },
  {
    name: 'x5u pointing at a certificate of the attacker',
    token: (type, id, server) => forge({ ...OK_HEADER, x5u: `${server}/cert.pem` }, claims(type, id), { rs256: attacker.privateKey }),
  },
  {
    name: "the attacker's key embedded as jwk",
    token: (type, id) =>
      forge({ ...OK_HEADER, jwk: createPrivateKey(attacker.privateKey).export({ format: 'jwk' }) }, claims(type, id), { rs256: attacker.privateKey }),
  },
  {
    name: 'jwk and jku without kid',
    token: (type, id, server) =>
      forge({ alg: 'RS256', typ: 'JWT', jku: `${server}/jwks.json`, jwk: { kty: 'RSA' } }, claims(type, id), { rs256: attacker.privateKey }),
  },
  { name: 'crit naming an extension', token: (type, id) => forge({ ...OK_HEADER, crit: ['exp'] }, claims(type, id), REAL) },
  { name: 'another issuer', token: (type, id) => forge(OK_HEADER, claims(type, id, { iss: 'https://evil.example.test' }), REAL) },
  { name: 'another audience', token: (type, id) => forge(OK_HEADER, claims(type, id, { aud: 'other-api' }), REAL) },
  { name: 'no audience', token: (type, id) => forge(OK_HEADER, claims(type, id, { aud: undefined }), REAL) },
  {
    name: 'expired',
    token: (type, id) => forge(OK_HEADER, claims(type, id, { iat: now() - 600, exp: now() - 300 }), REAL),
    except: { 'POST /auth/logout/': 200 },
  },
  { name: 'not valid before a future nbf', token: (type, id) => forge(OK_HEADER, claims(type, id, { nbf: now() + 600 }), REAL) },
  { name: 'issued in the future', token: (type, id) => forge(OK_HEADER, claims(type, id, { iat: now() + 600, exp: now() + 900 }), REAL) },
  { name: 'iat that is not a number', token: (type, id) => forge(OK_HEADER, claims(type, id, { iat: 'yesterday' }), REAL) },
  // Signed with the real key, so only the claims' own checks stand between them and the database.
  { name: 'exp in year 9999', token: (type, id) => forge(OK_HEADER, claims(type, id, { exp: 253402300799 }), REAL) },
  { name: 'exp beyond any date (1e20)', token: (type, id) => forge(OK_HEADER, claims(type, id, { exp: 1e20 }), REAL) },
  { name: 'exp that is a numeric string', token: (type, id) => forge(OK_HEADER, claims(type, id, { exp: String(now() + 300) }), REAL) },
  { name: 'iat before 1970', token: (type, id) => forge(OK_HEADER, claims(type, id, { iat: -1 }), REAL) },
  { name: 'nbf that is a string', token: (type, id) => forge(OK_HEADER, claims(type, id, { nbf: 'x' }), REAL) },
  { name: 'nbf before 1970', token: (type, id) => forge(OK_HEADER, claims(type, id, { nbf: -5 }), REAL) },
  { name: 'a 300-character jti', token: (type, id) => forge(OK_HEADER, claims(type, id, { jti: 'j'.repeat(300) }), REAL) },
  { name: 'a 33-character jti', token: (type, id) => forge(OK_HEADER, claims(type, id, { jti: 'a'.repeat(33) }), REAL) },
  { name: 'a jti that is a number', token: (type, id) => forge(OK_HEADER, claims(type, id, { jti: 12345 }), REAL) },
  { name: 'a jti that is an object', token: (type, id) => forge(OK_HEADER, claims(type, id, { jti: { a: 1 } }), REAL) },
  { name: 'a jti with accents', token: (type, id) => forge(OK_HEADER, claims(type, id, { jti: 'é'.repeat(32) }), REAL) },
  { name: 'a jti with a space', token: (type, id) => forge(OK_HEADER, claims(type, id, { jti: 'a b' }), REAL) },
  { name: 'a user id beyond safe integers', token: (type) => forge(OK_HEADER, claims(type, 0, { user_id: 1e300 }), REAL) },
  { name: 'a user id of 20 digits', token: (type) => forge(OK_HEADER, claims(type, 0, { user_id: '99999999999999999999' }), REAL) },
  { name: 'a negative user id', token: (type) => forge(OK_HEADER, claims(type, 0, { user_id: -1 }), REAL) },
  { name: 'a user id that is an object', token: (type) => forge(OK_HEADER, claims(type, 0, { user_id: { id: 1 } }), REAL) },
  { name: 'a token type that is an object', token: (type, id) => forge(OK_HEADER, claims(type, id, { token_type: { type } }), REAL) },
  { name: 'a token type that is a number', token: (type, id) => forge(OK_HEADER, claims(type, id, { token_type: 1 }), REAL) },
  { name: 'a token type of 100 characters', token: (type, id) => forge(OK_HEADER, claims(type, id, { token_type: type.padEnd(100, 'x') }), REAL) },
  {
    name: 'oversized (9 KB of claims)',
    token: (type, id) => forge(OK_HEADER, claims(type, id, { padding: 'x'.repeat(9000) }), REAL),
  },
  {
    name: 'a signature changed in unused bits only',
    token: (type, id) => {
      const token = forge(OK_HEADER, claims(type, id), REAL);
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      return token.slice(0, -1) + alphabet[alphabet.indexOf(token.at(-1) as string) ^ 1];
    },
  },
];

const INVALID = { detail: 'Token is invalid or expired', code: 'token_not_valid' };
const NOT_VALID_BEARER = {
  detail: 'Given token not valid for any token type',
  code: 'token_not_valid',
  messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token is invalid or expired' }],
};

/** One endpoint that takes a token, how to send it one, and the body it refuses with. */
interface Endpoint {
  readonly name: string;
  readonly type: 'access' | 'refresh';
  readonly send: (token: string) => Promise<TestResponse>;
  readonly refusal: object;
}

forEachDialect((dialect) => {
  describe('forged and doctored tokens', function () {
    this.timeout(60000);
    let auth: TestAuthService;
    let client: TestClientService;
    let userId: number;
    let keyServer: string;
    let fetched: string[];
    let closeKeyServer: () => Promise<void>;

    before(async () => {
      fetched = [];
      const server = createServer((request, response) => {
        fetched.push(request.url ?? '');
        response.end('{}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      keyServer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      closeKeyServer = () => new Promise((resolve) => server.close(() => resolve()));
      const tokenSettings = { ALGORITHM: 'RS256', AUDIENCE, ISSUER } as const;
      auth = await startAuthService(dialect, { ...tokenSettings, SIGNING_KEY: service.privateKey });
      // Staff, so the expire endpoint may act on the tokens of the baseline's users too.
      userId = await auth.createUser({ email: 'ann@example.com', isStaff: true });
      client = await startClientService(
        dialect,
        { ...tokenSettings, REMOTE_AUTH_SERVICE_URL: auth.url, VERIFYING_KEY: service.publicKey, TOKEN_VERIFICATION: 'local' },
        { controllers: [GuardedController] },
      );
    });
    after(async () => {
      await client.close();
      await auth.close();
      await closeKeyServer();
    });

    const endpoints = (): Endpoint[] => [
      { name: 'POST /auth/token/refresh/', type: 'refresh', send: (token) => auth.post('/auth/token/refresh/', { refresh: token }), refusal: INVALID },
      { name: 'POST /auth/token/verify/', type: 'access', send: (token) => auth.post('/auth/token/verify/', { token }), refusal: INVALID },
      { name: 'POST /auth/token/blacklist/', type: 'refresh', send: (token) => auth.post('/auth/token/blacklist/', { refresh: token }), refusal: INVALID },
      { name: 'POST /auth/logout/', type: 'refresh', send: (token) => auth.post('/auth/logout/', { refresh: token }), refusal: INVALID },
      { name: 'GET /auth/user/', type: 'access', send: (token) => auth.get('/auth/user/', bearer(token)), refusal: NOT_VALID_BEARER },
      { name: 'GET /auth/sessions/', type: 'access', send: (token) => auth.get('/auth/sessions/', bearer(token)), refusal: NOT_VALID_BEARER },
      {
        name: 'POST /auth/token/expire/',
        type: 'refresh',
        send: (token) => auth.post('/auth/token/expire/', { token }, bearer(forge(OK_HEADER, claims('access', userId), REAL))),
        refusal: INVALID,
      },
      { name: 'POST /auth/logout-all/', type: 'access', send: (token) => auth.post('/auth/logout-all/', {}, bearer(token)), refusal: NOT_VALID_BEARER },
      { name: 'client GET /guarded/login/', type: 'access', send: (token) => client.get('/guarded/login/', bearer(token)), refusal: NOT_VALID_BEARER },
    ];

    it('accepts a token forged with the real key everywhere, so each refusal below is the attack', async () => {
      for (const [index, endpoint] of endpoints().entries()) {
        // A user of its own each: logout-all would otherwise end every later token of Ann's.
        const owner = await auth.createUser({ email: `baseline-${index}@example.com` });
        const response = await endpoint.send(forge(OK_HEADER, claims(endpoint.type, owner), REAL));
        expect(response.status, `${endpoint.name}: ${response.text}`).to.equal(200);
      }
    });

    it('refuses a 40 KB token in a body with 401, and one in a header with 431 from Node, never a 500', async () => {
      const huge = forge(OK_HEADER, claims('access', userId, { padding: 'x'.repeat(40000) }), REAL);
      const verified = await auth.post('/auth/token/verify/', { token: huge });
      expect([verified.status, verified.body]).to.deep.equal([401, INVALID]);
      expect((await auth.get('/auth/user/', bearer(huge))).status).to.equal(431);
      expect((await client.get('/guarded/login/', bearer(huge))).status).to.equal(431);
    });

    for (const attack of ATTACKS) {
      it(`refuses ${attack.name}`, async () => {
        for (const endpoint of endpoints()) {
          const response = await endpoint.send(attack.token(endpoint.type, userId, keyServer));
          const expected = attack.except?.[endpoint.name];
          if (expected !== undefined) {
            expect(response.status, `${endpoint.name}: ${response.text}`).to.equal(expected);
            continue;
          }
          expect(response.status, `${endpoint.name}: ${response.text}`).to.equal(401);
          expect(response.body, endpoint.name).to.deep.equal(endpoint.refusal);
          expect(response.headers.get('content-type')).to.equal('application/json');
        }
        expect(fetched, 'a key URL from a token header was fetched').to.deep.equal([]);
      });
    }
  });
});
