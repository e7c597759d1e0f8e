// Driving one target with wrk: a discarded warm-up, then a measured run summarised into the few
// numbers the report needs, with every kind of failure counted rather than averaged away.
import { cpus } from 'node:os';
import type { RequestSpec } from './targets';
import type { WrkResult } from './wrk';
import { benchCores, runWrk } from './wrk';

/** How hard and how long to drive each target; BENCH_* environment variables override. */
export interface LoadOptions {
  readonly connections: number;
  readonly pipelining: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly rounds: number;
  /** The core wrk runs on; the servers run on `serverCore`. */
  readonly loadCore: number;
  readonly serverCore: number;
}

function envNumber(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min}, got ${JSON.stringify(raw)}`);
  return value;
}

/** Defaults: 32 connections, no pipelining, 2 s warm-up, 6 s measured, 3 rounds. */
export function loadOptionsFromEnv(): LoadOptions {
  const cores = benchCores(cpus().length);
  return {
    connections: envNumber('BENCH_CONNECTIONS', 32, 1),
    pipelining: 1,
    warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', 2, 0),
    seconds: envNumber('BENCH_SECONDS', 6, 1),
    rounds: Math.round(envNumber('BENCH_ROUNDS', 3, 1)),
    loadCore: cores.load,
    serverCore: cores.server,
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
  readonly seconds: number;
  /** Problems found in the warm-up of this run, which is otherwise discarded. */
  readonly warmupProblems: number;
  /** Server CPU time (user + system) per answered request, in microseconds; null without a probe. */
  readonly serverCpuUsPerRequest: number | null;
  /** The kernel's part of it (socket writes on loopback also run the receiving side's TCP). */
  readonly serverSystemUsPerRequest: number | null;
  /** Share of one core the server used during the measured run (1 = a whole core). */
  readonly serverCoreShare: number | null;
}

/** Reads a server's CPU time so far; bench/child.ts provides one per child. */
export type CpuProbe = () => Promise<NodeJS.CpuUsage>;

const cpuMicros = (usage: NodeJS.CpuUsage): number => usage.user + usage.system;

/** Anything that makes a figure untrustworthy. */
export const problemsOf = (m: Measurement): number => m.non2xx + m.errors + m.timeouts + m.mismatches + m.warmupProblems;

const resultProblems = (r: WrkResult): number => r.non2xx + r.errors + r.timeouts;

/**
 * Warms the server up (JIT, caches, keep-alive sockets), then measures with wrk on the load core.
 *
 * @example
 *   const m = await measure('bare Koa', 1, child.url, { method: 'GET', path: '/' }, load, child.cpuUsage);
 */
export async function measure(target: string, round: number, url: string, spec: RequestSpec, load: LoadOptions, probe?: CpuProbe): Promise<Measurement> {
  let warmupProblems = 0;
  if (load.warmupSeconds > 0) warmupProblems = resultProblems(await runWrk(url, spec, load.connections, load.warmupSeconds, load.loadCore));
  const serverBefore = probe ? await probe() : null;
  const r = await runWrk(url, spec, load.connections, load.seconds, load.loadCore);
  const serverAfter = probe ? await probe() : null;
  const serverMicros = serverBefore && serverAfter ? cpuMicros(serverAfter) - cpuMicros(serverBefore) : null;
  const serverSystem = serverBefore && serverAfter ? serverAfter.system - serverBefore.system : null;
  const seconds = r.seconds > 0 ? r.seconds : load.seconds;
  const ok = r.requests - r.non2xx;
  return {
    target,
    round,
    rps: ok / seconds,
    allRps: r.requests / seconds,
    latencyP50Ms: r.latencyP50Ms,
    latencyP99Ms: r.latencyP99Ms,
    requests: r.requests,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    // wrk does not read bodies; each target's answer is checked once before any load (checkRequest).
    mismatches: 0,
    seconds,
    warmupProblems,
    serverCpuUsPerRequest: serverMicros === null || r.requests === 0 ? null : serverMicros / r.requests,
    serverSystemUsPerRequest: serverSystem === null || r.requests === 0 ? null : serverSystem / r.requests,
    serverCoreShare: serverMicros === null ? null : serverMicros / 1e6 / seconds,
  };
}
