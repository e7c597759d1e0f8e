// The registration pipeline: the ordered steps that record what an obtain or a refresh issued.
// Built in: register the tokens (and their session), connect the user, connect the device, and
// (with TOKEN_EXPIRE_ON_REFRESH) expire the rest of the tree. A team adds steps of its own.
// Concurrent registrations share a transaction (group-commit.ts): one COMMIT for many requests.
import type { DataSource, EntityManager } from 'typeorm';
import type { IssuedToken } from '../core/tokens';
import { Device, Session, Token, TokenUserConnection } from '../entities';
import type { RequestInfo } from '../core/request-info';
import type { AuthServiceEvents, EventBus, ExpiryReason } from '../events';
import type { Logger } from '../logger';
import type { Settings } from '../settings';
import { describeDevice } from './devices';
import { fromSeconds, marks, sql, sqlId, updateEach } from './sql';
import type { TokenQueries } from './token-queries';
import type { TokenRecord, TokenRegistry } from './token-registry';
import { inTransaction } from '../db/transactions';
import type { GroupCommitStats } from './group-commit';
import { GroupCommit } from './group-commit';

/** What one obtain or refresh issued, as the pipeline receives it. */
export interface Registration {
  readonly event: 'obtain' | 'refresh';
  readonly userId: number;
  /** Obtain: `[refresh, access]`; refresh: `[access]`, or `[access, refresh]` under rotation. */
  readonly tokens: readonly IssuedToken[];
  /** The refresh token presented at a refresh (null at obtain). */
  readonly parent: TokenRecord | null;
  readonly request: RequestInfo | null;
  readonly now: Date;
}

/** What each step sees: the registration, the transaction, and what earlier steps found out. */
export interface RegistrationContext extends Registration {
  readonly manager: EntityManager;
  readonly settings: Settings;
  /** The login the tokens belong to; set by `registerTokens`. */
  sessionId: number | null;
  /** Whether `registerTokens` opened that session just now. */
  newSession: boolean;
  /** The token rows written; set by `registerTokens`. */
  saved: Token[];
  /** Tokens a step expired, so request-path caches and `tokensExpired` listeners hear of them. */
  readonly expired: { readonly jti: string; readonly reason: ExpiryReason }[];
}

/**
 * One step of the pipeline. Steps run in order inside one transaction: a step that throws undoes
 * the whole registration (and, when the pipeline runs before the answer, fails the request).
 * Registrations that arrive together share a transaction: each step runs for every one of them
 * (`runGroup` once, or `run` for each in turn) before the next step starts. A step that throws for
 * one of them undoes the group's transaction, and each registration is then run again alone, so
 * only the one that fails again is refused.
 *
 * @example
 *   // Count logins per country in a table of your own.
 *   const geoStep: RegistrationStep = {
 *     name: 'geo',
 *     run: async ({ manager, event, request }) => {
 *       if (event === 'obtain') await manager.query('UPDATE login_stats SET n = n + 1 WHERE country = ?', [lookup(request?.ip)]);
 *     },
 *   };
 *   service.pipeline.add(geoStep);
 */
export interface RegistrationStep {
  /** Unique within a pipeline; `add` places steps before or after one by name. */
  readonly name: string;
  run(context: RegistrationContext): Promise<void>;
  /**
   * Optional: the step for several registrations sharing one transaction (one `manager`), e.g.
   * one multi-row INSERT instead of one per registration. Without it, `run` is called for each.
   */
  runGroup?(contexts: readonly RegistrationContext[]): Promise<void>;
}

/** A registration and what the same transaction must also write (UPDATE_LAST_LOGIN's update). */
interface Submission {
  readonly registration: Registration;
  readonly also?: (manager: EntityManager) => Promise<unknown>;
}

/** Whether a registration opens a session: every login, and a refresh token issued elsewhere. */
const opensSession = ({ event, parent }: Registration): boolean => event === 'obtain' || parent === null || parent.sessionId === null;

