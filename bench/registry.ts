// `npm run bench:registry`: the token registry at scale on MariaDB (BENCH_MYSQL_URL). Fills a
// scratch database with BENCH_REGISTRY_TOKENS generated tokens (a million by default), then
// reports collectTree, the sessions list, the per-request jti lookup, expiring a tree, obtain and
// refresh with the registry on against off (bench/registry-on-off.ts), and the archive rate.
//
// Environment: BENCH_MYSQL_URL (required: a server where the database easyjwt_bench_registry may
// be dropped and created), BENCH_REGISTRY_TOKENS (1000000), BENCH_REGISTRY_USERS (1000),
// BENCH_SECONDS (5 measured seconds per wrk run), BENCH_CONNECTIONS (16), BENCH_ROUNDS (5 rounds
// of on/off), BENCH_REGISTRY_PARTS (`scale,onoff`: `onoff` alone skips the reads, expiring and
// the archiver, for a quick comparison on a table of BENCH_REGISTRY_TOKENS rows),
// BENCH_REGISTRY_AFTER_RESPONSE (1: the registry-on side runs with REGISTRY_AFTER_RESPONSE).
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthService } from '../src/services/auth-service';
import { createAuthService } from '../src/services/auth-service';
import { archiveExpiredTokens } from '../src/registry/archiver';
import { sql, sqlId } from '../src/registry/sql';
import { inTransaction } from '../src/db/transactions';
import { adminQuery } from '../test/support/admin-query';
import { fillTokenTable } from '../test/support/token-table';
import { compareOnOff, describeOnOff } from './registry-on-off';

const KEY = 'bench-signing-key-that-is-at-least-32-bytes-long';
const DAY = 86_400_000;
const DATABASE = 'easyjwt_bench_registry';

const envNumber = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};

/** Median and 95th percentile in milliseconds of `runs` calls of `work`. */
async function timeIt(runs: number, work: (i: number) => Promise<unknown>): Promise<{ median: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await work(i);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { median: round(times[Math.floor(runs / 2)]), p95: round(times[Math.floor(runs * 0.95)]) };
}

const round = (n: number, places = 2): number => Math.round(n * 10 ** places) / 10 ** places;

