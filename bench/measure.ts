// Driving one target with autocannon: a discarded warm-up, then a measured run summarised into
// the few numbers the report needs, with every kind of failure counted rather than averaged away.
import autocannon from 'autocannon';
import type { RequestSpec } from './targets';

/** How hard and how long to drive each target; BENCH_* environment variables override. */
export interface LoadOptions {
  readonly connections: number;
  readonly pipelining: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly rounds: number;
}

function envNumber(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min}, got ${JSON.stringify(raw)}`);
  return value;
}

/** Defaults from the brief: 32 connections, no pipelining, ~2 s warm-up, ~8 s measured, 2 rounds. */
export function loadOptionsFromEnv(): LoadOptions {
  return {
    connections: envNumber('BENCH_CONNECTIONS', 32, 1),
    pipelining: 1,
    warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', 2, 0),
    seconds: envNumber('BENCH_SECONDS', 8, 1),
    rounds: Math.round(envNumber('BENCH_ROUNDS', 2, 1)),
  };
}

/** One measured run of one target. */
export interface Measurement {
  readonly target: string;
  readonly round: number;
  /** Successful (2xx) answers per second: failed answers never count as throughput. */
  readonly rps: number;
  /** Every answer per second, whatever its status. */
  readonly allRps: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly mismatches: number;
  readonly statusCodes: Record<string, number>;
  readonly seconds: number;
  /** Problems found in the warm-up of this run, which is otherwise discarded. */
  readonly warmupProblems: number;
  /** Server CPU time (user + system) per answered request, in microseconds; null without a probe. */
  readonly serverCpuUsPerRequest: number | null;
  /** The kernel's part of it (socket writes on loopback also run the receiving side's TCP). */
  readonly serverSystemUsPerRequest: number | null;
  /** Share of one core the server used during the measured run (1 = a whole core). */
  readonly serverCoreShare: number | null;
  /** Share of one core autocannon (this process) used: near 1, the client was the limit. */
  readonly clientCoreShare: number;
}

/** Reads a server's CPU time so far; bench/child.ts provides one per child. */
export type CpuProbe = () => Promise<NodeJS.CpuUsage>;

const cpuMicros = (usage: NodeJS.CpuUsage): number => usage.user + usage.system;

/** Anything that makes a figure untrustworthy. */
export const problemsOf = (m: Measurement): number => m.non2xx + m.errors + m.timeouts + m.mismatches + m.warmupProblems;

function run(url: string, spec: RequestSpec, load: LoadOptions, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: url + spec.path,
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
    expectBody: spec.expectBody,
    connections: load.connections,
    pipelining: load.pipelining,
    duration: seconds,
  });
}

const resultProblems = (r: autocannon.Result): number => r.non2xx + r.errors + r.timeouts + r.mismatches;

/**
 * Warms the server up (JIT, caches, keep-alive sockets), then measures.
 *
 * @example
 *   const m = await measure('bare Koa', 1, child.url, { method: 'GET', path: '/' }, load, child.cpuUsage);
 */
export async function measure(target: string, round: number, url: string, spec: RequestSpec, load: LoadOptions, probe?: CpuProbe): Promise<Measurement> {
  let warmupProblems = 0;
  if (load.warmupSeconds > 0) warmupProblems = resultProblems(await run(url, spec, load, load.warmupSeconds));
  const serverBefore = probe ? await probe() : null;
  const clientBefore = process.cpuUsage();
  const r = await run(url, spec, load, load.seconds);
  const clientMicros = cpuMicros(process.cpuUsage(clientBefore));
  const serverAfter = probe ? await probe() : null;
  const serverMicros = serverBefore && serverAfter ? cpuMicros(serverAfter) - cpuMicros(serverBefore) : null;
  const serverSystem = serverBefore && serverAfter ? serverAfter.system - serverBefore.system : null;
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(r.statusCodeStats)) statusCodes[code] = stat.count;
  const answered = Object.values(statusCodes).reduce((sum, n) => sum + n, 0);
  const seconds = r.duration > 0 ? r.duration : load.seconds;
  return {
    target,
    round,
    rps: r['2xx'] / seconds,
    allRps: answered / seconds,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    requests: answered,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    mismatches: r.mismatches,
    statusCodes,
    seconds,
    warmupProblems,
    serverCpuUsPerRequest: serverMicros === null || answered === 0 ? null : serverMicros / answered,
    serverSystemUsPerRequest: serverSystem === null || answered === 0 ? null : serverSystem / answered,
    serverCoreShare: serverMicros === null ? null : serverMicros / 1e6 / seconds,
    clientCoreShare: clientMicros / 1e6 / seconds,
  };
}
