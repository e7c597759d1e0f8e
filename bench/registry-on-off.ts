// The registry's price on the request path: obtain and refresh with the registry on against the
// same endpoints with it off, on one database, measured with wrk (the server pinned to one core,
// wrk to the other), alternating on and off over several rounds. Besides requests per second it
// reports what each request cost in CPU: the service's (this process, which only serves while wrk
// runs) and the database server's, read from /proc, since a registry moves work into the database.
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuthService } from '../src/services/auth-service';
import { benchCores, ensureWrk, pinToCore, runWrkScript } from './wrk';
import type { WrkResult } from './wrk';

/** One endpoint's bodies: wrk sends them round-robin, so requests spread over users and sessions. */
interface Load {
  readonly path: string;
  readonly bodies: readonly string[];
}

/** One wrk run against one service. */
export interface OnOffRun {
  readonly requestsPerSecond: number;
  /** CPU of the service process per request, microseconds (user + system). */
  readonly serviceCpuUs: number;
  /** CPU of the database server per request, microseconds (null when its process is not found). */
  readonly databaseCpuUs: number | null;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Registrations per registry transaction (group commit), null with the registry off. */
  readonly registrationsPerCommit: number | null;
}

/** The figures of one endpoint over every round. */
export interface OnOffSummary {
  readonly on: readonly OnOffRun[];
  readonly off: readonly OnOffRun[];
  /** on/off requests per second, per round (each round's pair ran back to back). */
  readonly ratios: readonly number[];
}

const round = (n: number, places = 2): number => Math.round(n * 10 ** places) / 10 ** places;

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** `median (min-max)` of a list. */
export const spread = (values: readonly number[], places = 0): string =>
  `${round(median(values), places)} (${round(Math.min(...values), places)}-${round(Math.max(...values), places)})`;

/** The pid of the database server on this machine, for its CPU time (null if there is none here). */
function databasePid(): number | null {
  for (const name of ['mariadbd', 'mysqld']) {
    try {
      const pid = Number(execFileSync('pidof', ['-s', name], { encoding: 'utf8' }).trim());
      if (pid > 0) return pid;
    } catch {
      // not running under this name
    }
  }
  return null;
}

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU microseconds a process has used (utime + stime from /proc/<pid>/stat). */
function processCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: state is field 3, utime 14 and stime 15 (1-based over the whole line).
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_SECOND;
}

/** A wrk script posting `bodies` round-robin as JSON. */
function scriptFor(load: Load, dir: string, name: string): string {
  const lua = (text: string) => JSON.stringify(text); // a JSON string literal is a valid Lua string here
  const file = join(dir, `${name}.lua`);
  writeFileSync(
    file,
    [
      'wrk.method = "POST"',
      'wrk.headers["Content-Type"] = "application/json"',
      `local bodies = { ${load.bodies.map(lua).join(', ')} }`,
      'local i = 0',
      'request = function()',
      '  i = i % #bodies + 1',
      '  return wrk.format(nil, nil, nil, bodies[i])',
      'end',
      '',
    ].join('\n'),
  );
  return file;
}

async function measure(
  service: AuthService,
  url: string,
  script: string,
  path: string,
  connections: number,
  seconds: number,
  core: number,
  dbPid: number | null,
): Promise<OnOffRun> {
  const groupBefore = service.pipeline.groupStats;
  const cpuBefore = process.cpuUsage();
  const dbBefore = dbPid === null ? 0 : processCpuUs(dbPid);
  const result: WrkResult = await runWrkScript(url + path, script, connections, seconds, core);
  const cpu = process.cpuUsage(cpuBefore);
  const dbUs = dbPid === null ? null : processCpuUs(dbPid) - dbBefore;
  const group = service.pipeline.groupStats;
  const commits = group.transactions - groupBefore.transactions;
  const problems = result.non2xx + result.errors + result.timeouts;
  if (problems > 0) throw new Error(`${path}: ${problems} failed requests of ${result.requests}`);
  return {
    requestsPerSecond: Math.round(result.requests / result.seconds),
    serviceCpuUs: Math.round((cpu.user + cpu.system) / result.requests),
    databaseCpuUs: dbUs === null ? null : Math.round(dbUs / result.requests),
    p50Ms: round(result.latencyP50Ms),
    p99Ms: round(result.latencyP99Ms),
    registrationsPerCommit: commits === 0 ? null : round((group.members - groupBefore.members) / commits, 1),
  };
}

/**
 * Logs `users` users in at both services (same database, so the same users) and returns the wrk
 * loads: the logins, and refresh tokens obtained from the service under test.
 */
