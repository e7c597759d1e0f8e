// The soak: minutes of mixed traffic against an auth-service and a client-service (forked into one
// child, bench/soak-server.ts), to show that nothing crashes and memory levels off. Logins,
// refreshes (with rotation), verifies, protected calls on both services, logouts, and bad input
// of every kind: wrong passwords, unknown (ever new) emails, garbage and deeply nested bodies,
// forged tokens and tokens signed with the real key whose claims are absurd. Every answer must be
// below 500. Memory (RSS and heap after a full GC) is sampled at start, at intervals and at the end.
//
//   npm run soak                                 (3 minutes)
//   SOAK_SECONDS=600 SOAK_CONCURRENCY=32 npm run soak
//
// Settings (environment): SOAK_SECONDS (default 180), SOAK_INTERVAL_SECONDS (15), SOAK_CONCURRENCY
// (16), SOAK_USERS (50), SOAK_CACHE_SIZE (1000: USER_CACHE_SIZE of both services, which bounds
// the token memo and the user caches; small, so they fill during the warm-up), SOAK_DATABASE_URL (a MariaDB URL; default a temporary SQLite file),
// SOAK_MAX_HEAP_GROWTH (0.25: the end heap may exceed the heap after warm-up by this fraction).
// Exits 1 on any 5xx, on a failed request, or when the heap keeps growing.
import { fork } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { SoakMemory, SoakReady } from './soak-server';
import { SOAK_KEY, SOAK_PASSWORD, soakEmail } from './soak-server';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 180);
const INTERVAL = Number(process.env.SOAK_INTERVAL_SECONDS ?? 15);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 16);
const MAX_HEAP_GROWTH = Number(process.env.SOAK_MAX_HEAP_GROWTH ?? 0.25);

interface Counters {
  requests: number;
  byClass: Record<string, number>;
  serverErrors: { action: string; status: number; body: string }[];
  failures: number;
  byAction: Record<string, number>;
}

const counters: Counters = { requests: 0, byClass: {}, serverErrors: [], failures: 0, byAction: {} };

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown> | null;
}

