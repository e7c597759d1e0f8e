// The local copies of auth-service users: kept in the client-service's database, mirrored in memory,
// refreshed from the auth-service when older than USER_SYNC_MAX_AGE, and served stale (with a
// warning) when the auth-service cannot be reached, so valid tokens keep working through an outage.
import type { DataSource } from 'typeorm';
import type { Clock } from '../core/clock';
import type { AuthPrincipal, Principal } from '../core/principal';
import type { RequestInfo } from '../core/request-info';
import { requestInfo } from '../core/request-info';
import { TtlCache } from '../core/ttl-cache';
import { LocalUser } from '../entities/local-user';
import { AuthServiceUnavailable, causeText, UpstreamRejected } from '../errors';
import type { ClientServiceEvents, EventBus } from '../events';
import type { Logger } from '../logger';
import type { ClientUserSerializer } from '../serializers/client-user-serializer';
import type { ClientSettings } from './client-settings';
import type { AuthServiceClient } from './upstream';
import { inTransaction } from '../db/transactions';

/** How long a stale copy is served without asking again, once the auth-service failed to answer. */
const RETRY_AFTER_OUTAGE_MS = 5000;

/** What a request looks like to `requestInfo`; only read when a sync is announced. */
type RequestLike = Parameters<typeof requestInfo>[0];

/** Why a copy was written, as `userSynced` says. */
export type SyncReason = ClientServiceEvents['userSynced']['reason'];

/** A principal together with when its data was fetched from the auth-service. */
interface Copy {
  readonly principal: AuthPrincipal;
  readonly syncedAt: number;
}

/**
 * Finds and refreshes local user copies.
 *
 * @example
 *   const principal = await sync.principalFor(3, 'Bearer eyJ...');
 */
export class UserSync {
  private readonly memory: TtlCache<number, Copy>;
  /** Users announced changed whose copy has not been fetched again since. */
  private readonly stale = new Set<number>();
  /** One upstream fetch per user at a time: concurrent first requests share it. */
  private readonly inFlight = new Map<number, Promise<Principal>>();

  constructor(
    private readonly settings: ClientSettings,
    private readonly dataSource: DataSource,
    private readonly serializer: ClientUserSerializer,
    private readonly upstream: AuthServiceClient,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly events?: EventBus<ClientServiceEvents>,
  ) {
    // Memory may hold a copy as long as it is trusted at all; freshness is judged per use.
    this.memory = new TtlCache(Math.max(settings.USER_SYNC_MAX_AGE, 1) * 10, settings.USER_CACHE_SIZE, clock);
  }

  /**
   * The principal of user `id`, fetched with the request's own `token` when no fresh copy exists.
   * An auth-service that refuses the token refuses the request. `request` only names the request
   * in the `userSynced` event.
   */
  principalFor(id: number, token: string, request?: RequestLike): Principal | Promise<Principal> {
    // One clock read for both checks: this runs on every authenticated request.
    const now = this.clock.now();
    const known = this.memory.get(id, now);
    if (known && this.isFresh(known.syncedAt, now)) return known.principal;
    return this.refreshed(id, token, known, request);
  }

  private async refreshed(id: number, token: string, known: Copy | undefined, request: RequestLike | undefined): Promise<Principal> {
    const stored = known ?? (await this.load(id));
    if (stored && this.isFresh(stored.syncedAt)) return stored.principal;
    const pending = this.inFlight.get(id);
    if (pending) return pending;
    const fetching = this.fetch(`${this.settings.AUTH_HEADER_TYPES[0]} ${token}`, stored, request).finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, fetching);
    return fetching;
  }

  /**
   * Creates or replaces the local copy from the auth-service's user JSON; returns its principal.
   * Announces `userSynced` with `reason` and the request, when given.
   */
  async upsert(json: Record<string, unknown>, reason: SyncReason = 'login', request: RequestInfo | null = null): Promise<AuthPrincipal> {
    const id = json.id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
      throw new AuthServiceUnavailable(`the user JSON has no integer id: ${JSON.stringify(json).slice(0, 200)}`);
    }
    const syncedAt = new Date(this.clock.now());
    let created = false;
    const user = await inTransaction(this.dataSource, async (manager) => {
      const existing = await manager.findOne(LocalUser, { where: { id } });
      created = existing === null;
      const merged = manager.merge(LocalUser, existing ?? manager.create(LocalUser, { id, permissions: [] }), this.serializer.toLocal(json), { syncedAt });
      const saved = await manager.save(LocalUser, merged);
      await this.serializer.storeNested(manager, id, json);
      return saved;
    });
    const nested = await this.serializer.loadNested(this.dataSource.manager, id);
    this.stale.delete(id);
    const principal = this.remember(user, nested).principal;
    this.events?.emit('userSynced', { userId: id, created, reason, request });
    return principal;
  }

  /**
   * Drops the copy of user `id` (the auth-service announced a change), so their next request
   * fetches the user again; the stored copy is marked stale too.
   */
  async forget(id: number): Promise<void> {
    // Marked at once, in memory: a request racing the update below must not read the old copy
    // back from the database and trust it again.
    this.stale.add(id);
    const known = this.memory.get(id);
    if (known) this.memory.set(id, { principal: known.principal, syncedAt: 0 });
    await this.dataSource.manager.update(LocalUser, { id }, { syncedAt: new Date(0) });
  }

  private async fetch(authorization: string, stale: Copy | null, request: RequestLike | undefined): Promise<Principal> {
    let reply;
    try {
      reply = await this.upstream.getWithToken(this.settings.REMOTE_AUTH_SERVICE_USER_PATH, authorization);
    } catch (error) {
      if (stale && error instanceof AuthServiceUnavailable) {
        this.logger.warn({ userId: stale.principal.id, reason: causeText(error) }, 'auth-service unavailable: serving a stale user copy');
        // Trust the stale copy a little longer, so an outage costs one timeout per user per
        // RETRY_AFTER_OUTAGE_MS rather than one per request.
        const retryIn = Math.min(RETRY_AFTER_OUTAGE_MS, this.settings.USER_SYNC_MAX_AGE * 1000);
        this.memory.set(stale.principal.id, { principal: stale.principal, syncedAt: this.clock.now() - this.settings.USER_SYNC_MAX_AGE * 1000 + retryIn });
        return stale.principal;
      }
      throw error;
    }
    if (reply.status !== 200) throw new UpstreamRejected(reply.body, reply.status);
    return this.upsert(reply.body, 'stale', request ? requestInfo(request) : null);
  }

  private async load(id: number): Promise<Copy | null> {
    const user = await this.dataSource.manager.findOne(LocalUser, { where: { id } });
    if (!user) return null;
    return this.remember(user, await this.serializer.loadNested(this.dataSource.manager, id));
  }

  private remember(user: LocalUser, nested: Record<string, Record<string, unknown> | null>): Copy {
    const principal: AuthPrincipal = Object.freeze({
      id: user.id,
      isActive: user.isActive,
      isStaff: user.isStaff,
      isSuperuser: user.isSuperuser,
      permissions: new Set(user.permissions),
      data: Object.freeze(this.serializer.toData(user, nested)),
    });
    const copy = { principal, syncedAt: this.stale.has(user.id) ? 0 : user.syncedAt.getTime() };
    this.memory.set(user.id, copy);
    return copy;
  }

  private isFresh(syncedAt: number, now: number = this.clock.now()): boolean {
    return now - syncedAt < this.settings.USER_SYNC_MAX_AGE * 1000;
  }
}
