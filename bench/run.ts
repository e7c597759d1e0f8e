// `npm run bench`: starts each server in its own child process pinned to one core, drives every
// target with wrk pinned to the other core in alternating rounds, prints the table and writes the
// JSON.
//
// Environment: BENCH_SECONDS (measured seconds per target and round, default 6),
// BENCH_WARMUP_SECONDS (2), BENCH_ROUNDS (3), BENCH_CONNECTIONS (32), BENCH_ONLY (a substring:
// run only matching targets, plus the baseline), BENCH_SERVER_EXEC_ARGV (node flags for the
// server children, e.g. "--cpu-prof --cpu-prof-dir=.bench/prof" to profile them).
import { join } from 'node:path';
import type { ChildServer } from './child';
import { startChild, stopAll } from './child';
import type { Measurement } from './measure';
import { loadOptionsFromEnv, measure } from './measure';
import { formatReport, summarise, writeReport } from './report';
import type { Fixture, Target } from './targets';
import { checkRequest, SERVERS, TARGETS } from './targets';
import { ensureWrk, pinToCore } from './wrk';

const ROOT = join(__dirname, '..', '..'); // dist/bench -> the repository

function selectTargets(): Target[] {
  const only = process.env.BENCH_ONLY;
  if (!only) return [...TARGETS];
  // The baseline always runs: a ratio is only meaningful against bare Koa from the same run.
  return TARGETS.filter((t) => t.baseline || t.name.includes(only));
}

/**
 * Odd rounds run the targets in order, even rounds in reverse, so slow drift on the machine
 * (another job starting, thermal limits) does not always land on the same target.
 */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  return round % 2 === 1 ? [...items] : [...items].reverse();
}

async function main(): Promise<number> {
  ensureWrk();
  const load = loadOptionsFromEnv();
  const targets = selectTargets();
  const execArgv = (process.env.BENCH_SERVER_EXEC_ARGV ?? '').split(/\s+/).filter(Boolean);

  // One child per server, started before any load and kept across rounds; an idle child costs no
  // CPU while another target is measured. A server's upstream (a client-service's auth-service)
  // is started first, even when none of its own targets was selected.
  const children = new Map<string, ChildServer>();
  const fixtures = new Map<string, Fixture>();
  const start = async (serverName: string): Promise<ChildServer> => {
    const known = children.get(serverName);
    if (known) return known;
    const spec = SERVERS[serverName];
    if (!spec) throw new Error(`unknown server '${serverName}' (known: ${Object.keys(SERVERS).join(', ')})`);
    const upstream = spec.upstream ? await start(spec.upstream) : undefined;
    const child = await startChild(spec.kind, execArgv, spec.env ? spec.env(upstream) : {});
    pinToCore(child.pid, load.serverCore);
    children.set(serverName, child);
    fixtures.set(serverName, await spec.prepare(child, upstream));
    console.error(`started ${serverName} (pid ${child.pid}) at ${child.url}`);
    return child;
  };
  for (const serverName of new Set(targets.map((t) => t.server))) await start(serverName);
  for (const target of targets) await checkRequest(fixtures.get(target.server)!, target);

  const perTarget = load.warmupSeconds + load.seconds;
  const estimate = Math.ceil((targets.length * load.rounds * perTarget) / 60);
  console.error(`measuring ${targets.length} targets x ${load.rounds} rounds x ${perTarget} s (about ${estimate} min)...`);

  const runs: Measurement[] = [];
  for (let round = 1; round <= load.rounds; round++) {
    for (const target of roundOrder(targets, round)) {
      const fixture = fixtures.get(target.server)!;
      const probe = children.get(target.server)!.cpuUsage;
      const m = await measure(target.name, round, fixture.url, target.request(fixture), load, probe);
      runs.push(m);
      const flag = m.non2xx + m.errors + m.timeouts + m.mismatches + m.warmupProblems > 0 ? '  <-- FAILURES' : '';
      console.error(`  round ${round}  ${target.name.padEnd(28)} ${Math.round(m.rps).toString().padStart(7)} req/s${flag}`);
    }
  }

  for (const child of children.values()) await child.stop();

  const report = summarise(targets, runs, load);
  process.stdout.write(formatReport(report) + '\n');
  const file = writeReport(report, ROOT);
  console.log(`results written to ${file}`);
  // An invalid run must not look like a good one to a script or CI either.
  return report.valid ? 0 : 1;
}

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch(async (error: unknown) => {
    console.error('bench failed:', error);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