/** The session row a registration opens. */
function sessionRow(context: RegistrationContext): Partial<Session> {
  const { now, tokens, settings } = context;
  const lifetime = settings.SESSION_MAX_LIFETIME;
  return {
    userId: context.userId,
    deviceId: null,
    ip: (context.request?.ip ?? '').slice(0, 45),
    createdAt: now,
    lastUsedAt: now,
    expiresAt: fromSeconds(Math.max(...tokens.map((token) => token.expiresAt))),
    endsAt: lifetime === null ? null : new Date(now.getTime() + lifetime * 1000),
    expiredAt: null,
  };
}

/** Ties a registration to its session: the new one, or the parent's (marked used). */
async function joinSession(context: RegistrationContext, openedId: number | null): Promise<void> {
  const { manager, parent, tokens, now } = context;
  if (openedId !== null) {
    context.sessionId = openedId;
    context.newSession = true;
    // A refresh token issued elsewhere (first seen at this refresh) heads the new session.
    if (parent !== null) await manager.update(Token, { id: parent.id }, { sessionId: openedId });
    return;
  }
  if (parent === null || parent.sessionId === null) throw new Error('a registration without a session to join');
  context.sessionId = parent.sessionId;
  const refresh = tokens.find((token) => token.type === 'refresh');
  await manager.update(Session, { id: parent.sessionId }, refresh ? { lastUsedAt: now, expiresAt: fromSeconds(refresh.expiresAt) } : { lastUsedAt: now });
}

/** What registry.recordGroup needs for one registration. */
const recordingOf = (context: RegistrationContext) => ({
  tokens: context.tokens,
  parentId: context.parent?.id ?? null,
  chain: context.event === 'obtain',
  now: context.now,
  sessionId: context.sessionId,
});

/** Records the tokens with their parent and session: a new session at obtain, the parent's at refresh. */
export function registerTokens(registry: TokenRegistry): RegistrationStep {
  return {
    name: 'registerTokens',
    async run(context) {
      const { manager } = context;
      const opened = opensSession(context) ? await manager.save(manager.create(Session, sessionRow(context))) : null;
      await joinSession(context, opened?.id ?? null);
      [context.saved] = await registry.recordGroup(manager, [recordingOf(context)]);
    },
    // One INSERT for the group's new sessions and two for its tokens, whatever the group's size.
    async runGroup(contexts) {
      if (contexts.length === 0) return;
      const { manager } = contexts[0];
      const opening = contexts.filter(opensSession);
      const inserted = opening.length === 0 ? null : await manager.insert(Session, opening.map(sessionRow));
      const openedIds = new Map(opening.map((context, i) => [context, sqlId(inserted?.identifiers[i].id)]));
      // Refreshes mark their sessions used in one statement (a later refresh of a session in the
      // group overwrites an earlier one's values, as it would one after the other).
      const used = new Map<number, unknown[]>();
      const renewed = new Map<number, unknown[]>();
      for (const context of contexts) {
        const openedId = openedIds.get(context) ?? null;
        const joined = context.parent?.sessionId ?? null;
        if (openedId !== null || joined === null) {
          await joinSession(context, openedId);
          continue;
        }
        context.sessionId = joined;
        const refresh = context.tokens.find((token) => token.type === 'refresh');
        if (refresh) renewed.set(context.sessionId, [context.now, fromSeconds(refresh.expiresAt)]);
        else used.set(context.sessionId, [context.now]);
      }
      await updateEach(manager, 'easyjwt_session', ['last_used_at'], used);
      await updateEach(manager, 'easyjwt_session', ['last_used_at', 'expires_at'], renewed);
      const saved = await registry.recordGroup(manager, contexts.map(recordingOf));
      contexts.forEach((context, i) => (context.saved = saved[i]));
    },
  };
}

