// The one way this code base opens a transaction: run the work, and run it again (a few times at
// most) when it lost a race with a concurrent request, so callers never see a transient collision.
// On SQLite, transactions of one process also run one after another (see inTransaction).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';

/** How many times a transaction that lost a race to a concurrent request is run in all. */
const RACE_ATTEMPTS = 5;

/**
 * Whether a transaction failed only because a concurrent request got there first: two requests
 * recording the same token or device not seen before (a duplicate key) or, on MariaDB, a deadlock
 * between them. Running it again then reads what the winner wrote.
 */
export const lostRace = (error: unknown): boolean => {
  const failed = error as { code?: string; driverError?: { code?: string } };
  const code = failed.driverError?.code ?? failed.code;
  return code === 'ER_DUP_ENTRY' || code === 'ER_LOCK_DEADLOCK' || code === 'SQLITE_CONSTRAINT_UNIQUE';
};

/**
 * One SQLite data source's queue of transactions: its tail, how many are queued or running, and
 * the async context that tells a transaction opened inside a running one to join it.
 */
interface Queue {
  tail: Promise<unknown>;
  waiting: number;
  readonly running: AsyncLocalStorage<true>;
}

/** Each SQLite data source's queue, made on its first transaction. */
const queues = new WeakMap<DataSource, Queue>();

/**
 * Runs `work` in a transaction, again (a few times at most) while it loses races with concurrent
 * requests. A deadlock victim may retry before the winner commits and then collide once more.
 *
 * On SQLite TypeORM has one connection per data source, so two transactions started at once would
 * share it: the second's BEGIN fails ("cannot start a transaction within a transaction"), or its
 * statements land in the first one. They are queued instead, one after another, as SQLite runs
 * writers anyway; a transaction opened inside a queued one joins it (as a savepoint), as before.
 *
 * `attempts` lowers the number of runs: a caller with a better fallback than running the same work
 * again (the registry's group commit runs each member alone) passes 1.
 *
 * The async context is switched off whenever the queue is empty: on Node 20 an enabled
 * AsyncLocalStorage runs a hook on every promise the process makes, which a service's request
 * path (a dozen promises per request, none of them in a transaction) paid for ever after its first
 * write.
 *
 * @example
 *   const saved = await inTransaction(dataSource, (manager) => registry.recordGroup(manager, recordings));
 */
export function inTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>, attempts = RACE_ATTEMPTS): Promise<T> {
  if (dataSource.options.type !== 'better-sqlite3') return withRetries(dataSource, work, attempts);
  let queue = queues.get(dataSource);
  if (queue?.running.getStore()) return withRetries(dataSource, work, attempts);
  if (!queue) {
    queue = { tail: Promise.resolve(), waiting: 0, running: new AsyncLocalStorage<true>() };
    queues.set(dataSource, queue);
  }
  const own = queue;
  own.waiting++;
  const turn = own.tail.then(() => own.running.run(true, () => withRetries(dataSource, work, attempts)));
  own.tail = turn
    .finally(() => {
      // Nothing queued or running: no transaction is left for a nested one to join.
      if (--own.waiting === 0) own.running.disable();
    })
    .catch(() => undefined);
  return turn;
}

async function withRetries<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>, attempts: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.transaction(work);
    } catch (error) {
      if (attempt >= attempts || !lostRace(error)) throw error;
    }
  }
}
