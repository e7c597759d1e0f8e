// `npm run bench:logins`: does a burst of logins stall the rest of the auth-service? Starts
// `easyjwt serve auth` (SQLite, the default scrypt cost) pinned to one core, measures
// `GET /auth/user/` with wrk on the other core, first alone, then while 50 clients log in in a loop,
// and prints both p99 latencies, their ratio and the logins per second, for each pool size.
// The CPU figures come from /proc: the event loop's (main thread's) CPU per thousand GETs, and the
// CPU the other threads (the hashing pool) spent per login.
//
// Environment: LOGIN_BENCH_POOLS (THREAD_POOL_SIZE values, default "4,2,4n"; an `n` runs the pool's
// threads at nice 19, an experiment: libuv names no thread, so they are taken to be the newest
// ones, those the pool started once the service was built), LOGIN_BENCH_CLIENTS
// (concurrent login loops, 50), BENCH_SECONDS (per measurement, 8), BENCH_CONNECTIONS (wrk's, 16).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliServer } from './cli-server';
import { CLI, startCliServer } from './cli-server';
import type { WrkResult } from './wrk';
import { benchCores, ensureWrk, pinToCore, runWrk } from './wrk';

const USER = { email: 'bench@test.com', password: 'a-long-bench-password' };
const KEY = 'a-bench-signing-key-of-at-least-32-bytes';
const seconds = Number(process.env.BENCH_SECONDS || 8);
const connections = Number(process.env.BENCH_CONNECTIONS || 16);
const clients = Number(process.env.LOGIN_BENCH_CLIENTS || 50);
const variants = (process.env.LOGIN_BENCH_POOLS || '4,2,4n').split(',').map((text) => ({ pool: parseInt(text, 10), nice: text.endsWith('n') }));

/** Logs in from `count` loops until stopped; counts the logins answered 200 and the others. */
function loginLoops(url: string, count: number) {
  let ok = 0;
  let failed = 0;
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      const answer = await fetch(`${url}/auth/token/`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(USER) }).catch(
        () => null,
      );
      if (answer?.status === 200) ok++;
      else failed++;
      await answer?.arrayBuffer();
    }
  };
  const running = Array.from({ length: count }, loop);
  return {
    counts: () => ({ ok, failed }),
    stop: async () => {
      stopped = true;
      await Promise.all(running);
    },
  };
}

interface Phase {
  readonly wrk: WrkResult;
  readonly cpu: number;
  readonly mainCpu: number;
  readonly logins: number;
  readonly failedLogins: number;
}

async function phase(server: CliServer, access: string, load: number, during: (() => { ok: number; failed: number }) | null): Promise<Phase> {
  const before = { cpu: server.cpuSeconds(), main: server.mainThreadCpuSeconds(), logins: during?.() ?? { ok: 0, failed: 0 } };
  const wrk = await runWrk(server.url, { method: 'GET', path: '/auth/user/', headers: { Authorization: `Bearer ${access}` } }, connections, seconds, load);
  const after = during?.() ?? { ok: 0, failed: 0 };
  return {
    wrk,
    cpu: server.cpuSeconds() - before.cpu,
    mainCpu: server.mainThreadCpuSeconds() - before.main,
    logins: after.ok - before.logins.ok,
    failedLogins: after.failed - before.logins.failed,
  };
}

const fixed = (value: number, digits = 2) => value.toFixed(digits);

async function main(): Promise<void> {
  ensureWrk();
  const cores = benchCores(availableParallelism());
  // The login loops run here, on wrk's core, so the server's core does only the server's work.
  pinToCore(process.pid, cores.load);
  console.log(
    `login stall: serve auth pinned to core ${cores.server}; wrk -t1 -c${connections} -d${seconds}s and ${clients} login loops on core ${cores.load}; SQLite, default scrypt (N=16384, r=8, p=3)`,
  );
  console.log('the machine is shared: treat the figures as noisy, compare within one run\n');
  for (const { pool, nice } of variants) {
    const dir = mkdtempSync(join(tmpdir(), 'easyjwt-bench-logins-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ LOGIN_THROTTLE_PER_ACCOUNT: 'off', LOGIN_THROTTLE_PER_IP: 'off', THREAD_POOL_SIZE: pool }));
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      EASYJWT_CONFIG: join(dir, 'config.json'),
      EASYJWT_DATABASE_URL: `sqlite:${join(dir, 'auth.sqlite3')}`,
      EASYJWT_SIGNING_KEY: KEY,
      EASYJWT_LOG_LEVEL: 'warn',
    };
    execFileSync(process.execPath, [CLI, 'createuser', '--email', USER.email, '--password', USER.password], { cwd: dir, env, stdio: 'ignore' });
    const server = await startCliServer('auth', env, dir);
    try {
      for (const pid of server.pids()) pinToCore(pid, cores.server);
      if (nice) {
        const tids = readdirSync(`/proc/${server.pid}/task`)
          .map(Number)
          .sort((a, b) => a - b);
        for (const tid of tids.slice(-pool)) setPriority(tid, 19);
      }
      const login = await fetch(`${server.url}/auth/token/`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(USER) });
      const { access } = (await login.json()) as { access: string };
      await runWrk(server.url, { method: 'GET', path: '/auth/user/', headers: { Authorization: `Bearer ${access}` } }, connections, 2, cores.load); // warm-up
      const idle = await phase(server, access, cores.load, null);
      const loops = loginLoops(server.url, clients);
      await new Promise((done) => setTimeout(done, 2000)); // the queue of hashes fills
      const busy = await phase(server, access, cores.load, loops.counts);
      await loops.stop();
      const perThousand = (p: Phase) => (p.mainCpu / p.wrk.requests) * 1000 * 1000;
      console.log(`THREAD_POOL_SIZE=${pool} (hashes at once: ${Math.max(1, pool - 1)})${nice ? ', pool threads at nice 19' : ''}`);
      console.log(
        `  GET /auth/user/ alone:        ${fixed(idle.wrk.requests / idle.wrk.seconds, 0)} req/s, p50 ${fixed(idle.wrk.latencyP50Ms)} ms, p99 ${fixed(idle.wrk.latencyP99Ms)} ms; event loop ${fixed(perThousand(idle))} ms CPU per 1000`,
      );
      console.log(
        `  GET /auth/user/ during logins: ${fixed(busy.wrk.requests / busy.wrk.seconds, 0)} req/s, p50 ${fixed(busy.wrk.latencyP50Ms)} ms, p99 ${fixed(busy.wrk.latencyP99Ms)} ms; event loop ${fixed(perThousand(busy))} ms CPU per 1000`,
      );
      console.log(
        `  p99 during logins / alone: ${fixed(busy.wrk.latencyP99Ms / idle.wrk.latencyP99Ms)}x; logins: ${fixed(busy.logins / busy.wrk.seconds, 1)}/s (${busy.failedLogins} failed), ` +
          `${fixed(((busy.cpu - busy.mainCpu) / Math.max(1, busy.logins)) * 1000, 1)} ms CPU off the event loop per login; server CPU ${fixed(busy.cpu / busy.wrk.seconds)} cores busy`,
      );
      if (idle.wrk.non2xx + busy.wrk.non2xx + idle.wrk.errors + busy.wrk.errors > 0) console.log('  (some GETs failed: see wrk)');
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