interface Latency {
  readonly requests: number;
  readonly failed: number;
  readonly median: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * One client refreshing back to back for as long as `work` runs (at least 3 s, so an idle run has
 * a sample too): the latencies it saw, and how many answers were not 200.
 */
async function refreshLatency(url: string, body: string, work: () => Promise<void>): Promise<Latency> {
  const times: number[] = [];
  let failed = 0;
  let done = false;
  const client = (async () => {
    const until = Date.now() + 3000;
    while (!done || Date.now() < until) {
      const started = process.hrtime.bigint();
      const answer = await fetch(`${url}/auth/token/refresh/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await answer.arrayBuffer();
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (answer.status !== 200) failed++;
    }
  })();
  try {
    await work();
  } finally {
    done = true;
    await client;
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => round(times[Math.min(times.length - 1, Math.floor(times.length * q))]);
  return { requests: times.length, failed, median: at(0.5), p99: at(0.99), max: round(times[times.length - 1]) };
}

async function main(): Promise<number> {
  const base = process.env.BENCH_MYSQL_URL;
  if (!base) {
    console.error('bench:registry needs BENCH_MYSQL_URL, e.g. BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/test npm run bench:registry');
    return 2;
  }
  const total = envNumber('BENCH_REGISTRY_TOKENS', 1_000_000);
  const userCount = envNumber('BENCH_REGISTRY_USERS', 1000);
  const seconds = envNumber('BENCH_SECONDS', 5);
  const connections = envNumber('BENCH_CONNECTIONS', 16);
  const rounds = envNumber('BENCH_ROUNDS', 5);
  const parts = new Set((process.env.BENCH_REGISTRY_PARTS ?? 'scale,onoff').split(','));
  const perFamily = 8;
  const families = Math.ceil(total / perFamily);

  await adminQuery(base, `DROP DATABASE IF EXISTS ${DATABASE}`);
  await adminQuery(base, `CREATE DATABASE ${DATABASE}`);
  const url = new URL(base);
  url.pathname = `/${DATABASE}`;
  // Cheap scrypt: obtain would otherwise be 70 ms of hashing per request and hide the registry.
  // BENCH_REGISTRY_ROTATE=1: both sides rotate refresh tokens (simplejwt's plain rotation, no
  // blacklist, no reuse detection). wrk presents the same refresh tokens again and again, which
  // blacklisting or reuse detection would refuse, so those modes cannot be driven this way.
  const rotation = process.env.BENCH_REGISTRY_ROTATE === '1' ? { ROTATE_REFRESH_TOKENS: true, REFRESH_TOKEN_REUSE_DETECTION: false } : {};
  const common = { SIGNING_KEY: KEY, DATABASE_URL: url.toString(), PASSWORD_SCRYPT_N: 1024, PASSWORD_SCRYPT_P: 1, LOG_LEVEL: 'silent' as const, ...rotation };
  // BENCH_REGISTRY_AFTER_RESPONSE=1: the side with the registry registers after answering.
  const on: AuthService = await createAuthService({ settings: { ...common, REGISTRY_AFTER_RESPONSE: process.env.BENCH_REGISTRY_AFTER_RESPONSE === '1' } });
  const manager = on.dataSource.manager;

  // Users: one real password hash, copied.
  const hash = await on.hasher.hash('bench-pass-1');
  const now = new Date();
  for (let i = 0; i < userCount; i += 500) {
    const rows = Array.from({ length: Math.min(500, userCount - i) }, (_, j) => [`user${i + j}@bench.test`, hash, now]);
    await sql(manager, `INSERT INTO easyjwt_user (email, password, date_joined) VALUES ${rows.map(() => '(?, ?, ?)').join(', ')}`, rows.flat());
  }
  const userIds = (await sql<{ id: number }>(manager, 'SELECT id FROM easyjwt_user ORDER BY id')).map((row) => sqlId(row.id));

  // 60% of the families expired 20 days ago (what the archiver will take), 40% are live.
  const fillStarted = Date.now();
  let shown = 0;
  const roots = await fillTokenTable(on.dataSource, {
    userIds,
    families,
    perFamily,
    createdAt: (i) => new Date(i % 10 < 6 ? now.getTime() - 20 * DAY : now.getTime() - (i % 3600) * 1000),
    onProgress: (written) => {
      if (written - shown >= 100_000) {
        shown = written;
        process.stderr.write(`\rfilled ${written.toLocaleString('en')} tokens`);
      }
    },
  });
  const fillSeconds = (Date.now() - fillStarted) / 1000;
  const [{ n: rowCount }] = await sql<{ n: number | string }>(manager, 'SELECT COUNT(*) AS n FROM easyjwt_token');
  process.stderr.write(`\rfilled ${Number(rowCount).toLocaleString('en')} tokens in ${fillSeconds.toFixed(0)} s\n`);
  const live = roots.filter((_, i) => i % 10 >= 6);

  const lines: string[] = [`registry bench on MariaDB, ${Number(rowCount).toLocaleString('en')} tokens, ${userCount} users`];
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    tokens: Number(rowCount),
    users: userCount,
    fillSeconds: round(fillSeconds, 1),
  };

  // Obtain and refresh, registry on against off, on the same database, before the archiver
  // shrinks it. 64 users, so requests spread over users, sessions and devices as logins do.
  if (parts.has('onoff')) {
    const off: AuthService = await createAuthService({ settings: { ...common, REGISTRY_ENABLED: false } });
    const emails = userIds.slice(0, 64).map((_, i) => `user${i}@bench.test`);
    const onOff = await compareOnOff(on, off, { emails, password: 'bench-pass-1', rounds, seconds, connections });
    await off.close();
    report.onOff = { seconds, connections, rounds, ...onOff };
    lines.push(...describeOnOff('obtain ', onOff.obtain), ...describeOnOff('refresh', onOff.refresh));
  }
  if (parts.has('scale')) {
    const scale = await measureScale(on, { live, userIds, now });
    Object.assign(report, scale.report);
    lines.push(...scale.lines);
  }
  await on.close();
  for (const line of lines) console.log(line);
  writeFileSync(join(__dirname, '..', '..', 'bench', 'results', 'registry.json'), JSON.stringify(report, null, 2) + '\n');
  await adminQuery(base, `DROP DATABASE IF EXISTS ${DATABASE}`);
  return 0;
}

/** Reads, expiring a tree and the archiver on the filled table; answers figures for the report and the console. */
async function measureScale(
  on: AuthService,
  { live, userIds, now }: { live: readonly number[]; userIds: readonly number[]; now: Date },
): Promise<{ report: Record<string, unknown>; lines: string[] }> {
  const manager = on.dataSource.manager;
  const pick = (list: readonly number[], i: number) => list[(i * 7919) % list.length];
  const jtis = (await sql<{ jti: string }>(manager, `SELECT jti FROM easyjwt_token WHERE id IN (${live.slice(0, 200).join(', ')})`)).map((row) => row.jti);
  const measureReads = async () => ({
    collectTree: await timeIt(300, (i) => on.queries.collectTree([pick(live, i) + 5])),
    sessionsList: await timeIt(300, (i) =>
      on.registryActions.listSessions(
        { id: pick(userIds, i), isActive: true, isStaff: false, isSuperuser: false, permissions: new Set(), data: {} },
        pick(userIds, i),
        null,
      ),
    ),
    jtiLookup: await timeIt(300, (i) => on.registry.find(jtis[i % jtis.length])),
  });
  const reads = await measureReads();

  // Expiring a tree: what POST /token/expire/ with affect_tree does in the database.
  const registry = on.registry;
  const expireTree = await timeIt(200, (i) =>
    inTransaction(on.dataSource, async (tx) => {
      const family = await on.queries.collectTree([pick(live, i + 1000)], tx);
      const expired = await registry.expire(tx, family, new Date());
      const sessions = await sql<{ session_id: number }>(tx, `SELECT DISTINCT session_id FROM easyjwt_token WHERE id IN (${family.join(', ')})`);
      await registry.expireSessions(
        tx,
        sessions.map((row) => sqlId(row.session_id)),
        new Date(),
      );
      return expired;
    }),
  );

  // The archiver: everything that expired 20 days ago, while a client keeps refreshing. Its
  // latency shows whether the batches lock the service out of the token table.
  await on.users.create({ email: 'http@bench.test', password: 'bench-pass-1' });
  const listening = await on.listen(0, '127.0.0.1');
  const login = JSON.stringify({ email: 'http@bench.test', password: 'bench-pass-1' });
  const obtained = await fetch(`${listening.url}/auth/token/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: login });
  const pair = (await obtained.json()) as { refresh: string };
  const refreshBody = JSON.stringify({ refresh: pair.refresh });
  const baseline = await refreshLatency(listening.url, refreshBody, () => Promise.resolve());
  let archive!: Awaited<ReturnType<typeof archiveExpiredTokens>>;
  const duringArchive = await refreshLatency(listening.url, refreshBody, async () => {
    archive = await archiveExpiredTokens(on.dataSource, { before: new Date(now.getTime() - 10 * DAY), batchSize: 1000 });
  });
  await listening.close();
  const [{ n: leftCount }] = await sql<{ n: number | string }>(manager, 'SELECT COUNT(*) AS n FROM easyjwt_token');
  const readsAfter = await measureReads();

  const report = {
    ms: { ...reads, expireTree },
    msAfterArchive: { tokens: Number(leftCount), ...readsAfter },
    archive: {
      tokens: archive.tokens,
      sessions: archive.sessions,
      seconds: round(archive.seconds, 1),
      rowsPerSecond: Math.round(archive.tokens / archive.seconds),
    },
    refreshMs: { quiet: baseline, duringArchive },
  };
  const ms = (m: { median: number; p95: number }) => `${m.median} ms (p95 ${m.p95})`;
  const latency = (l: Latency) => `median ${l.median} ms, p99 ${l.p99} ms, max ${l.max} ms over ${l.requests} requests, ${l.failed} failed`;
  const lines = [
    `collectTree, one family of 8:   ${ms(reads.collectTree)}   after archive (${Number(leftCount).toLocaleString('en')} rows): ${ms(readsAfter.collectTree)}`,
    `sessions list, one user:         ${ms(reads.sessionsList)}   after archive: ${ms(readsAfter.sessionsList)}`,
    `jti lookup (refresh/verify):     ${ms(reads.jtiLookup)}   after archive: ${ms(readsAfter.jtiLookup)}`,
    `expire a tree (with sessions):   ${ms(expireTree)}`,
    `archive: ${archive.tokens.toLocaleString('en')} tokens, ${archive.sessions.toLocaleString('en')} sessions in ${report.archive.seconds} s = ${report.archive.rowsPerSecond} rows/s`,
    `refresh while idle:              ${latency(baseline)}`,
    `refresh while archiving:         ${latency(duringArchive)}`,
  ];
  return { report, lines };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
