// Property-based fuzzing of every endpoint of both services, in every delivery mode: generated
// bodies (JSON of random shapes, forms, garbage bytes, huge and deeply nested values within the
// body limit), headers (Authorization, Content-Type, cookies, CSRF, Origin) and tokens (random
// compact JWS, and tokens signed with the real key whose claims are random). Whatever arrives, the
// answer is never a 5xx, and every 4xx is DRF-shaped JSON: an object with a `detail` string, or
// field names mapped to arrays of strings.
//
// Bounded for CI: EASYJWT_FUZZ_RUNS runs per endpoint family and mode (default 250), seeded from
// EASYJWT_FUZZ_SEED (default: a new seed each run). A failure names the seed and the shrunk case;
// run again with that seed to reproduce it.
import { expect } from 'chai';
import fc from 'fast-check';
import { request as httpRequest, Agent } from 'node:http';
import { createHmac } from 'node:crypto';
import type { DeliveryMode } from '../../src/settings/options';
import { DemoController } from '../../src/controllers/client-service/demo-controller';
import type { TestAuthService } from '../support/auth-service';
import { startAuthService, TEST_KEY } from '../support/auth-service';
import type { TestProvider } from '../support/oidc-provider';
import { startProvider } from '../support/oidc-provider';
import type { TestClientService } from '../support/client-service';
import { GuardedController, startClientService } from '../support/client-service';
import { forEachDialect } from '../support/databases';

const RUNS = Number(process.env.EASYJWT_FUZZ_RUNS ?? 250);
const SEED = Number(process.env.EASYJWT_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const MODES: readonly DeliveryMode[] = ['json', 'refresh-cookie', 'one-cookie', 'two-cookies', 'easyjwt-cookie'];
const BODY_LIMIT = 65536;
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

interface RawResponse {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly text: string;
}

/** One request as generated: sent over a raw socket so any bytes and any header value go through. */
interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | null;
}

function send(base: string, input: FuzzRequest): Promise<RawResponse> {
  const url = new URL(input.path, base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...input.headers };
    if (input.body !== null) headers['Content-Length'] = input.body.length;
    const outgoing = httpRequest(url, { method: input.method, headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'], text: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(input.body ?? undefined);
  });
}

/** Why an answer breaks the contract, or null. */
function contractProblem(response: RawResponse): string | null {
  if (response.status >= 500) return `a ${response.status}`;
  if (response.status < 400) return null;
  if (response.contentType !== 'application/json') return `a ${response.status} with Content-Type ${String(response.contentType)}`;
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    return `a ${response.status} whose body is not JSON`;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return `a ${response.status} whose body is not an object`;
  const fields = body as Record<string, unknown>;
  if (typeof fields.detail === 'string') return null;
  const keys = Object.keys(fields);
  const fieldErrors =
    keys.length > 0 && keys.every((key) => Array.isArray(fields[key]) && (fields[key] as unknown[]).every((item) => typeof item === 'string'));
  return fieldErrors ? null : `a ${response.status} whose body is neither {detail} nor field errors`;
}

// ---------------------------------------------------------------------------------------------
// Generators.

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** A token signed with the real key over any payload (jsonwebtoken's signer would refuse odd claims). */
function signHs256(payload: unknown): string {
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', TEST_KEY).update(input).digest('base64url')}`;
}

/** Any JSON value, some shallow and wide, some long. */
const jsonValue = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: BODY_LIMIT - 200 }).map((size) => 'x'.repeat(size)) },
);

/** Deeply nested JSON text, kept as text: as values they would overflow the test's own stack. */
const deepJson = fc.oneof(
  fc.integer({ min: 1, max: 20000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.integer({ min: 1, max: 6000 }).map((depth) => '{"refresh":'.repeat(depth) + '1' + '}'.repeat(depth)),
);

/** A claim value: plausible, absurd, or of the wrong type. */
const claimValue = fc.oneof(
  fc.constantFrom(0, -1, 1, 1e20, 253402300799, 32503680000, Number.MAX_SAFE_INTEGER, 1.5, '', 'x', 'access', 'refresh', null, true, [], {}),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 300 }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Claims near the real ones, with some replaced or removed at random. */
const signedClaims = fc
  .record({
    token_type: fc.oneof(fc.constantFrom('access', 'refresh'), claimValue),
    exp: fc.oneof(fc.constant(now() + 300), claimValue),
    iat: fc.oneof(fc.constant(now() - 5), claimValue),
    jti: fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), claimValue),
    user_id: fc.oneof(fc.constantFrom(1, 2, 3, '1'), claimValue),
    nbf: fc.option(claimValue, { nil: undefined }),
    extra: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), claimValue, { maxKeys: 4 }), { nil: undefined }),
  })
  .chain((claims) => fc.subarray(Object.keys(claims)).map((kept) => Object.fromEntries(kept.map((key) => [key, claims[key as keyof typeof claims]]))));