async function loads(on: string, emails: readonly string[], password: string): Promise<{ obtain: Load; refresh: Load }> {
  const logins = emails.map((email) => JSON.stringify({ email, password }));
  const refreshes: string[] = [];
  for (const login of logins) {
    const answer = await fetch(`${on}/auth/token/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: login });
    if (answer.status !== 200) throw new Error(`bench login failed: ${answer.status} ${await answer.text()}`);
    refreshes.push(JSON.stringify({ refresh: ((await answer.json()) as { refresh: string }).refresh }));
  }
  return { obtain: { path: '/auth/token/', bodies: logins }, refresh: { path: '/auth/token/refresh/', bodies: refreshes } };
}

/**
 * Runs obtain and refresh at `on` (registry on) and `off` (registry off), `rounds` times each,
 * alternating which goes first, and answers every run's figures.
 *
 * @example
 *   const figures = await compareOnOff(on, off, { emails, password: 'bench-pass-1', rounds: 5, seconds: 5, connections: 16 });
 */
export async function compareOnOff(
  on: AuthService,
  off: AuthService,
  options: { emails: readonly string[]; password: string; rounds: number; seconds: number; connections: number },
): Promise<{ obtain: OnOffSummary; refresh: OnOffSummary }> {
  ensureWrk();
  const cores = benchCores(2);
  pinToCore(process.pid, cores.server);
  const dbPid = databasePid();
  const listeningOn = await on.listen(0, '127.0.0.1');
  const listeningOff = await off.listen(0, '127.0.0.1');
  const dir = mkdtempSync(join(tmpdir(), 'easyjwt-registry-bench-'));
  try {
    // Refresh tokens from the service with the registry on: registered, so both sides refresh
    // known tokens (the side with the registry off finds them and records nothing new).
    const { obtain, refresh } = await loads(listeningOn.url, options.emails, options.password);
    const results = {
      obtain: { on: [] as OnOffRun[], off: [] as OnOffRun[], ratios: [] as number[] },
      refresh: { on: [] as OnOffRun[], off: [] as OnOffRun[], ratios: [] as number[] },
    };
    const scripts = { obtain: scriptFor(obtain, dir, 'obtain'), refresh: scriptFor(refresh, dir, 'refresh') };
    const targets = { on: listeningOn.url, off: listeningOff.url };
    const services = { on, off };
    // Warm-up: JIT, pools, caches, both sides.
    for (const side of ['on', 'off'] as const)
      for (const name of ['obtain', 'refresh'] as const)
        await measure(services[side], targets[side], scripts[name], name === 'obtain' ? obtain.path : refresh.path, options.connections, 2, cores.load, dbPid);
    for (let r = 0; r < options.rounds; r++) {
      for (const name of ['obtain', 'refresh'] as const) {
        const path = name === 'obtain' ? obtain.path : refresh.path;
        const order = r % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
        const pair: Partial<Record<'on' | 'off', OnOffRun>> = {};
        for (const side of order)
          pair[side] = await measure(services[side], targets[side], scripts[name], path, options.connections, options.seconds, cores.load, dbPid);
        results[name].on.push(pair.on!);
        results[name].off.push(pair.off!);
        results[name].ratios.push(round(pair.on!.requestsPerSecond / pair.off!.requestsPerSecond));
        process.stderr.write(
          `round ${r + 1} ${name}: on ${pair.on!.requestsPerSecond} req/s, off ${pair.off!.requestsPerSecond} req/s, ratio ${results[name].ratios[r]}\n`,
        );
      }
    }
    return results;
  } finally {
    await listeningOn.close();
    await listeningOff.close();
  }
}

/** Lines for the console: medians and ranges of each figure, on and off, and the ratios. */
export function describeOnOff(name: string, summary: OnOffSummary): string[] {
  const figure = (runs: readonly OnOffRun[], pick: (run: OnOffRun) => number | null, places = 0) => {
    const values = runs.map(pick).filter((value): value is number => value !== null);
    return values.length === 0 ? 'n/a' : spread(values, places);
  };
  return [
    `${name} registry on/off, median (min-max) of ${summary.ratios.length} rounds:`,
    `  req/s              on ${figure(summary.on, (run) => run.requestsPerSecond)}   off ${figure(summary.off, (run) => run.requestsPerSecond)}   ratio ${spread(summary.ratios, 2)}`,
    `  service CPU us/req on ${figure(summary.on, (run) => run.serviceCpuUs)}   off ${figure(summary.off, (run) => run.serviceCpuUs)}`,
    `  MariaDB CPU us/req on ${figure(summary.on, (run) => run.databaseCpuUs)}   off ${figure(summary.off, (run) => run.databaseCpuUs)}`,
    `  registrations per commit (registry on) ${figure(summary.on, (run) => run.registrationsPerCommit, 1)}`,
    `  latency ms p50     on ${figure(summary.on, (run) => run.p50Ms, 1)}   off ${figure(summary.off, (run) => run.p50Ms, 1)}   p99 on ${figure(summary.on, (run) => run.p99Ms, 1)}   off ${figure(summary.off, (run) => run.p99Ms, 1)}`,
  ];
}