/** Links each new token to its user (TokenUserConnection). */
export function connectUser(): RegistrationStep {
  return {
    name: 'connectUser',
    async run({ manager, saved, userId }) {
      if (saved.length > 0)
        await manager.insert(
          TokenUserConnection,
          saved.map((token) => ({ userId, tokenId: token.id })),
        );
    },
    async runGroup(contexts) {
      const links = contexts.flatMap(({ saved, userId }) => saved.map((token) => ({ userId, tokenId: token.id })));
      if (links.length > 0) await contexts[0].manager.insert(TokenUserConnection, links);
    },
  };
}

/** A device seen for the first time: its row, first and last seen now; answers its id. */
async function insertDevice(manager: EntityManager, userId: number, device: ReturnType<typeof describeDevice>, ip: string, now: Date): Promise<number> {
  const result = await manager.insert(Device, {
    userId,
    fingerprint: device.fingerprint,
    userAgent: device.userAgent,
    browser: device.browser,
    os: device.os,
    deviceType: device.deviceType,
    ip,
    firstSeenAt: now,
    lastSeenAt: now,
  });
  return sqlId(result.identifiers[0].id);
}

/** Finds or creates the user's device for the request's User-Agent, marks it seen, ties a new session to it. */
export function connectDevice(): RegistrationStep {
  return {
    name: 'connectDevice',
    async run({ manager, userId, request, now, sessionId, newSession }) {
      const device = describeDevice(request?.userAgent ?? null);
      const ip = (request?.ip ?? '').slice(0, 45);
      // A known device (every refresh, most logins) costs one UPDATE by the unique key; only a
      // new session needs its id.
      const touched = await manager.update(Device, { userId, fingerprint: device.fingerprint }, { lastSeenAt: now, ip });
      let deviceId: number;
      if ((touched.affected ?? 0) > 0) {
        if (!newSession) return;
        const rows = await sql<{ id: number | string }>(manager, 'SELECT id FROM easyjwt_device WHERE user_id = ? AND fingerprint = ?', [
          userId,
          device.fingerprint,
        ]);
        deviceId = sqlId(rows[0].id);
      } else {
        // A concurrent first login from the same agent collides on the unique key; the
        // transaction is then run again and finds this row (see inTransaction).
        deviceId = await insertDevice(manager, userId, device, ip, now);
      }
      if (newSession && sessionId !== null) await manager.update(Session, { id: sessionId }, { deviceId });
    },
    // One SELECT for the group's known devices, one INSERT per device not seen before (rare after
    // a user's first login), one UPDATE marking them seen and one tying the new sessions to them.
    async runGroup(contexts) {
      if (contexts.length === 0) return;
      const { manager } = contexts[0];
      const wanted = contexts.map((context) => ({
        context,
        device: describeDevice(context.request?.userAgent ?? null),
        ip: (context.request?.ip ?? '').slice(0, 45),
      }));
      const key = (userId: number, fingerprint: string) => `${userId}:${fingerprint}`;
      const userIds = [...new Set(wanted.map(({ context }) => context.userId))];
      const fingerprints = [...new Set(wanted.map(({ device }) => device.fingerprint))];
      const rows = await sql<{ id: number | string; user_id: number | string; fingerprint: string }>(
        manager,
        `SELECT id, user_id, fingerprint FROM easyjwt_device WHERE user_id IN (${marks(userIds)}) AND fingerprint IN (${marks(fingerprints)})`,
        [...userIds, ...fingerprints],
      );
      const ids = new Map(rows.map((row) => [key(sqlId(row.user_id), row.fingerprint), sqlId(row.id)]));
      const seen = new Map<number, unknown[]>();
      const tied = new Map<number, unknown[]>();
      for (const { context, device, ip } of wanted) {
        const { userId, now } = context;
        let id = ids.get(key(userId, device.fingerprint));
        if (id === undefined) {
          // A concurrent first login from the same agent elsewhere collides on the unique key:
          // the group fails, and its members, run alone, find this row (see inTransaction).
          id = await insertDevice(manager, userId, device, ip, now);
          ids.set(key(userId, device.fingerprint), id);
        } else seen.set(id, [now, ip]);
        if (context.newSession && context.sessionId !== null) tied.set(context.sessionId, [id]);
      }
      await updateEach(manager, 'easyjwt_device', ['last_seen_at', 'ip'], seen);
      await updateEach(manager, 'easyjwt_session', ['device_id'], tied);
    },
  };
}

