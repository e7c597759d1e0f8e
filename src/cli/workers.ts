// `easyjwt serve --workers N`: a node:cluster primary that forks N workers sharing one listening
// port, restarts a worker that dies (with backoff, giving up on a crash loop), and hands SIGTERM and
// SIGINT on so every worker drains before the primary exits. The primary serves no requests; it
// also keeps the login throttle's counts for the workers when there is no Redis
// (rate-limiter-flexible's RateLimiterClusterMaster, asked over IPC), so N workers allow what one
// process allows, not N times as much.
import type { Worker } from 'node:cluster';
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { RateLimiterClusterMaster } from 'rate-limiter-flexible';
import { UsageError } from '../errors';
import type { Logger } from '../logger';

/** Most workers `--workers` accepts. */
export const MAX_WORKERS = 256;

/** A worker that crashes sooner than this after it started listening counts towards a crash loop. */
export const STABLE_AFTER_MS = 10_000;
/** Crashes in a row, each sooner than STABLE_AFTER_MS, after which the primary gives up. */
export const CRASH_LOOP_LIMIT = 5;
/** First restart delay after an early crash; doubled for each one in a row, up to MAX_RESTART_DELAY_MS. */
const FIRST_RESTART_DELAY_MS = 250;
const MAX_RESTART_DELAY_MS = 8_000;
/** How long workers may take to drain after SIGTERM before the primary kills them. */
const DRAIN_DEADLINE_MS = 30_000;

/** What a worker tells the primary once it listens. */
export interface WorkerListening {
  readonly easyjwt: 'listening';
  readonly url: string;
}

const isListening = (message: unknown): message is WorkerListening =>
  typeof message === 'object' && message !== null && (message as WorkerListening).easyjwt === 'listening';

/**
 * The number of workers `--workers` asks for: a whole number from 1 to 256, or `auto` (one per
 * core). Without the flag: one per core in production (NODE_ENV=production), else 1.
 *
 * @example
 *   workerCount('2', false); // 2
 *   workerCount(undefined, true, 8); // 8
 */
export function workerCount(value: string | undefined, production: boolean, cores: number = availableParallelism()): number {
  if (value === undefined) return production ? cores : 1;
  if (value === 'auto') return cores;
  const count = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(count) || count < 1 || count > MAX_WORKERS) {
    throw new UsageError(`--workers must be a whole number from 1 to ${MAX_WORKERS}, or auto (one per core: ${cores}), got ${JSON.stringify(value)}`);
  }
  return count;
}

/**
 * Refuses several workers on SQLite: an in-memory database would be one per worker (users created
 * at one unknown to the others), and several processes on one SQLite file do not lock a refresh
 * token's row against each other, so two concurrent refreshes could both succeed.
 */
export function refuseSqliteWorkers(databaseUrl: string, workers: number, variable: string): void {
  if (workers <= 1 || !databaseUrl.startsWith('sqlite:')) return;
  throw new UsageError(
    `--workers ${workers} needs a MySQL/MariaDB database: ${variable} is ${databaseUrl}, and ` +
      (databaseUrl === 'sqlite::memory:'
        ? 'an in-memory SQLite database would be a separate database in each worker'
        : 'several processes on one SQLite file do not serialise concurrent refreshes of one token') +
      ' (use --workers 1, or set it to mysql://user:pass@host:3306/db)',
  );
}

/**
 * The size of libuv's pool `serve auth` gives each process when THREAD_POOL_SIZE is not set: enough
 * threads to hash on every core but one per process (at most 3, libuv's default pool of 4), plus the
 * one the hasher leaves free for file system calls and dns lookups. Measured on one core shared by
 * the event loop and the pool (npm run bench:logins), each hash running beside the event loop took
 * its share of that core: with 3 at once the p99 of other requests grew about tenfold during a login
 * burst, with 1 about 2.5 times, for the same logins per second.
 *
 * @example
 *   defaultThreadPoolSize(2, 1); // 2: one hash at a time, one core left to the event loop
 *   defaultThreadPoolSize(8, 1); // 4
 *   defaultThreadPoolSize(8, 8); // 2
 */
