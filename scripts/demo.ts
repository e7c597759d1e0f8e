// `npm run demo`: the two-service setup of django-easyjwt's README, ready to curl or to open in a
// browser. An auth-service on 127.0.0.1:8000 and a client-service on 127.0.0.1:8001 (GET and POST
// /api/test/ answer "success", the demo page is at /app/), sharing one freshly generated HMAC key
// so the client verifies tokens locally, over SQLite files in ./data/demo/, with three users.
// Ctrl-C (or SIGTERM) stops both and exits 0.
//
// The client-service delivers tokens in the two-cookies mode, with Secure cookies OFF because the
// demo is plain http on 127.0.0.1: demo settings, never the library's defaults. The auth-service
// stays in json mode (its client-service talks JSON to it) and puts a `user` claim in tokens, which
// the page shows from the payload cookie.
//
// Environment: DEMO_AUTH_PORT, DEMO_CLIENT_PORT (0 picks free ports; the lines printed say which),
// DEMO_DELIVERY_MODE (the client-service's, default two-cookies; json for django-easyjwt's
// walkthrough verbatim), DEMO_ACCESS_TOKEN_LIFETIME (seconds, default 300: make it short to watch
// the page refresh), EASYJWT_LOG_LEVEL (default warn: requests are not logged, problems are),
// EASYJWT_OIDC_PROVIDERS (identity providers, JSON, for the page's "Sign in with a provider").
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AuthService } from '../src/services/auth-service';
import { createAuthService } from '../src/services/auth-service';
import type { NewUser } from '../src/auth-service/user-store';
import type { ClientService } from '../src/services/client-service';
import { createDemoClientService } from '../src/services/demo-client-service';
import type { Listening } from '../src/http/server';
import { createLogger } from '../src/logger';
import type { DeliveryMode } from '../src/settings';
import { DELIVERY_MODES } from '../src/settings';

/** The demo's users, as django-easyjwt's README names them. */
export const DEMO_USERS: readonly (NewUser & { role: string })[] = [
  { email: 'admin@test.com', password: 'admin-pass', isStaff: true, isSuperuser: true, role: 'superuser' },
  { email: 'staff@test.com', password: 'staff-pass', isStaff: true, role: 'staff' },
  { email: 'user@test.com', password: 'user-pass', role: 'user' },
];

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number from 0 to 65535, got ${JSON.stringify(raw)}`);
  return value;
}

function deliveryMode(env: NodeJS.ProcessEnv): DeliveryMode {
  const raw = env.DEMO_DELIVERY_MODE || 'two-cookies';
  if (!DELIVERY_MODES.includes(raw as DeliveryMode))
    throw new Error(`DEMO_DELIVERY_MODE must be one of ${DELIVERY_MODES.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as DeliveryMode;
}

function accessLifetime(env: NodeJS.ProcessEnv): number {
  const raw = env.DEMO_ACCESS_TOKEN_LIFETIME;
  if (raw === undefined || raw === '') return 300;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`DEMO_ACCESS_TOKEN_LIFETIME must be a whole number of seconds, got ${JSON.stringify(raw)}`);
  return value;
}

/** Creates the demo users that do not exist yet; returns which were created. */
async function ensureUsers(auth: AuthService): Promise<string[]> {
  const created: string[] = [];
  for (const { role: _role, ...user } of DEMO_USERS) {
    if (await auth.users.findByLogin('email', user.email)) continue;
    await auth.users.create(user);
    created.push(user.email);
  }
  return created;
}

/** Both services, listening. */
export interface Demo {
  readonly auth: AuthService;
  readonly client: ClientService;
  readonly authListening: Listening;
  readonly clientListening: Listening;
  /** The demo page's path on the client-service, or null when examples/spa/ is not there. */
  readonly app: string | null;
  stop(): Promise<void>;
}

/**
 * Starts the auth-service, then the client-service pointing at it.
 *
 * @example
 *   const demo = await startDemo({ DEMO_AUTH_PORT: '0', DEMO_CLIENT_PORT: '0' }, process.cwd());
 */
