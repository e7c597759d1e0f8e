// `npm run bench:workers`: requests per second of `easyjwt serve auth --workers N` (GET /auth/user/)
// and `easyjwt serve client --workers N` (GET /api/test/, local verification) for N = 1 and 2, on
// MariaDB. Two workers need both cores, so nothing is pinned: wrk shares the cores with the
// servers, and the figure that survives that best is the servers' CPU time per request, read from
// /proc for the primary and every worker.
//
// Environment: BENCH_MYSQL_URL (or EASYJWT_TEST_MYSQL_URL; a scratch database is made on it and
// dropped), BENCH_WORKERS (counts to compare, default "1,2"), BENCH_ROUNDS (2), BENCH_SECONDS (8),
// BENCH_CONNECTIONS (64).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminQuery } from '../test/support/admin-query';
import type { CliServer } from './cli-server';
import { CLI, startCliServer } from './cli-server';
import type { RequestSpec } from './targets';
import { ensureWrk, runWrk } from './wrk';

const USER = { email: 'bench@test.com', password: 'a-long-bench-password' };
const KEY = 'a-bench-signing-key-of-at-least-32-bytes';
const seconds = Number(process.env.BENCH_SECONDS || 8);
const connections = Number(process.env.BENCH_CONNECTIONS || 64);
const rounds = Number(process.env.BENCH_ROUNDS || 2);
const counts = (process.env.BENCH_WORKERS || '1,2').split(',').map(Number);

interface Sample {
  readonly rps: number;
  readonly p99: number;
  readonly cpuMsPer1000: number;
  readonly failed: number;
}

async function measure(server: CliServer, spec: RequestSpec, cores: string): Promise<Sample> {
  await runWrk(server.url, spec, connections, 2, cores); // warm-up
  const cpu = server.cpuSeconds();
  const result = await runWrk(server.url, spec, connections, seconds, cores);
  const used = server.cpuSeconds() - cpu;
  return {
    rps: result.requests / result.seconds,
    p99: result.latencyP99Ms,
    cpuMsPer1000: (used / result.requests) * 1e6,
    failed: result.non2xx + result.errors,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const base = process.env.BENCH_MYSQL_URL || process.env.EASYJWT_TEST_MYSQL_URL;
  if (!base) throw new Error('set BENCH_MYSQL_URL (e.g. mysql://root@127.0.0.1:3306/test): several workers need MariaDB');
  ensureWrk();
  const cores = availableParallelism() >= 2 ? `0-${availableParallelism() - 1}` : '0';
  const name = `easyjwt_bench_workers_${process.pid}`;
  await adminQuery(base, `CREATE DATABASE \`${name}\``);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const dir = mkdtempSync(join(tmpdir(), 'easyjwt-bench-workers-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ LOGIN_THROTTLE_PER_ACCOUNT: 'off', LOGIN_THROTTLE_PER_IP: 'off' }));
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    EASYJWT_CONFIG: join(dir, 'config.json'),
    EASYJWT_DATABASE_URL: url.toString(),
    EASYJWT_CLIENT_DATABASE_URL: url.toString(),
    EASYJWT_SIGNING_KEY: KEY,
    EASYJWT_LOG_LEVEL: 'warn',
  };
  const results = new Map<string, Sample[]>();
  try {
    execFileSync(process.execPath, [CLI, 'createuser', '--email', USER.email, '--password', USER.password], { cwd: dir, env, stdio: 'ignore' });
    console.log(`workers: wrk -t1 -c${connections} -d${seconds}s on cores ${cores}, unpinned like the servers; MariaDB; ${rounds} rounds, medians`);
    console.log('the machine is shared: treat the figures as noisy, compare within one run\n');
    for (let round = 1; round <= rounds; round++) {
      // Alternate the order so drift on the machine does not always favour one count.
      for (const workers of round % 2 === 1 ? counts : [...counts].reverse()) {
        const auth = await startCliServer('auth', env, dir, ['--workers', String(workers)]);
        const client = await startCliServer('client', { ...env, EASYJWT_AUTH_URL: auth.url }, dir, ['--workers', String(workers)]);
        try {
          const login = await fetch(`${auth.url}/auth/token/`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(USER) });
          const { access } = (await login.json()) as { access: string };
          const headers = { Authorization: `Bearer ${access}` };
          const record = (key: string, sample: Sample) => results.set(key, [...(results.get(key) ?? []), sample]);
          record(`auth GET /auth/user/|${workers}`, await measure(auth, { method: 'GET', path: '/auth/user/', headers }, cores));
          record(`client GET /api/test/|${workers}`, await measure(client, { method: 'GET', path: '/api/test/', headers }, cores));
        } finally {
          await client.stop();
          await auth.stop();
        }
      }
    }
  } finally {
    await adminQuery(base, `DROP DATABASE IF EXISTS \`${name}\``);
    rmSync(dir, { recursive: true, force: true });
  }
  for (const [key, samples] of results) {
    const [target, workers] = key.split('|');
    const rps = median(samples.map((s) => s.rps));
    const cpu = median(samples.map((s) => s.cpuMsPer1000));
    const p99 = median(samples.map((s) => s.p99));
    const failed = samples.reduce((sum, s) => sum + s.failed, 0);
    console.log(
      `${target.padEnd(22)} ${workers} worker(s): ${rps.toFixed(0).padStart(6)} req/s (rounds: ${samples.map((s) => s.rps.toFixed(0)).join(', ')}), p99 ${p99.toFixed(1)} ms, ` +
        `${cpu.toFixed(1)} ms server CPU per 1000${failed ? `, ${failed} failed` : ''}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
