// Request authentication on the auth-service itself: the hottest path of the project. A valid
// request costs one HMAC check and one Map lookup; the database is read only when the user's
// cached snapshot is missing or older than USER_CACHE_TTL.
import type { Context } from 'koa';
import { refuseInactive } from '../core/active-user';
import type { Clock } from '../core/clock';
import type { AuthPrincipal, Principal } from '../core/principal';
import type { Claims, TokenCodec } from '../core/tokens';
import { TtlCache } from '../core/ttl-cache';
import { TokenExpiredByRegistry, UserNotFound } from '../errors';
import type { AccessClaimsState } from '../http/access-claims';
import { ACCESS_CLAIMS } from '../http/access-claims';
import type { RequestAuthenticator } from '../http/authenticator';
import { BearerVerifier } from '../http/bearer-verifier';
import type { ExpiryCheck } from '../registry/expiry-check';
import type { RevocationList } from '../revocation/revocation-list';
import type { UserSerializer } from '../serializers/user-serializer';
import type { Settings } from '../settings';
import type { TokenStanding } from './token-standing';
import { refuseVoided, standingOf } from './token-standing';
import type { UserStore } from './user-store';

/** A principal plus what the token checks need, as cached per user. */
export interface UserSnapshot extends AuthPrincipal, TokenStanding {}

/**
 * Authenticates `Authorization: Bearer <access>` against the local user table.
 *
 * @example
 *   const principal = await authenticator.authenticate(ctx); // or throws a 401
 */
export class LocalAuthenticator implements RequestAuthenticator {
  private readonly cache: TtlCache<number | string, UserSnapshot>;
  private readonly bearer: BearerVerifier;
  private readonly claimKeys = new Map<number, number | string>();

  constructor(
    private readonly settings: Settings,
    private readonly codec: TokenCodec,
    private readonly users: UserStore,
    private readonly serializer: UserSerializer,
    private readonly clock: Clock,
    /** The delivery mode's access-cookie lookup, tried when there is no Authorization header. */
    accessCookie: ((ctx: Context) => string | null) | null = null,
    /** The registry's expiry check (null with REGISTRY_ENABLED off: nothing to ask). */
    private readonly expiry: ExpiryCheck | null = null,
    /** Revocations made by any instance, from the revocation table or Redis (no I/O to ask it). */
    private readonly revoked: RevocationList | null = null,
  ) {
    this.cache = new TtlCache(settings.USER_CACHE_TTL, settings.USER_CACHE_SIZE, clock);
    this.bearer = new BearerVerifier(settings, codec, clock, accessCookie);
  }

  authenticate(ctx: Context): Principal | Promise<Principal> {
    const { claims, userId: id } = this.bearer.read(ctx);
    (ctx.state as AccessClaimsState)[ACCESS_CLAIMS] = claims;
    // One clock read serves both cache lookups.
    const now = this.clock.now();
    const cached = this.cache.get(id, now);
    const jti = this.expiry === null ? null : this.codec.jtiOf(claims);
    const expired = jti === null || this.expiry === null ? false : this.expiry.known(jti, now);
    if (cached) {
      // A cached snapshot and a known token are checked without a promise: every repeated request.
      if (expired !== undefined) return this.admit(cached, claims, expired);
      // What the snapshot alone refuses (logout-all, password change, inactive) needs no lookup:
      // after a logout-all every older token of the user costs one comparison, whatever its jti.
      this.admit(cached, claims, false);
      return this.expiredInRegistry(jti).then((gone) => this.admit(cached, claims, gone));
    }
    return Promise.all([this.load(id), expired ?? this.expiredInRegistry(jti)]).then(([user, gone]) => this.admit(user, claims, gone));
  }

  /** Asks the registry whether it expired `jti` (never, with the registry off). */
  private expiredInRegistry(jti: string | null): Promise<boolean> {
    return jti === null || this.expiry === null ? Promise.resolve(false) : this.expiry.load(jti);
  }

  /** The user, if they may still use a token with these claims. */
  private admit(user: UserSnapshot | null, claims: Claims, expired: boolean): Principal {
    if (!user) throw new UserNotFound();
    refuseInactive(user, this.settings);
    refuseVoided(claims, user, this.settings);
    if (expired) throw new TokenExpiredByRegistry('expired by the registry');
    if (this.revoked?.refused(this.codec.jtiOf(claims), user.id, claims.iat)) throw new TokenExpiredByRegistry('revoked (revocation list)');
    return user;
  }

  /** Drops a user's snapshot so the next request reads the database (after a change here). */
  forget(userId: number): void {
    // Snapshots are keyed by the token's user id claim, which is an email or a username when
    // USER_ID_FIELD says so; `claimKeys` remembers which key belongs to which user.
    this.cache.delete(this.claimKeys.get(userId) ?? userId);
    this.claimKeys.delete(userId);
  }

  private async load(tokenId: number | string): Promise<UserSnapshot | null> {
    const found = await this.users.findByTokenId(this.settings.USER_ID_FIELD, tokenId);
    const loaded = found && (await this.users.withPermissions(found.id));
    if (!loaded) return null;
    const { user, permissions } = loaded;
    const snapshot: UserSnapshot = Object.freeze({
      id: user.id,
      isActive: user.isActive,
      isStaff: user.isStaff,
      isSuperuser: user.isSuperuser,
      permissions,
      data: Object.freeze(this.serializer.serialize(user)),
      ...standingOf(user),
    });
    this.cache.set(tokenId, snapshot);
    if (tokenId !== user.id) this.claimKeys.set(user.id, tokenId);
    return snapshot;
  }
}