/**
 * TOKEN_EXPIRE_ON_REFRESH: expires every other token of the tree, keeping the ones just issued
 * and, when it stays valid (no rotation), the refresh token that was used.
 */
export function expireTreeOnRefresh(queries: TokenQueries, registry: TokenRegistry): RegistrationStep {
  const expireFor = async (context: RegistrationContext, spare: ReadonlySet<number>) => {
    const { manager, event, parent, saved, tokens, now } = context;
    if (event !== 'refresh' || parent === null) return;
    const keep = new Set([...spare, ...saved.map((token) => token.id)]);
    if (!tokens.some((token) => token.type === 'refresh')) keep.add(parent.id);
    const others = (await queries.collectTree([parent.id], manager)).filter((id) => !keep.has(id));
    for (const jti of await registry.expire(manager, others, now)) context.expired.push({ jti, reason: 'expire-on-refresh' });
  };
  return {
    name: 'expireTreeOnRefresh',
    run: (context) => expireFor(context, new Set()),
    // Every token of the group is written before this step runs. Run one after another, the last
    // refresh of a tree would expire the tokens of the earlier ones and keep its own: each spares
    // the tokens of the registrations after it, so the group ends as that sequence would.
    async runGroup(contexts) {
      for (const [i, context] of contexts.entries()) {
        await expireFor(context, new Set(contexts.slice(i + 1).flatMap((later) => later.saved.map((token) => token.id))));
      }
    },
  };
}

/** What the pipeline needs from the service. */
export interface PipelineParts {
  readonly dataSource: DataSource;
  readonly settings: Settings;
  readonly logger: Logger;
  readonly events: EventBus<AuthServiceEvents>;
  /** Told the jtis of tokens a step expired, after the transaction commits. */
  readonly onExpired: (jtis: readonly string[]) => void;
}

/**
 * The ordered steps, and the ways to run them: grouped with the registrations that arrive at the
 * same time, waited for before the answer (`register`) or not (`later`, REGISTRY_AFTER_RESPONSE),
 * or inside a transaction of the caller's (`run`).
 *
 * @example
 *   const context = await pipeline.register({ event: 'obtain', userId, tokens: [refresh, access], parent: null, request, now });
 *   pipeline.announce(context); // committed by now
 */
export class RegistrationPipeline {
  private list: RegistrationStep[];
  /** Registrations started after an answer and not finished yet, by each of their jtis. */
  private readonly pending = new Map<string, Promise<void>>();
  private readonly group: GroupCommit<Submission, RegistrationContext>;

  constructor(
    private readonly parts: PipelineParts,
    steps: readonly RegistrationStep[],
  ) {
    this.list = [];
    for (const step of steps) this.add(step);
    const { dataSource } = parts;
    this.group = new GroupCommit({
      // One attempt: when the group loses a race, each member is run alone, with the retries.
      runGroup: (submissions) => inTransaction(dataSource, (manager) => this.runGroup(manager, submissions), 1),
      runAlone: (submission) =>
        inTransaction(dataSource, async (manager) => {
          const context = await this.run(manager, submission.registration);
          await submission.also?.(manager);
          return context;
        }),
    });
  }
  /** The steps in the order they run. */
  get steps(): readonly RegistrationStep[] {
    return this.list;
  }