export async function startDemo(env: NodeJS.ProcessEnv, cwd: string): Promise<Demo> {
  const dir = join(cwd, 'data', 'demo');
  const logger = createLogger(env.EASYJWT_LOG_LEVEL || 'warn');
  // One key for this run, shared by both: the client verifies signatures itself (local mode).
  // Tokens from an earlier run stop verifying, which is what a key rotation looks like.
  const key = randomBytes(32).toString('hex');
  const mode = deliveryMode(env);
  const ACCESS_TOKEN_LIFETIME = accessLifetime(env);
  const auth = await createAuthService({
    settings: {
      SIGNING_KEY: key,
      DATABASE_URL: `sqlite:${join(dir, 'auth.sqlite3')}`,
      HOST: '127.0.0.1',
      PORT: port(env, 'DEMO_AUTH_PORT', 8000),
      ACCESS_TOKEN_LIFETIME,
      USER_PAYLOAD_CLAIM: 'user',
      ...(env.EASYJWT_OIDC_PROVIDERS ? { OIDC_PROVIDERS: env.EASYJWT_OIDC_PROVIDERS } : {}),
    },
    logger,
  });
  // Undone in reverse order if a later step fails (a port in use, say), so nothing is left open.
  const undo: (() => Promise<void>)[] = [() => auth.close()];
  const stop = async () => {
    for (const step of undo.splice(0).reverse()) await step();
  };
  try {
    await ensureUsers(auth);
    const authListening = await auth.listen();
    undo.push(() => authListening.close());
    const { service: client, app } = await createDemoClientService(
      {
        settings: {
          REMOTE_AUTH_SERVICE_URL: authListening.url,
          SIGNING_KEY: key,
          DATABASE_URL: `sqlite:${join(dir, 'client.sqlite3')}`,
          HOST: '127.0.0.1',
          PORT: port(env, 'DEMO_CLIENT_PORT', 8001),
          ACCESS_TOKEN_LIFETIME,
          DELIVERY_MODE: mode,
          // Plain http on 127.0.0.1: a browser drops Secure cookies sent over http. Demo only.
          COOKIE_SECURE: false,
          // The user in login answers, for the cookie modes' pages; json mode keeps easyjwt's exact answers.
          TOKEN_RESPONSE_USER: mode !== 'json',
        },
        logger,
      },
      // The page fetches the providers' discovery documents and token endpoints itself.
      { connectTo: auth.settings.OIDC_PROVIDERS.map((provider) => provider.issuer) },
    );
    undo.push(() => client.close());
    const clientListening = await client.listen();
    undo.push(() => clientListening.close());
    return { auth, client, authListening, clientListening, app, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function main(): Promise<void> {
  // Listen for the stop signals before anything else, so one that arrives during start-up still
  // stops the demo cleanly instead of killing it half-written.
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const demo = await startDemo(process.env, process.cwd());
  const auth = demo.authListening.url;
  const client = demo.clientListening.url;
  const out = (line = '') => process.stdout.write(line + '\n');
  // The same lines as `easyjwt serve auth` / `easyjwt serve client`, so scripts can read the URLs.
  out(`easyjwt auth-service listening on ${auth}/auth/`);
  out(`easyjwt client-service listening on ${client}/ (${demo.client.verification} verification against ${auth})`);
  const mode = demo.client.settings.DELIVERY_MODE;
  if (demo.app) out(`demo page: ${client}${demo.app} (${mode}${mode === 'two-cookies' ? ', Secure off: plain http' : ': the page needs two-cookies'})`);
  out();
  out('Users (email / password):');
  for (const user of DEMO_USERS) out(`  ${user.email.padEnd(16)} ${user.password.padEnd(12)} ${user.role}`);
  out();
  out(`Open ${client}${demo.app ?? '/app/'} in a browser, or try, in another terminal:`);
  if (mode === 'json') {
    out(`  curl -X POST ${client}/auth/token/ -H 'Content-Type: application/json' -d '{"email":"user@test.com","password":"user-pass"}'`);
    out(`  curl ${client}/api/test/ -H "Authorization: Bearer $ACCESS"`);
  } else {
    out(`  curl -c jar.txt -X POST ${client}/auth/token/ -H 'Content-Type: application/json' -d '{"email":"user@test.com","password":"user-pass"}'`);
    out(`  curl -b jar.txt ${client}/api/test/`);
  }
  out();
  out('Ctrl-C stops both services.');

  const signal = await stopped;
  await demo.stop();
  out(`stopped (${signal})`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