/** A token: real ones from a login, signed ones with random claims, random compact JWS, or junk. */
const token = (real: () => readonly string[]) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.nat().map((index) => real()[index % real().length] ?? '') },
    {
      weight: 3,
      arbitrary: signedClaims.map((claims) => {
        const { extra, ...rest } = claims as Record<string, unknown>;
        const payload = { ...(extra as object | undefined), ...rest };
        return signHs256(payload);
      }),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }), fc.base64String({ maxLength: 64 }))
        .map(([header, payload, signature]) => `${b64(header)}.${b64(payload)}.${signature.replace(/=/g, '')}`),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  );

/** Header values Node will send: printable ASCII (other bytes are refused by the client, not the server). */
const headerText = fc.stringMatching(/^[\x20-\x7e]{0,200}$/).map((text) => text.trim());

const FIELDS = [
  'email',
  'username',
  'password',
  'refresh',
  'token',
  'affect_tree',
  'old_password',
  'new_password',
  'access',
  'id_token',
  'nonce',
  'provider',
  'access_token',
  'expires_in',
];

const jsonBody = (tokens: fc.Arbitrary<string>) =>
  fc.oneof(
    fc.dictionary(fc.constantFrom(...FIELDS), fc.oneof(tokens, jsonValue, fc.constantFrom('user@test.com', 'user-pass', 'true')), { maxKeys: 5 }),
    jsonValue,
  );

const formBody = (tokens: fc.Arbitrary<string>) =>
  fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 10 })), fc.oneof(tokens, fc.string({ maxLength: 50 }))), { maxLength: 5 })
    .map((pairs) => pairs.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&'));

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/xml',
  '*/*',
  'application/',
];

/** A body and the Content-Type it is sent with (sometimes a lie, sometimes none). */
const body = (tokens: fc.Arbitrary<string>) =>
  fc.oneof(
    fc.record({
      bytes: jsonBody(tokens).map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
      type: fc.constantFrom('application/json', ...CONTENT_TYPES),
    }),
    fc.record({ bytes: formBody(tokens).map((text) => Buffer.from(text)), type: fc.constantFrom('application/x-www-form-urlencoded', ...CONTENT_TYPES) }),
    fc.record({ bytes: deepJson.map((text) => Buffer.from(text)), type: fc.constantFrom('application/json', 'application/x-www-form-urlencoded') }),
    fc.record({ bytes: fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes)), type: fc.oneof(fc.constantFrom(...CONTENT_TYPES), headerText) }),
    fc.record({ bytes: fc.constant(Buffer.alloc(0)), type: fc.constantFrom('', ...CONTENT_TYPES) }),
    fc.constant(null),
  );

const authorization = (tokens: fc.Arbitrary<string>) =>
  fc.oneof(
    tokens.map((value) => `Bearer ${value}`),
    tokens.map((value) => `bearer ${value}`),
    tokens.map((value) => `JWT ${value}`),
    tokens.map((value) => `Bearer ${value} ${value}`),
    fc.constantFrom('Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Token abc', ''),
    headerText,
  );

const COOKIE_NAMES = ['easyjwt_access', 'easyjwt_refresh', 'easyjwt_payload', 'easyjwt_csrf', 'refresh_token', 'csrftoken'];
/** A well-formed Django CSRF secret, offered as a cookie value and as the header, so requests also pass easyjwt-cookie's double submit. */
const FUZZ_CSRF = 'fuzzCsrfSecretOf32CharactersAbcd';

const cookies = (tokens: fc.Arbitrary<string>) =>
  fc
    .array(
      fc.tuple(fc.oneof(fc.constantFrom(...COOKIE_NAMES), fc.stringMatching(/^[A-Za-z0-9_]{1,12}$/)), fc.oneof(tokens, headerText, fc.constant(FUZZ_CSRF))),
      {
        maxLength: 4,
      },
    )
    .map((pairs) => pairs.map(([name, value]) => `${name}=${value.replace(/[;,\s]/g, '')}`).join('; '));

