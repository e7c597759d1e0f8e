// Request authentication in a client-service that does not hold the auth-service's key (a stock
// Django easyjwt auth-service): the easyjwt protocol, verify then user, cached per token so a
// repeated token costs no upstream call until its entry expires.
import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import { refuseInactive } from '../core/active-user';
import type { Clock } from '../core/clock';
import type { Principal } from '../core/principal';
import { requestInfo } from '../core/request-info';
import type { Claims } from '../core/tokens';
import { unverifiedClaims } from '../core/tokens';
import { TtlCache } from '../core/ttl-cache';
import { NotAuthenticated, TokenExpiredByRegistry, UpstreamRejected } from '../errors';
import type { AccessClaimsState } from '../http/access-claims';
import { ACCESS_CLAIMS } from '../http/access-claims';
import type { RequestAuthenticator } from '../http/authenticator';
import { readBearerToken } from '../http/bearer';
import type { RevocationList } from '../revocation/revocation-list';
import type { ClientSettings } from './client-settings';
import type { AuthServiceClient } from './upstream';
import type { UserSync } from './user-sync';

/**
 * Asks the auth-service about each new token.
 *
 * @example
 *   const principal = await remote.authenticate(ctx); // two upstream calls the first time, none after
 */
export class RemoteVerification implements RequestAuthenticator {
  private readonly verdicts: TtlCache<string, { principal: Principal; exp: number | null; claims: Claims | null; at: number }>;

  constructor(
    private readonly settings: ClientSettings,
    private readonly upstream: AuthServiceClient,
    private readonly users: UserSync,
    private readonly clock: Clock,
    /** The delivery mode's access-cookie lookup, tried when there is no Authorization header. */
    private readonly accessCookie: ((ctx: Context) => string | null) | null = null,
    /** What the auth-service revoked, from its feed: a cached verdict must not hide it. */
    private readonly revoked: RevocationList | null = null,
  ) {
    this.verdicts = new TtlCache(settings.REMOTE_VERIFY_CACHE_TTL, settings.USER_CACHE_SIZE, clock);
  }

  async authenticate(ctx: Context): Promise<Principal> {
    let raw = readBearerToken(ctx.get(this.settings.AUTH_HEADER_NAME), this.settings.AUTH_HEADER_TYPES);
    if (raw === null && this.accessCookie !== null) raw = this.accessCookie(ctx);
    if (raw === null) throw new NotAuthenticated();
    // Keyed by a digest so the cache never holds bearer tokens themselves.
    const key = createHash('sha256').update(raw).digest('base64url');
    const known = this.verdicts.get(key);
    if (known && (known.exp === null || known.exp > this.clock.now() / 1000)) {
      if (this.revokedClaims(known.claims)) throw new TokenExpiredByRegistry('revoked (revocation feed)');
      // A user announced changed since the verdict: ask again, which also refreshes the copy.
      const id = known.principal.id;
      if (!(typeof id === 'number' && this.revoked?.changedSince(id, known.at))) return this.checked(known.principal, known.claims, ctx);
    }

    const verified = await this.upstream.post(this.settings.REMOTE_AUTH_SERVICE_VERIFY_PATH, { token: raw });
    if (verified.status !== 200) throw new UpstreamRejected(verified.body, verified.status);
    const user = await this.upstream.getWithToken(this.settings.REMOTE_AUTH_SERVICE_USER_PATH, `${this.settings.AUTH_HEADER_TYPES[0]} ${raw}`);
    if (user.status !== 200) throw new UpstreamRejected(user.body, user.status);
    const principal = await this.users.upsert(user.body, 'remote-verification', requestInfo(ctx));
    // The auth-service vouched for the token, so its payload is as good as verified here; its own
    // `exp` only bounds how long the verdict is reused.
    const claims = unverifiedClaims(raw);
    const exp = claims?.exp;
    this.verdicts.set(key, { principal, exp: typeof exp === 'number' ? exp : null, claims, at: this.clock.now() });
    return this.checked(principal, claims, ctx);
  }

  /** Whether the feed revoked the token these (vouched-for) claims belong to. */
  private revokedClaims(claims: Claims | null): boolean {
    if (!this.revoked || claims === null) return false;
    const jti = claims[this.settings.JTI_CLAIM];
    const userId = claims[this.settings.USER_ID_CLAIM];
    const id = typeof userId === 'number' ? userId : typeof userId === 'string' && /^\d+$/.test(userId) ? Number(userId) : null;
    return this.revoked.refused(typeof jti === 'string' ? jti : null, id, claims.iat);
  }

  private checked(principal: Principal, claims: Claims | null, ctx: Context): Principal {
    refuseInactive(principal, this.settings);
    if (claims !== null) (ctx.state as AccessClaimsState)[ACCESS_CLAIMS] = claims;
    return principal;
  }
}
