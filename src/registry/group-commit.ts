// Group commit: work that arrives while a transaction is committing waits and goes into the next
// transaction, together with everything else that arrived meanwhile, so concurrent requests share
// one COMMIT (one log flush on MariaDB with innodb_flush_log_at_trx_commit=1) instead of each
// waiting for its own. Each caller's promise still settles only after the transaction holding its
// work has committed, with its own result or its own error.

/**
 * The most members in one transaction. Large enough that a service under load (tens of concurrent
 * logins per commit) fills few transactions; small enough that one transaction's statements stay
 * far inside SQLite's and MariaDB's placeholder limits (the largest, the tokens' INSERT, binds 20
 * values per member) and that a failed group, run again one member at a time, delays a bounded
 * number of requests.
 */
export const MAX_GROUP = 64;

/** What a group commit has done so far (tests and benchmarks read it; it is not a metric API). */
export interface GroupCommitStats {
  /** Items submitted and run (committed or failed). */
  readonly members: number;
  /** Transactions run: one per group, and one per item run alone (a group of one, a split group's members). */
  readonly transactions: number;
  /** The most members one transaction carried. */
  readonly largest: number;
  /** Groups whose transaction failed and whose members were then run one transaction each. */
  readonly split: number;
  /** Items waiting for the next transaction now. */
  readonly queued: number;
}

/** How a group commit runs its work. */
export interface GroupWork<Item, Result> {
  /** Runs every item in one transaction; answers one result per item, in order, or throws (nothing committed). */
  runGroup(items: readonly Item[]): Promise<Result[]>;
  /** Runs one item in a transaction of its own: a group of one, and each member of a failed group. */
  runAlone(item: Item): Promise<Result>;
}

interface Member<Item, Result> {
  readonly item: Item;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Queues items and commits them in groups, one group at a time.
 *
 * @example
 *   const group = new GroupCommit<{ id: number }, number>({
 *     runGroup: (items) => inTransaction(dataSource, (manager) => Promise.all(items.map((item) => save(manager, item)))),
 *     runAlone: (item) => inTransaction(dataSource, (manager) => save(manager, item)),
 *   });
 *   const saved = await group.submit(row); // settles after the COMMIT that holds this row
 */
export class GroupCommit<Item, Result> {
  private queue: Member<Item, Result>[] = [];
  /** The loop committing groups, while there is one. */
  private running: Promise<void> | null = null;
  private counts = { members: 0, transactions: 0, largest: 0, split: 0 };

  constructor(
    private readonly work: GroupWork<Item, Result>,
    private readonly maxGroup: number = MAX_GROUP,
  ) {
    if (!Number.isInteger(maxGroup) || maxGroup < 1) throw new Error(`a group commit needs a group size of at least 1, not ${String(maxGroup)}`);
  }

  /** Queues `item`; settles once the transaction holding it has committed (or with its own error). */
  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.running ??= this.loop();
    });
  }

  /** Waits until every item submitted so far (and any submitted meanwhile) is committed or failed. */
  async drain(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  get stats(): GroupCommitStats {
    return { ...this.counts, queued: this.queue.length };
  }

  private async loop(): Promise<void> {
    // When idle, wait one turn of the event loop first: requests whose bodies arrived in the same
    // poll phase (and, on SQLite, whose work is ready in the same tick) share the first commit.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) await this.commit(this.queue.splice(0, this.maxGroup));
    this.running = null;
  }

  private async commit(group: Member<Item, Result>[]): Promise<void> {
    this.counts.members += group.length;
    if (group.length === 1) return this.alone(group[0]);
    this.counts.transactions++;
    this.counts.largest = Math.max(this.counts.largest, group.length);
    let results: Result[];
    try {
      results = await this.work.runGroup(group.map((member) => member.item));
    } catch {
      // One member's failure (a constraint, a failing step, a lost race) rolled back everyone's
      // work: run each again on its own, so each request gets its own outcome and the innocent
      // ones are recorded. The group's error is not anyone's in particular; the members' own
      // errors are what their callers see.
      this.counts.split++;
      await Promise.all(group.map((member) => this.alone(member)));
      return;
    }
    group.forEach((member, i) => member.resolve(results[i]));
  }

  private async alone(member: Member<Item, Result>): Promise<void> {
    this.counts.transactions++;
    this.counts.largest = Math.max(this.counts.largest, 1);
    try {
      member.resolve(await this.work.runAlone(member.item));
    } catch (error) {
      member.reject(error);
    }
  }
}