/** Headers: any of Authorization, Cookie, the CSRF header and Origin, each present or not. */
const headers = (tokens: fc.Arbitrary<string>) =>
  fc
    .record(
      {
        Authorization: authorization(tokens),
        Cookie: cookies(tokens),
        'X-CSRFToken': fc.oneof(headerText, fc.constant('csrf'), fc.constant(FUZZ_CSRF)),
        Origin: fc.constantFrom('https://evil.example', 'null', 'http://127.0.0.1', ''),
        'User-Agent': headerText,
        'X-Forwarded-For': fc.constantFrom('203.0.113.9', 'not-an-ip', '1.1.1.1, 2.2.2.2', ''),
      },
      { requiredKeys: [] },
    )
    .map((record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== '')) as Record<string, string>);

/**
 * Methods: the usual ones. Unusual methods (PROPFIND, made-up verbs) and HEAD/OPTIONS belong to
 * the HTTP connection work, which answers them itself; they are left out here.
 */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** A path segment as a client might send it: digits, text, escapes, nothing. */
const segment = fc.oneof(
  fc.nat({ max: 10 }).map(String),
  fc.constantFrom('0', '-1', '999999999999', 'abc', '%00', '%2e%2e', '1.5', ''),
  fc.stringMatching(/^[A-Za-z0-9._~-]{0,12}$/),
);
const query = fc.oneof(
  fc.constant(''),
  segment.map((value) => `?user=${value}`),
  fc.stringMatching(/^[A-Za-z0-9=&%._-]{0,30}$/).map((text) => `?${text}`),
);

/** One family: paths a service serves that belong together, fuzzed `RUNS` times. */
interface Family {
  readonly name: string;
  readonly paths: fc.Arbitrary<string>;
  /** Requests of its own instead of the generic ones built from `paths`. */
  readonly requests?: (real: () => readonly string[]) => fc.Arbitrary<FuzzRequest>;
}

let jtiCounter = 0;
/**
 * A well-formed token signed with the real key, for a user that exists, with one claim set to a
 * generated value: the shape most likely to get past every check and reach the database.
 */
const perturbedToken = fc
  .record({
    type: fc.constantFrom('access', 'refresh'),
    field: fc.constantFrom('exp', 'iat', 'nbf', 'jti', 'user_id', 'token_type', 'other'),
    value: claimValue,
    user: fc.constantFrom(1, 2, 3),
  })
  .map(({ type, field, value, user }) =>
    signHs256({ token_type: type, exp: now() + 300, iat: now() - 5, jti: (++jtiCounter).toString(16).padStart(32, '0'), user_id: user, [field]: value }),
  );