  /**
   * Adds a step at the end, or before or after a named one. A duplicate name is refused here, at
   * start-up, rather than found out at the first login.
   */
  add(step: RegistrationStep, where: { before?: string; after?: string } = {}): this {
    if (this.list.some((existing) => existing.name === step.name)) throw new Error(`registration step ${JSON.stringify(step.name)} is already in the pipeline`);
    const anchor = where.before ?? where.after;
    if (anchor === undefined) {
      this.list = [...this.list, step];
      return this;
    }
    const at = this.list.findIndex((existing) => existing.name === anchor);
    if (at < 0) throw new Error(`no registration step named ${JSON.stringify(anchor)} to add ${JSON.stringify(step.name)} next to`);
    const index = where.before !== undefined ? at : at + 1;
    this.list = [...this.list.slice(0, index), step, ...this.list.slice(index)];
    return this;
  }

  /** Runs every step in `manager`'s transaction; answers the context for `announce`. */
  async run(manager: EntityManager, registration: Registration): Promise<RegistrationContext> {
    const context = this.contextOf(manager, registration);
    for (const step of this.list) await step.run(context);
    return context;
  }

  /**
   * Runs the pipeline for `registration` in a transaction shared with the registrations that
   * arrive meanwhile (group commit), with `also` (what the request must write in the same
   * transaction); settles once that transaction has committed, or with this registration's own
   * error. Announce the answer's context.
   */
  register(registration: Registration, also?: (manager: EntityManager) => Promise<unknown>): Promise<RegistrationContext> {
    return this.group.submit({ registration, also });
  }

  /** What the group commit has done so far: transactions, members, the largest group. */
  get groupStats(): GroupCommitStats {
    return this.group.stats;
  }

  private contextOf(manager: EntityManager, registration: Registration): RegistrationContext {
    return { ...registration, manager, settings: this.parts.settings, sessionId: null, newSession: false, saved: [], expired: [] };
  }

  /** Every step for a group of registrations in one transaction, each step for all of them in turn. */
  private async runGroup(manager: EntityManager, submissions: readonly Submission[]): Promise<RegistrationContext[]> {
    const contexts = submissions.map((submission) => this.contextOf(manager, submission.registration));
    for (const step of this.list) {
      if (step.runGroup) await step.runGroup(contexts);
      else for (const context of contexts) await step.run(context);
    }
    for (const submission of submissions) await submission.also?.(manager);
    return contexts;
  }

  /** Tells caches and listeners what a committed registration did. */
  announce(context: RegistrationContext): void {
    const { events } = this.parts;
    events.emit('tokensRegistered', {
      userId: context.userId,
      sessionId: context.sessionId,
      jtis: context.tokens.map((token) => token.jti),
      event: context.event,
      request: context.request,
    });
    if (context.expired.length > 0) {
      const jtis = context.expired.map((entry) => entry.jti);
      this.parts.onExpired(jtis);
      events.emit('tokensExpired', { userId: context.userId, jtis, reason: context.expired[0].reason, request: context.request });
    }
  }

  /**
   * Registers once the current answer is on its way, grouped as `register` does (the answer is
   * written in the promise chain that is running now; the group's transaction starts a turn of
   * the event loop later at the earliest). A failure is logged: the client already has its tokens.
   */
  later(registration: Registration): void {
    const job = this.register(registration)
      .then((context) => this.announce(context))
      .catch((error: unknown) => this.parts.logger.error({ err: error, userId: registration.userId }, 'token registration after the response failed'))
      .finally(() => {
        for (const token of registration.tokens) if (this.pending.get(token.jti) === job) this.pending.delete(token.jti);
      });
    for (const token of registration.tokens) this.pending.set(token.jti, job);
  }

  /** Waits until a registration started by `later` that holds `jti` is written (at once if none). */
  settled(jti: string): Promise<void> {
    return this.pending.get(jti) ?? Promise.resolve();
  }

  /** Waits for every registration submitted so far, `later`'s included (tests, and closing the service). */
  async drain(): Promise<void> {
    await this.group.drain();
    await Promise.all([...new Set(this.pending.values())]);
  }
}
