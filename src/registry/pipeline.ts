// The registration pipeline: the ordered steps that record what an obtain or a refresh issued.
// Built in: register the tokens (and their session), connect the user, connect the device, and
// (with TOKEN_EXPIRE_ON_REFRESH) expire the rest of the tree. A team adds steps of its own.
import type { DataSource, EntityManager } from 'typeorm';
import type { IssuedToken } from '../core/tokens';
import { Device, Session, Token, TokenUserConnection } from '../entities';
import type { RequestInfo } from '../core/request-info';
import type { AuthServiceEvents, EventBus, ExpiryReason } from '../events';
import type { Logger } from '../logger';
import type { Settings } from '../settings';
import { describeDevice } from './devices';
import { fromSeconds, sql, sqlId } from './sql';
import type { TokenQueries } from './token-queries';
import type { TokenRecord, TokenRegistry } from './token-registry';
import { inTransaction } from '../db/transactions';

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
}

/** Records the tokens with their parent and session: a new session at obtain, the parent's at refresh. */
export function registerTokens(registry: TokenRegistry): RegistrationStep {
  return {
    name: 'registerTokens',
    async run(context) {
      const { manager, event, tokens, parent, now, settings } = context;
      const refresh = tokens.find((token) => token.type === 'refresh');
      if (event === 'obtain' || parent === null || parent.sessionId === null) {
        const lifetime = settings.SESSION_MAX_LIFETIME;
        const session = await manager.save(
          manager.create(Session, {
            userId: context.userId,
            deviceId: null,
            ip: (context.request?.ip ?? '').slice(0, 45),
            createdAt: now,
            lastUsedAt: now,
            expiresAt: fromSeconds(Math.max(...tokens.map((token) => token.expiresAt))),
            endsAt: lifetime === null ? null : new Date(now.getTime() + lifetime * 1000),
            expiredAt: null,
          }),
        );
        context.sessionId = session.id;
        context.newSession = true;
        // A refresh token issued elsewhere (first seen at this refresh) heads the new session.
        if (parent !== null) await manager.update(Token, { id: parent.id }, { sessionId: session.id });
      } else {
        context.sessionId = parent.sessionId;
        await manager.update(Session, { id: parent.sessionId }, refresh ? { lastUsedAt: now, expiresAt: fromSeconds(refresh.expiresAt) } : { lastUsedAt: now });
      }
      context.saved = await registry.record(manager, tokens, {
        userId: context.userId,
        parentId: parent?.id ?? null,
        chain: event === 'obtain',
        now,
        sessionId: context.sessionId,
        connect: false,
      });
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
  };
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
        deviceId = sqlId(result.identifiers[0].id);
      }
      if (newSession && sessionId !== null) await manager.update(Session, { id: sessionId }, { deviceId });
    },
  };
}

/**
 * TOKEN_EXPIRE_ON_REFRESH: expires every other token of the tree, keeping the ones just issued
 * and, when it stays valid (no rotation), the refresh token that was used.
 */
export function expireTreeOnRefresh(queries: TokenQueries, registry: TokenRegistry): RegistrationStep {
  return {
    name: 'expireTreeOnRefresh',
    async run(context) {
      const { manager, event, parent, saved, tokens, now } = context;
      if (event !== 'refresh' || parent === null) return;
      const keep = new Set(saved.map((token) => token.id));
      if (!tokens.some((token) => token.type === 'refresh')) keep.add(parent.id);
      const others = (await queries.collectTree([parent.id], manager)).filter((id) => !keep.has(id));
      for (const jti of await registry.expire(manager, others, now)) context.expired.push({ jti, reason: 'expire-on-refresh' });
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
 * The ordered steps, and the two ways to run them: inside the request's transaction, or after the
 * answer is written (REGISTRY_AFTER_RESPONSE).
 *
 * @example
 *   const context = await pipeline.run(manager, { event: 'obtain', userId, tokens: [refresh, access], parent: null, request, now });
 *   pipeline.announce(context); // after the transaction commits
 */
export class RegistrationPipeline {
  private list: RegistrationStep[];
  /** Registrations started after an answer and not finished yet, by each of their jtis. */
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly parts: PipelineParts,
    steps: readonly RegistrationStep[],
  ) {
    this.list = [];
    for (const step of steps) this.add(step);
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
    const context: RegistrationContext = {
      ...registration,
      manager,
      settings: this.parts.settings,
      sessionId: null,
      newSession: false,
      saved: [],
      expired: [],
    };
    for (const step of this.list) await step.run(context);
    return context;
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
   * Runs the pipeline in a transaction of its own once the current answer is on its way (the
   * answer is written in the promise chain that is running now; setImmediate comes after it). A
   * failure is logged: the client already has its tokens.
   */
  later(registration: Registration): void {
    const job = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => inTransaction(this.parts.dataSource, (manager) => this.run(manager, registration)))
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

  /** Waits for every registration started by `later` (tests, and closing the service). */
  async drain(): Promise<void> {
    await Promise.all([...new Set(this.pending.values())]);
  }
}