export function defaultThreadPoolSize(cores: number, workers: number): number {
  return 1 + Math.min(3, Math.max(1, Math.floor(cores / workers) - 1));
}

/** The restart delay after `early` early crashes in a row (0 after a worker that had run a while). */
export function restartDelay(early: number): number {
  return early === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** (early - 1));
}

/** What the primary needs to run its workers. */
export interface SuperviseOptions {
  readonly count: number;
  readonly logger: Logger;
  /** Called once every worker listens, with the URL they share. */
  readonly onListening: (url: string) => void;
}

/**
 * Forks `count` workers (this same command line, run again with node:cluster's worker id set) and
 * keeps them running until SIGTERM or SIGINT; resolves with the exit code: 0 when every worker
 * drained and exited cleanly, 1 after a crash loop or an unclean shutdown.
 */
export function superviseWorkers(options: SuperviseOptions): Promise<number> {
  const { count, logger } = options;
  // Created before the first fork, so the first worker's first login already finds it.
  new RateLimiterClusterMaster();
  const started = new Map<number, number>(); // worker id -> when it started listening
  let url: string | null = null;
  let announced = false;
  let earlyCrashes = 0;
  let stopping: NodeJS.Signals | null = null;
  let exitCode = 0;

  return new Promise((resolve) => {
    const finishIfDone = () => {
      if (stopping && Object.keys(cluster.workers ?? {}).length === 0) {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        resolve(exitCode);
      }
    };

    const fork = (): Worker => {
      // Every worker listens with the same host and port (0 included): node:cluster's primary
      // holds one socket per host and port and hands each worker its connections in turn, so a
      // restarted worker joins the port the others hold.
      const worker = cluster.fork();
      const pid = worker.process.pid;
      logger.info({ worker: worker.id, pid }, 'worker started');
      worker.on('message', (message: unknown) => {
        if (!isListening(message)) return;
        started.set(worker.id, Date.now());
        url ??= message.url;
        if (!announced && started.size === count && url !== null) {
          announced = true;
          options.onListening(url);
        }
      });
      worker.on('exit', (code, signal) => {
        const listeningSince = started.get(worker.id);
        started.delete(worker.id);
        if (stopping) {
          logger.info({ worker: worker.id, pid, code, signal }, 'worker exited');
          if (code !== 0) exitCode = 1;
          finishIfDone();
          return;
        }
        const early = listeningSince === undefined || Date.now() - listeningSince < STABLE_AFTER_MS;
        earlyCrashes = early ? earlyCrashes + 1 : 0;
        if (earlyCrashes >= CRASH_LOOP_LIMIT) {
          logger.error({ worker: worker.id, pid, code, signal, crashes: earlyCrashes }, 'workers keep crashing soon after they start: giving up');
          exitCode = 1;
          stop('SIGTERM');
          return;
        }
        const delay = restartDelay(earlyCrashes);
        logger.warn({ worker: worker.id, pid, code, signal, restartInMs: delay }, 'worker died: starting another');
        setTimeout(() => {
          if (!stopping) fork();
        }, delay).unref();
      });
      return worker;
    };

    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = signal;
      logger.info({ signal, workers: Object.keys(cluster.workers ?? {}).length }, 'shutting down: draining workers');
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
      // Workers drain in-flight requests; one that hangs past the deadline is killed.
      setTimeout(() => {
        for (const worker of Object.values(cluster.workers ?? {})) {
          logger.warn({ worker: worker?.id, pid: worker?.process.pid }, 'worker did not drain in time: killed');
          worker?.process.kill('SIGKILL');
        }
      }, DRAIN_DEADLINE_MS).unref();
      finishIfDone();
    };
    const onSignal = (signal: NodeJS.Signals) => stop(signal);
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);

    for (let i = 0; i < count; i++) fork();
  });
}
