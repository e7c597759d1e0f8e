// What the benchmark measures: the servers to start and the requests to drive at them. Adding a
// target is adding an entry to TARGETS (and, for a new kind of server, one to SERVERS).
import type { ChildServer } from './child';

/** One HTTP request autocannon repeats. */
export interface RequestSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** When set, any other response body counts as a mismatch (and flags the run). */
  readonly expectBody?: string;
}

/** What a server's `prepare` hands to its targets: its URL plus whatever they need (tokens). */
export interface Fixture {
  readonly url: string;
  readonly [key: string]: string;
}

/** A kind of server (see SERVER_KINDS in bench/server.ts) and how to get it ready for load. */
export interface ServerSpec {
  /** The kind forked by bench/child.ts. */
  readonly kind: string;
  /** A key of SERVERS this one talks to (a client-service's auth-service); started first. */
  readonly upstream?: string;
  /** Environment for the child: its own settings, and its upstream's URL and keys when it has one. */
  env?(upstream?: ChildServer): Record<string, string>;
  /** Runs once after start-up, before any load: logs in, creates data, checks the answers. */
  prepare(child: ChildServer, upstream?: ChildServer): Promise<Fixture>;
}

/** One line of the results table. */
export interface Target {
  readonly name: string;
  /** A key of SERVERS; targets that share a server share one child process. */
  readonly server: string;
  /** Builds the request from the server's fixture. */
  request(fixture: Fixture): RequestSpec;
  /** The bare Koa route every ratio is taken against. */
  readonly baseline?: boolean;
  /** Smallest acceptable ratio to the baseline, printed with PASS/BELOW. */
  readonly goal?: number;
}

async function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}

