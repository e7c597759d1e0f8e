// Every revocation the auth-service makes, written in one place: a row of the revocation table in
// the transaction of the change it reflects, then, once that transaction has committed, applied to
// this process's own list and published on Redis. Other instances and client-services read the
// rows through the feed (or hear them on Redis) and refuse the same tokens within the stated bound.
import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import type { Clock } from '../core/clock';
import type { Logger } from '../logger';
import type { RegistrationStep } from '../registry/pipeline';
import type { RevocationInput, RevocationLog } from '../registry/revocation-log';
import type { FeedPage, RevocationEntry, RevocationList } from '../revocation/revocation-list';
import type { RevocationPublisher } from '../revocation/redis-channel';
import type { Settings } from '../settings';

/** How often, at most, rows whose tokens have all expired are deleted. */
const SWEEP_EVERY_MS = 60_000;

/** What the revocations are built from. */
export interface RevocationsParts {
  readonly settings: Pick<Settings, 'ACCESS_TOKEN_LIFETIME' | 'REFRESH_TOKEN_LIFETIME' | 'LEEWAY'>;
  readonly dataSource: DataSource;
  readonly log: RevocationLog;
  /** This process's list, which its request authentication reads. */
  readonly list: RevocationList;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly publisher: RevocationPublisher | null;
}

/**
 * Records revocations. Each writer takes the caller's transaction manager; what it wrote is
 * announced after that transaction commits, and forgotten if it rolls back.
 *
 * @example
 *   await inTransaction(dataSource, async (manager) => {
 *     await manager.update(User, { id: userId }, { isActive: false });
 *     await revocations.userCutoff(manager, userId, now);
 *   });
 */
export class Revocations {
  private readonly pending = new WeakMap<QueryRunner, RevocationEntry[]>();
  private readonly subscriber: EntitySubscriberInterface;
  private sweptAt = 0;

  constructor(private readonly parts: RevocationsParts) {
    // TypeORM tells subscribers when a transaction commits or rolls back: the one moment a
    // revocation may be announced is after its row is durable.
    this.subscriber = {
      afterTransactionCommit: ({ queryRunner }) => {
        if (queryRunner.isTransactionActive) return;
        const entries = this.pending.get(queryRunner);
        this.pending.delete(queryRunner);
        if (entries) this.announce(entries);
      },
      afterTransactionRollback: ({ queryRunner }) => {
        if (!queryRunner.isTransactionActive) this.pending.delete(queryRunner);
      },
    };
    parts.dataSource.subscribers.push(this.subscriber);
  }

  /** Longest a token issued at a given second may be accepted after it: the longest lifetime plus LEEWAY. */
  private get longestLife(): number {
    const { settings } = this.parts;
    return Math.max(settings.ACCESS_TOKEN_LIFETIME, settings.REFRESH_TOKEN_LIFETIME) + settings.LEEWAY;
  }

  /** Refuses these tokens by jti (a session ended, a token or its tree expired, reuse detected). */
  async tokens(manager: EntityManager, jtis: readonly string[], now: Date): Promise<void> {
    if (jtis.length === 0) return;
    // Only access tokens reach request authentication; refresh tokens are judged by the registry.
    const expiries = await this.parts.log.accessExpiries(manager, jtis);
    const inputs: RevocationInput[] = [...expiries].map(([jti, exp]) => ({ kind: 'jti', jti, expires: exp + this.parts.settings.LEEWAY }));
    await this.write(manager, inputs, now);
  }

  /** Voids every token of `userId` issued at or before `now`'s second (logout-all, password change, deactivation, deletion). */
  async userCutoff(manager: EntityManager, userId: number, now: Date): Promise<void> {
    const notAfter = Math.floor(now.getTime() / 1000);
    await this.write(manager, [{ kind: 'user', userId, notAfter, expires: notAfter + this.longestLife }], now);
  }

  /** Tells consumers to read these users again (permissions, groups, flags changed). */
  async usersChanged(manager: EntityManager, userIds: readonly number[], now: Date): Promise<void> {
    const expires = Math.floor(now.getTime() / 1000) + this.longestLife;
    await this.write(
      manager,
      [...new Set(userIds)].map((userId) => ({ kind: 'user_changed', userId, expires })),
      now,
    );
  }

  /** The feed after `after` (see RevocationLog.page). */
  page(after: number | null): Promise<FeedPage> {
    return this.parts.log.page(after, new Date(this.parts.clock.now()));
  }

  /** Stops listening to the data source's transactions. */
  close(): void {
    const subscribers = this.parts.dataSource.subscribers;
    const at = subscribers.indexOf(this.subscriber);
    if (at >= 0) subscribers.splice(at, 1);
  }

  private async write(manager: EntityManager, inputs: readonly RevocationInput[], now: Date): Promise<void> {
    if (inputs.length === 0) return;
    if (now.getTime() - this.sweptAt >= SWEEP_EVERY_MS) {
      this.sweptAt = now.getTime();
      await this.parts.log.sweep(manager, now);
    }
    const written = await this.parts.log.write(manager, inputs, now);
    const runner = manager.queryRunner;
    if (runner?.isTransactionActive) this.pending.set(runner, [...(this.pending.get(runner) ?? []), ...written]);
    else this.announce(written);
  }

  private announce(entries: readonly RevocationEntry[]): void {
    this.parts.list.apply(entries);
    this.parts.publisher?.publish(entries);
  }
}

/**
 * The registration step that records what TOKEN_EXPIRE_ON_REFRESH (or a step of the team's)
 * expired, in the registration's own transaction.
 */
export function recordExpiredTokens(revocations: Revocations): RegistrationStep {
  return {
    name: 'recordExpiredTokens',
    run: async ({ manager, expired, now }) => {
      await revocations.tokens(
        manager,
        expired.map((entry) => entry.jti),
        now,
      );
    },
  };
}