/** Every endpoint that takes a token, sent a perturbed one where it reads it (body or Bearer). */
const signedTokenRequests = (paths: readonly string[], bearerPaths: readonly string[]) => (real: () => readonly string[]) =>
  fc.oneof(
    fc.tuple(fc.constantFrom(...paths), perturbedToken, fc.nat()).map(([path, value, index]): FuzzRequest => ({
      method: 'POST',
      path,
      // The expire endpoint also needs a Bearer token: a real one, so the body's token is what is judged.
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${real()[index % real().length] ?? ''}` },
      body: Buffer.from(JSON.stringify({ refresh: value, token: value })),
    })),
    fc.tuple(fc.constantFrom(...bearerPaths), perturbedToken).map(([path, value]): FuzzRequest => ({
      method: path === '/auth/logout-all/' ? 'POST' : 'GET',
      path,
      headers: { Authorization: `Bearer ${value}` },
      body: null,
    })),
  );

const AUTH_FAMILIES: readonly Family[] = [
  {
    name: 'token endpoints',
    paths: fc.constantFrom('/auth/token/', '/auth/token/refresh/', '/auth/token/verify/', '/auth/token/blacklist/', '/auth/logout/', '/auth/social-exchange/'),
  },
  {
    name: 'user endpoints',
    paths: fc.oneof(
      fc.constantFrom('/auth/user/', '/auth/users/', '/auth/password-change/'),
      segment.map((id) => `/auth/users/${id}/`),
    ),
  },
  {
    name: 'registry endpoints',
    paths: fc.oneof(
      fc.tuple(fc.constantFrom('/auth/sessions/', '/auth/logout-all/', '/auth/token/expire/', '/auth/revocations/'), query).map(([path, q]) => path + q),
      segment.map((id) => `/auth/sessions/${id}/`),
    ),
  },
  {
    name: 'signed tokens with one odd claim',
    paths: fc.constant('/'),
    requests: signedTokenRequests(
      ['/auth/token/refresh/', '/auth/token/verify/', '/auth/token/blacklist/', '/auth/logout/', '/auth/token/expire/'],
      ['/auth/user/', '/auth/sessions/', '/auth/users/1/', '/auth/logout-all/'],
    ),
  },
  { name: 'well-known and unknown paths', paths: fc.constantFrom('/.well-known/jwks.json', '/.well-known/openid-configuration', '/auth/', '/auth/nope/', '/') },
  {
    name: 'sign-up',
    paths: fc.constant('/auth/create-user/'),
    // Bodies with the sign-up's own fields, of any value (taken emails included), besides the generic ones.
    requests: () =>
      fc.oneof(
        fc
          .dictionary(
            fc.constantFrom('email', 'password', 'first_name', 'last_name', 'phone', 'is_staff'),
            fc.oneof(jsonValue, fc.constantFrom('user@test.com', 'new@test.com', 'a-good-long-pass')),
            { maxKeys: 6 },
          )
          .map((fields): FuzzRequest => ({
            method: 'POST',
            path: '/auth/create-user/',
            headers: { 'Content-Type': 'application/json' },
            body: Buffer.from(JSON.stringify(fields)),
          })),
        request({ name: 'sign-up', paths: fc.constant('/auth/create-user/') }, fc.string({ maxLength: 40 })),
      ),
  },
];

const CLIENT_FAMILIES: readonly Family[] = [
  {
    name: 'proxied endpoints',
    paths: fc.constantFrom(
      '/auth/token/',
      '/auth/token/refresh/',
      '/auth/token/verify/',
      '/auth/token/blacklist/',
      '/auth/logout/',
      '/auth/password-change/',
      '/auth/token/logout/',
      '/auth/csrf/',
      '/auth/social-exchange/',
    ),
  },
  {
    name: 'signed tokens with one odd claim',
    paths: fc.constant('/'),
    requests: signedTokenRequests(['/auth/token/refresh/', '/auth/token/verify/', '/auth/token/blacklist/', '/auth/logout/'], ['/api/test/', '/guarded/me/']),
  },
  {
    name: 'protected routes',
    paths: fc.constantFrom('/api/test/', '/api/perm-test/', '/guarded/login/', '/guarded/view/', '/guarded/staff/', '/guarded/me/', '/guarded/gold/', '/nope/'),
  },
];

const request = (family: Family, tokens: fc.Arbitrary<string>): fc.Arbitrary<FuzzRequest> =>
  fc.record({ method: fc.constantFrom(...METHODS), path: family.paths, headers: headers(tokens), body: body(tokens) }).map((generated) => {
    const sent: Record<string, string> = { ...generated.headers };
    if (generated.body !== null && generated.body.type !== '') sent['Content-Type'] = generated.body.type;
    const bytes = generated.body?.bytes ?? null;
    // Printed short on failure: a 60 KB body as a byte list would bury the report.
    const shown = bytes === null ? 'no body' : `${bytes.length} bytes: ${JSON.stringify(bytes.subarray(0, 300).toString('latin1'))}`;
    return {
      method: generated.method,
      path: generated.path,
      headers: sent,
      body: bytes,
      [fc.toStringMethod]: () => `${generated.method} ${generated.path} headers ${JSON.stringify(sent)} body ${shown}`,
    };
  });

async function fuzz(base: string, family: Family, tokens: fc.Arbitrary<string>, real: () => readonly string[], seedOffset: number): Promise<void> {
  const seed = (SEED + seedOffset) | 0;
  const requests = family.requests?.(real) ?? request(family, tokens);
  await fc.assert(
    fc.asyncProperty(requests, async (input) => {
      const response = await send(base, input);
      const problem = contractProblem(response);
      if (problem !== null) throw new Error(`${input.method} ${input.path} answered ${problem}: ${response.text.slice(0, 300)}`);
    }),
    { numRuns: RUNS, seed, endOnFailure: false },
  );
}

forEachDialect((dialect) => {
  describe(`fuzzing every endpoint (seed ${SEED}, ${RUNS} runs per family and mode; EASYJWT_FUZZ_SEED=${SEED} reproduces)`, function () {
    this.timeout(120000);
    let provider: TestProvider;
    before(async () => {
      provider = await startProvider({});
    });
    after(async () => provider.close());
    for (const [modeIndex, mode] of MODES.entries()) {
      describe(`in ${mode} delivery`, () => {
        let auth: TestAuthService;
        let client: TestClientService;
        const real: string[] = [];
        const tokens = token(() => real);

        before(async () => {
          // easyjwt-cookie is a client-service mode: its auth-service speaks json.
          // A real identity provider behind the social exchange, so tokens get past discovery to the checks.
          const OIDC_PROVIDERS = [{ name: 'fuzz', issuer: provider.issuer, client_id: 'easyjwt-spa', create_users: true }];
          auth = await startAuthService(dialect, {
            DELIVERY_MODE: mode === 'easyjwt-cookie' ? 'json' : mode,
            LOG_LEVEL: 'silent',
            CREATE_USER_ENABLED: true,
            OIDC_PROVIDERS,
          });
          await auth.createUser({ email: 'user@test.com' });
          await auth.createUser({ email: 'staff@test.com', isStaff: true });
          await auth.createUser({ email: 'root@test.com', isStaff: true, isSuperuser: true });
          client = await startClientService(
            dialect,
            { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY, TOKEN_VERIFICATION: 'local', DELIVERY_MODE: mode },
            { controllers: [DemoController, GuardedController] },
          );
          // Real tokens, so generated requests also reach the code behind the token checks.
          for (const email of ['user@test.com', 'staff@test.com', 'root@test.com']) {
            real.push(...(await loginTokens(auth, email)));
          }
        });
        after(async () => {
          await client.close();
          await auth.close();
        });

        it('relays deeply nested JSON through the client-service as the auth-service answers it (400), not as a 503', async () => {
          const nested = '{"refresh":'.repeat(3000) + '1' + '}'.repeat(3000);
          const request: FuzzRequest = { method: 'POST', path: '/auth/token/', headers: { 'Content-Type': 'application/json' }, body: Buffer.from(nested) };
          const direct = await send(auth.url, request);
          // easyjwt-cookie wants Django's double submit before a login is relayed at all.
          const csrf: Record<string, string> = mode === 'easyjwt-cookie' ? { Cookie: `csrftoken=${'a'.repeat(32)}`, 'X-CSRFToken': 'a'.repeat(32) } : {};
          const relayed = await send(client.url, { ...request, headers: { ...request.headers, ...csrf } });
          expect([relayed.status, relayed.text]).to.deep.equal([direct.status, direct.text]);
          expect(direct.status).to.equal(400);
        });

        for (const [index, family] of AUTH_FAMILIES.entries()) {
          it(`auth-service ${family.name}: never a 5xx, every 4xx DRF-shaped JSON`, async () =>
            fuzz(auth.url, family, tokens, () => real, modeIndex * 100 + index));
        }
        for (const [index, family] of CLIENT_FAMILIES.entries()) {
          it(`client-service ${family.name}: never a 5xx, every 4xx DRF-shaped JSON`, async () =>
            fuzz(client.url, family, tokens, () => real, modeIndex * 100 + 50 + index));
        }
      });
    }
    it('found the contract holds for hand-picked answers too (the checker can fail)', () => {
      expect(contractProblem({ status: 500, contentType: 'application/json', text: '{"detail":"x"}' })).to.equal('a 500');
      expect(contractProblem({ status: 400, contentType: 'text/plain', text: 'x' })).to.match(/Content-Type/);
      expect(contractProblem({ status: 400, contentType: 'application/json', text: '{"a":"b"}' })).to.match(/neither/);
      expect(contractProblem({ status: 400, contentType: 'application/json', text: '{"a":["b"]}' })).to.equal(null);
      expect(contractProblem({ status: 401, contentType: 'application/json', text: '{"detail":"no"}' })).to.equal(null);
    });
  });
});

/** The refresh and access tokens of a login, in whichever places the delivery mode puts them. */
async function loginTokens(auth: TestAuthService, email: string): Promise<string[]> {
  const response = await fetch(`${auth.url}/auth/token/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: 'user-pass' }),
  });
  const found: string[] = [];
  const text = await response.text();
  for (const value of Object.values(JSON.parse(text) as Record<string, unknown>)) if (typeof value === 'string') found.push(value);
  for (const cookie of response.headers.getSetCookie()) {
    const value = cookie.split(';')[0].split('=').slice(1).join('=');
    if (value.split('.').length === 3) found.push(value);
  }
  return found;
}