/** Logs in at `url` (an auth-service, or a client-service's proxy) with the bench user. */
async function login(url: string, credentials: Record<string, string>): Promise<{ access: string; refresh: string }> {
  const { email, password } = credentials;
  const answer = await postJson(`${url}/auth/token/`, { email, password });
  if (answer.status !== 200 || !hasAccessToken(answer.body)) {
    throw new Error(`bench login at ${url} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return answer.body;
}

/** A login answer: the access token is checked, the refresh token is taken on trust. */
function hasAccessToken(body: unknown): body is { access: string; refresh: string } {
  return typeof body === 'object' && body !== null && typeof (body as { access?: unknown }).access === 'string';
}

/**
 * A client-service in front of the auth-service child. The bench user logs in through the client
 * (which stores the user copy) and makes one protected request (which, in remote mode, fills the
 * verification cache): the measured requests then find both warm.
 */
const clientService = (verification: 'local' | 'jwks' | 'remote', protectedPath = '/api/test/'): ServerSpec => ({
  kind: 'client-service',
  upstream: verification === 'jwks' ? 'auth-service-es256' : 'auth-service',
  env: (upstream) => {
    const auth = upstream!;
    return {
      BENCH_AUTH_URL: auth.url,
      BENCH_VERIFICATION: verification,
      ...(verification === 'local' ? { BENCH_SIGNING_KEY: auth.extra.key } : {}),
      ...(auth.extra.feedKey ? { BENCH_FEED_KEY: auth.extra.feedKey } : {}),
      ...(protectedPath === '/plain/test/' ? { BENCH_PLAIN_ROUTE: '1' } : {}),
    };
  },
  prepare: async (child, auth) => {
    if (child.extra.verification !== verification) throw new Error(`client-service verifies ${child.extra.verification}, not ${verification}`);
    // Every revoked-token check on the request path is measured, as deployed.
    if (child.extra.revocationReach !== 'on') throw new Error('client-service runs without revocation reach');
    const { access, refresh } = await login(child.url, auth!.extra);
    const warm = await fetch(child.url + protectedPath, { headers: { Authorization: `Bearer ${access}` } });
    if (warm.status !== 200) throw new Error(`client-service warm-up answered ${warm.status} ${await warm.text()}`);
    return { url: child.url, access, refresh };
  },
});

/**
 * A server that verifies the auth-service's HS256 tokens with its key (a peer, or bare Koa given
 * the same request): the bench user logs in at the auth-service, and the peer must answer its
 * token 200 and a request without one 401 before any load.
 */
const withAuthToken = (kind: string, guarded: boolean): ServerSpec => ({
  kind,
  upstream: 'auth-service',
  env: (upstream) => ({ BENCH_SIGNING_KEY: upstream!.extra.key }),
  prepare: async (child, auth) => {
    const { access, refresh } = await login(auth!.url, auth!.extra);
    if (guarded) {
      const anonymous = await fetch(`${child.url}/api/test/`);
      if (anonymous.status !== 401) throw new Error(`${kind} answered ${anonymous.status} to a request without a token`);
    }
    return { url: child.url, access, refresh };
  },
});

export const SERVERS: Record<string, ServerSpec> = {
  'koa-hello': {
    kind: 'koa-hello',
    prepare: async (child) => ({ url: child.url }),
  },
  'rc-hello': {
    kind: 'rc-hello',
    prepare: async (child) => ({ url: child.url }),
  },
  'auth-service': {
    kind: 'auth-service',
    // One login through the real endpoint: the tokens under test are the ones clients would hold.
    prepare: async (child) => ({ url: child.url, ...(await login(child.url, child.extra)) }),
  },
  'auth-service-es256': {
    kind: 'auth-service',
    env: () => ({ BENCH_ALGORITHM: 'ES256' }),
    prepare: async (child) => ({ url: child.url, ...(await login(child.url, child.extra)) }),
  },
  'client-local': clientService('local'),
  'client-jwks': clientService('jwks'),
  'client-local-plain': clientService('local', '/plain/test/'),
  'client-remote': clientService('remote'),
  'koa-headers': withAuthToken('koa-headers', false),
  'fastify-jwt': withAuthToken('fastify-jwt', true),
  'koa-jwt': withAuthToken('koa-jwt', true),
};

const bearer = (fixture: Fixture) => ({ Authorization: `Bearer ${fixture.access}` });

export const TARGETS: readonly Target[] = [
  {
    name: 'bare Koa GET /',
    server: 'koa-hello',
    baseline: true,
    request: () => ({ method: 'GET', path: '/', expectBody: 'hello' }),
  },
  {
    name: 'bare Koa, the demo answer and its headers',
    server: 'koa-headers',
    request: (fixture) => ({ method: 'GET', path: '/api/test/', headers: bearer(fixture), expectBody: '"success"' }),
  },
  {
    name: 'routing-controllers GET / (no guard)',
    server: 'rc-hello',
    request: () => ({ method: 'GET', path: '/', expectBody: 'hello' }),
  },
  {
    name: 'POST /auth/token/verify/',
    server: 'auth-service',
    request: (fixture) => ({
      method: 'POST',
      path: '/auth/token/verify/',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: fixture.access }),
      expectBody: '{}',
    }),
  },
  {
    name: 'GET /auth/user/ (Bearer)',
    server: 'auth-service',
    goal: 0.6,
    request: (fixture) => ({ method: 'GET', path: '/auth/user/', headers: bearer(fixture) }),
  },
  {
    name: 'client GET /api/test/ local',
    server: 'client-local',
    goal: 0.8,
    request: (fixture) => ({ method: 'GET', path: '/api/test/', headers: bearer(fixture), expectBody: '"success"' }),
  },
  {
    name: 'client GET /api/test/ jwks (ES256)',
    server: 'client-jwks',
    goal: 0.8,
    request: (fixture) => ({ method: 'GET', path: '/api/test/', headers: bearer(fixture), expectBody: '"success"' }),
  },
  {
    name: 'client GET /plain/test/ local, plain Koa guard',
    server: 'client-local-plain',
    goal: 0.8,
    request: (fixture) => ({ method: 'GET', path: '/plain/test/', headers: bearer(fixture), expectBody: '"success"' }),
  },
  {
    name: 'client GET /api/test/ remote',
    server: 'client-remote',
    goal: 0.7,
    request: (fixture) => ({ method: 'GET', path: '/api/test/', headers: bearer(fixture), expectBody: '"success"' }),
  },
  {
    name: 'peer: Fastify 5 + @fastify/jwt (cache on)',
    server: 'fastify-jwt',
    request: (fixture) => ({ method: 'GET', path: '/api/test/', headers: bearer(fixture), expectBody: '"success"' }),
  },
  {
    name: 'peer: koa-jwt 4 (string secret)',
    server: 'koa-jwt',
    request: (fixture) => ({ method: 'GET', path: '/api/test/', headers: bearer(fixture), expectBody: '"success"' }),
  },
];

/** Checks one request by hand before loading it, so a broken target fails with its answer. */
export async function checkRequest(fixture: Fixture, target: Target): Promise<void> {
  const spec = target.request(fixture);
  const response = await fetch(fixture.url + spec.path, { method: spec.method, headers: spec.headers, body: spec.body });
  const text = await response.text();
  if (response.status < 200 || response.status > 299 || (spec.expectBody !== undefined && text !== spec.expectBody)) {
    throw new Error(`target '${target.name}' answered ${response.status} ${text.slice(0, 300)}`);
  }
}
