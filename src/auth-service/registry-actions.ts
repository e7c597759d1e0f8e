// What the registry's endpoints do, free of HTTP: expire a token (or its tree), list and end
// sessions, log out everywhere. Each change is one transaction, then caches and events hear of it.
import type { DataSource } from 'typeorm';
import type { Clock } from '../core/clock';
import type { AuthPrincipal } from '../core/principal';
import type { TokenCodec } from '../core/tokens';
import { NotFound, PermissionDenied } from '../errors';
import type { RequestInfo } from '../core/request-info';
import type { AuthServiceEvents, EventBus } from '../events';
import type { ExpiryCheck } from '../registry/expiry-check';
import type { RegistrationPipeline } from '../registry/pipeline';
import type { SessionStore, SessionView } from '../registry/sessions';
import type { TokenRegistry } from '../registry/token-registry';
import { inTransaction } from '../db/transactions';
import type { Settings } from '../settings';
import type { Revocations } from './revocations';
import type { UserStore } from './user-store';

/** What the actions are built from. */
export interface RegistryActionsParts {
  readonly settings: Settings;
  readonly dataSource: DataSource;
  readonly codec: TokenCodec;
  readonly registry: TokenRegistry;
  readonly sessions: SessionStore;
  readonly pipeline: RegistrationPipeline;
  readonly expiry: ExpiryCheck;
  readonly users: UserStore;
  /** Records what ended, for every client-service and instance. */
  readonly revocations: Revocations;
  readonly events: EventBus<AuthServiceEvents>;
  readonly clock: Clock;
  /** Drops the user's cached snapshot (logout-all changes what it says). */
  readonly onUserChanged: (userId: number) => void;
}

/** Whether staff `actor` may act on `target`'s tokens and sessions (an unknown target is no one's). */
function mayActOn(actor: AuthPrincipal, target: { isSuperuser: boolean } | null): boolean {
  return actor.isStaff && (actor.isSuperuser || target === null || !target.isSuperuser);
}

/**
 * The registry as its endpoints use it. `actor` is the authenticated user: each action is allowed
 * on their own tokens and sessions, on anyone's for staff, and on a superuser's only for superusers.
 *
 * @example
 *   await actions.expireToken(actor, refresh, { affectTree: true });
 *   await actions.logoutAll(actor, actor.id);
 */
export class RegistryActions {
  constructor(private readonly parts: RegistryActionsParts) {}

  /**
   * Expires one token, or (`affectTree`) every token of its tree and the sessions they belong to.
   * Answers how many tokens were expired now (0 when they already were).
   */
  async expireToken(actor: AuthPrincipal, raw: string, options: { affectTree: boolean; request?: RequestInfo | null }): Promise<{ expired: number }> {
    const { codec, registry, users, settings } = this.parts;
    const claims = codec.verify(raw);
    const jti = codec.jtiOf(claims);
    await this.parts.pipeline.settled(jti);
    const claimed = codec.userIdOf(claims);
    const owner = claimed === null ? null : await users.findByTokenId(settings.USER_ID_FIELD, claimed);
    if (owner?.id !== actor.id && !mayActOn(actor, owner)) throw new PermissionDenied();
    const now = this.now();
    const jtis = await inTransaction(this.parts.dataSource, async (manager) => {
      const record = await registry.ensure(manager, { ...codec.factsOf(claims), userId: owner?.id ?? null }, now);
      const expired = options.affectTree ? await registry.expireFamily(manager, record.id, now) : await registry.expire(manager, [record.id], now);
      await this.parts.revocations.tokens(manager, expired, now);
      return expired;
    });
    this.announce(owner?.id ?? null, jtis, 'expire', options.request ?? null);
    return { expired: jtis.length };
  }

  /** The active sessions of `userId` (`currentJti` marks the asker's own). */
  async listSessions(actor: AuthPrincipal, userId: number, currentJti: string | null): Promise<SessionView[]> {
    await this.allow(actor, userId);
    return this.parts.sessions.list(userId, this.now(), currentJti);
  }

  /** Ends one session; someone else's session is "not found" unless the actor is staff (403 for a superuser's, unless the actor is one). */
  async endSession(actor: AuthPrincipal, sessionId: number, request: RequestInfo | null = null): Promise<void> {
    const owner = await this.parts.sessions.ownerOf(sessionId);
    if (owner === null || (owner !== actor.id && !actor.isStaff)) throw new NotFound();
    await this.allow(actor, owner);
    const now = this.now();
    const ended = await this.parts.sessions.end(sessionId, owner, now, (manager, { jtis }) => this.parts.revocations.tokens(manager, jtis, now));
    this.announce(owner, ended.jtis, 'session-ended', request);
  }

  /** Ends every session of `userId`; afterwards each request pays one comparison, not a lookup. */
  async logoutAll(actor: AuthPrincipal, userId: number, request: RequestInfo | null = null): Promise<{ sessions: number }> {
    await this.allow(actor, userId);
    if (userId !== actor.id && !(await this.parts.users.withPermissions(userId))) throw new NotFound();
    const now = this.now();
    // One cutoff voids every token of the user, wherever it was issued; no row per token.
    const ended = await this.parts.sessions.endAll(userId, now, (manager) => this.parts.revocations.userCutoff(manager, userId, now));
    this.parts.onUserChanged(userId);
    this.announce(userId, ended.jtis, 'logout-all', request);
    this.parts.events.emit('loggedOutEverywhere', { userId, byUserId: actor.id, sessions: ended.sessions, request });
    return { sessions: ended.sessions };
  }

  /** Anyone may act on themselves; on others, staff may, and on a superuser only a superuser. */
  private async allow(actor: AuthPrincipal, userId: number): Promise<void> {
    if (userId === actor.id) return;
    if (!actor.isStaff) throw new PermissionDenied();
    // Staff who are not superusers cannot see a superuser's sessions or end them: that would let
    // them spy on or lock out the people who can change their own rights. The lookup happens only
    // for these staff-on-someone requests.
    if (!actor.isSuperuser && !mayActOn(actor, await this.parts.users.findByTokenId('id', userId))) throw new PermissionDenied();
  }

  private announce(userId: number | null, jtis: readonly string[], reason: 'expire' | 'session-ended' | 'logout-all', request: RequestInfo | null): void {
    if (jtis.length === 0) return;
    this.parts.expiry.markExpired(jtis);
    this.parts.events.emit('tokensExpired', { userId, jtis, reason, request });
  }

  private now(): Date {
    return new Date(this.parts.clock.now());
  }
}