async function call(action: string, url: string, init: RequestInit): Promise<Answer> {
  counters.requests++;
  counters.byAction[action] = (counters.byAction[action] ?? 0) + 1;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, init);
    text = await response.text();
  } catch (error) {
    counters.failures++;
    if (counters.failures <= 5) console.error(`${action}: request failed: ${String(error)}`);
    return { status: 0, body: null };
  }
  const klass = `${Math.floor(response.status / 100)}xx`;
  counters.byClass[klass] = (counters.byClass[klass] ?? 0) + 1;
  if (response.status >= 500 && counters.serverErrors.length < 20) counters.serverErrors.push({ action, status: response.status, body: text.slice(0, 300) });
  let body: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    body = null;
  }
  return { status: response.status, body };
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const bearer = (token: string): RequestInit => ({ headers: { Authorization: `Bearer ${token}` } });
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const signed = (payload: unknown): string => {
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', SOAK_KEY).update(input).digest('base64url')}`;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];
const now = () => Math.floor(Date.now() / 1000);

/** One user's latest pair, per worker: refreshed, used and logged out as a client would. */
interface Pair {
  refresh: string;
  access: string;
}

const ABSURD_CLAIMS = [
  { exp: 253402300799 },
  { exp: 1e20 },
  { iat: 'x' },
  { iat: -1 },
  { nbf: 'soon' },
  { jti: 'j'.repeat(300) },
  { jti: 42 },
  { user_id: 1e300 },
  { user_id: { id: 1 } },
  { token_type: ['refresh'] },
];

async function worker(ready: SoakReady, deadline: number): Promise<void> {
  const pairs = new Map<number, Pair>();
  let unknown = 0;
  while (Date.now() < deadline) {
    const user = Math.floor(Math.random() * ready.users);
    const pair = pairs.get(user);
    const roll = Math.random();
    if (pair === undefined || roll < 0.08) {
      const base = Math.random() < 0.7 ? ready.auth : ready.client;
      const login = await call('login', `${base}/auth/token/`, json({ email: soakEmail(user), password: SOAK_PASSWORD }));
      if (login.status === 200 && typeof login.body?.refresh === 'string' && typeof login.body.access === 'string') {
        pairs.set(user, { refresh: login.body.refresh, access: login.body.access });
      }
    } else if (roll < 0.45) {
      const base = pick([ready.auth, ready.client]);
      await call('protected', base === ready.auth ? `${base}/auth/user/` : `${base}/api/test/`, bearer(pair.access));
    } else if (roll < 0.6) {
      const refreshed = await call('refresh', `${pick([ready.auth, ready.client])}/auth/token/refresh/`, json({ refresh: pair.refresh }));
      if (refreshed.status === 200 && typeof refreshed.body?.access === 'string') {
        pairs.set(user, { refresh: typeof refreshed.body.refresh === 'string' ? refreshed.body.refresh : pair.refresh, access: refreshed.body.access });
      } else {
        pairs.delete(user);
      }
    } else if (roll < 0.65) {
      await call('verify', `${ready.auth}/auth/token/verify/`, json({ token: pair.access }));
    } else if (roll < 0.68) {
      await call('logout', `${pick([ready.auth, ready.client])}/auth/logout/`, json({ refresh: pair.refresh }));
      pairs.delete(user);
    } else {
      await badInput(ready, user, ++unknown);
    }
  }
}

/** One request of bad input, chosen at random. */
async function badInput(ready: SoakReady, user: number, serial: number): Promise<void> {
  const base = pick([ready.auth, ready.client]);
  const kind = Math.floor(Math.random() * 8);
  switch (kind) {
    case 0:
      await call('bad:wrong-password', `${base}/auth/token/`, json({ email: soakEmail(user), password: 'wrong-pass' }));
      break;
    case 1:
      // A new address every time: a cache keyed by login would grow without bound.
      await call(
        'bad:unknown-email',
        `${base}/auth/token/`,
        json({ email: `nobody-${process.pid}-${serial}-${randomBytes(4).toString('hex')}@example.com`, password: 'x' }),
      );
      break;
    case 2:
      await call('bad:garbage', `${base}/auth/token/refresh/`, json(randomBytes(200).toString('latin1')));
      break;
    case 3: {
      const depth = 500 + Math.floor(Math.random() * 2500);
      await call('bad:deep', `${base}/auth/token/`, json('{"email":'.repeat(depth) + '1' + '}'.repeat(depth)));
      break;
    }
    case 4:
      await call('bad:forged', `${base}${base === ready.auth ? '/auth/user/' : '/api/test/'}`, bearer(`${b64({ alg: 'none' })}.${b64({ user_id: user })}.`));
      break;
    case 5: {
      // A fresh signature each time: the verified-token memo must stay bounded.
      const claims = { token_type: 'access', exp: now() + 300, iat: now(), jti: randomBytes(16).toString('hex'), user_id: 100000 + serial };
      await call('bad:signed-unknown-user', `${base}${base === ready.auth ? '/auth/user/' : '/api/test/'}`, bearer(signed(claims)));
      break;
    }
    case 6: {
      const claims = { token_type: 'refresh', exp: now() + 300, iat: now(), jti: randomBytes(16).toString('hex'), user_id: 1, ...pick(ABSURD_CLAIMS) };
      await call(
        'bad:signed-absurd',
        `${base}/auth/token/${pick(['refresh', 'blacklist', 'verify'])}/`,
        json({ refresh: signed(claims), token: signed(claims) }),
      );
      break;
    }
    default:
      await call('bad:wrong-type', `${base}/auth/token/refresh/`, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: '<refresh/>' });
  }
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const child = fork(join(__dirname, 'soak-server.js'), [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const stopChild = () => {
    if (child.connected) child.send({ type: 'stop' });
  };
  process.once('exit', () => child.kill('SIGKILL'));
  const ready = await new Promise<SoakReady>((resolve, reject) => {
    child.once('message', (message: SoakReady) => resolve(message));
    child.once('exit', (code) => reject(new Error(`soak server exited with ${String(code)} before listening`)));
  });
  const memory = () =>
    new Promise<SoakMemory>((resolve) => {
      child.once('message', (message: SoakMemory) => resolve(message));
      child.send({ type: 'memory' });
    });

  const started = Date.now();
  const samples: { at: number; requests: number; memory: SoakMemory }[] = [];
  const sample = async () => {
    const at = (Date.now() - started) / 1000;
    const reading = await memory();
    const previous = samples.at(-1);
    samples.push({ at, requests: counters.requests, memory: reading });
    const rate = previous ? (counters.requests - previous.requests) / (at - previous.at) : 0;
    console.log(
      `${at.toFixed(0).padStart(5)} s  ${String(counters.requests).padStart(8)} requests  ${rate.toFixed(0).padStart(5)}/s  5xx ${counters.serverErrors.length}  ` +
        `failed ${counters.failures}  rss ${mb(reading.rss)}  heap ${mb(reading.heapUsed)} / ${mb(reading.heapTotal)}`,
    );
  };

  console.log(`soak: ${SECONDS} s, ${CONCURRENCY} concurrent clients, ${ready.users} users; auth ${ready.auth}, client ${ready.client}`);
  await sample();
  const deadline = started + SECONDS * 1000;
  const timer = setInterval(() => void sample(), INTERVAL * 1000);
  await Promise.all(Array.from({ length: CONCURRENCY }, () => worker(ready, deadline)));
  clearInterval(timer);
  await sample();
  stopChild();

  // Warm-up: caches fill and the JIT settles in the first third; after it the heap must stay flat.
  const warm = samples.find((entry) => entry.at >= SECONDS / 3) ?? samples[1] ?? samples[0];
  const end = samples[samples.length - 1];
  const growth = (end.memory.heapUsed - warm.memory.heapUsed) / warm.memory.heapUsed;
  console.log('');
  console.log(`requests: ${counters.requests} in ${((Date.now() - started) / 1000).toFixed(0)} s, by status ${JSON.stringify(counters.byClass)}`);
  console.log(`by action: ${JSON.stringify(counters.byAction)}`);
  console.log(`5xx: ${counters.serverErrors.length}, failed requests: ${counters.failures}`);
  for (const error of counters.serverErrors) console.log(`  ${error.action} -> ${error.status} ${error.body}`);
  console.log(
    `memory: start rss ${mb(samples[0].memory.rss)} heap ${mb(samples[0].memory.heapUsed)}; after warm-up (${warm.at.toFixed(0)} s) rss ${mb(warm.memory.rss)} ` +
      `heap ${mb(warm.memory.heapUsed)}; end rss ${mb(end.memory.rss)} heap ${mb(end.memory.heapUsed)} (${(growth * 100).toFixed(1)}% since warm-up, limit ${(MAX_HEAP_GROWTH * 100).toFixed(0)}%)`,
  );
  const ok = counters.serverErrors.length === 0 && counters.failures === 0 && growth <= MAX_HEAP_GROWTH;
  console.log(ok ? 'soak: OK' : 'soak: FAILED');
  // Exit explicitly once the child is gone: fetch's pooled sockets would keep this process alive.
  if (child.exitCode === null)
    await Promise.race([new Promise((resolve) => child.once('exit', resolve)), new Promise((resolve) => setTimeout(resolve, 10000))]);
  process.exit(ok ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
