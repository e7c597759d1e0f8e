// Request authentication in a client-service that holds the verifying key: the signature, type,
// expiry and audience are checked in-process, and the user comes from the local copy (or, with
// USER_FROM_CLAIM, from the token's user claim alone). Once that copy is fresh, a request costs no
// call to the auth-service.
import { JsonWebTokenError } from 'jsonwebtoken';
import type { Context } from 'koa';
import { refuseInactive } from '../core/active-user';
import type { Clock } from '../core/clock';
import type { AuthPrincipal, Principal } from '../core/principal';
import type { Claims, TokenCodec } from '../core/tokens';
import { BearerTokenRejected, InvalidUserClaim, NoUserId, TokenExpiredByRegistry } from '../errors';
import type { AccessClaimsState } from '../http/access-claims';
import { ACCESS_CLAIMS } from '../http/access-claims';
import type { RequestAuthenticator } from '../http/authenticator';
import type { BearerAccess } from '../http/bearer-verifier';
import { BearerVerifier } from '../http/bearer-verifier';
import type { Logger } from '../logger';
import type { RevocationList } from '../revocation/revocation-list';
import type { ClientSettings } from './client-settings';
import type { UserSync } from './user-sync';

/**
 * The principal a user claim (the auth-service's USER_PAYLOAD_CLAIM, djwto's shape) describes, or
 * null when the claim is missing or malformed. The auth-service only issues tokens to active users,
 * so the principal is active; `data` is the claim itself.
 *
 * @example
 *   principalFromUserClaim({ id: 3, email: 'user@test.com', is_staff: false, is_superuser: false, perms: ['app.view'] }, 3);
 */
export function principalFromUserClaim(claim: unknown, userId: number): AuthPrincipal | null;
export function principalFromUserClaim(claim: unknown, userId: number | string): Principal | null;
export function principalFromUserClaim(claim: unknown, userId: number | string): Principal | null {
  if (claim === null || typeof claim !== 'object' || Array.isArray(claim)) return null;
  const user = claim as Record<string, unknown>;
  const perms = Array.isArray(user.perms) ? user.perms.filter((perm): perm is string => typeof perm === 'string') : [];
  // The claim must name the user the token is for: a builder of the application's cannot fake it.
  if (user.id !== userId) return null;
  return Object.freeze({
    id: userId,
    isActive: true,
    isStaff: user.is_staff === true,
    isSuperuser: user.is_superuser === true,
    permissions: new Set(perms),
    data: Object.freeze({ ...user }),
  });
}

/**
 * Notices when every token fails its signature check: one forged token is an attack, but a run of
 * them with no good one in between means this service and the auth-service hold different keys.
 * Each request's reason stays at debug level; this says the likely cause once per run.
 */
class SignatureWatch {
  /** Bad signatures since the last accepted token. */
  streak = 0;

  constructor(private readonly logger: Logger) {}

  failed(error: unknown): void {
    if (!(error instanceof BearerTokenRejected) || !(error.cause instanceof JsonWebTokenError) || error.cause.message !== 'invalid signature') return;
    this.streak += 1;
    if (this.streak === SIGNATURE_FAILURES_BEFORE_WARNING) {
      this.logger.warn(
        { failures: this.streak },
        `the last ${this.streak} tokens all failed the signature check and none passed: this client-service's SIGNING_KEY (or VERIFYING_KEY) probably differs from the auth-service's`,
      );
    }
  }
}

/** How many bad signatures in a row, with no good token between, make the key-mismatch warning. */
export const SIGNATURE_FAILURES_BEFORE_WARNING = 5;

/**
 * Verifies Bearer access tokens (or the delivery mode's access cookie) locally.
 *
 * @example
 *   const principal = await new LocalVerification(settings, codec, sync, clock, null, logger).authenticate(ctx);
 */
export class LocalVerification implements RequestAuthenticator {
  private readonly bearer: BearerVerifier;
  /** USER_FROM_CLAIM principals by verified claims object (the memo hands out one per token). */
  private readonly fromClaims = new WeakMap<Claims, Principal>();

  constructor(
    private readonly settings: ClientSettings,
    private readonly codec: TokenCodec,
    private readonly users: UserSync,
    clock: Clock,
    /** The delivery mode's access-cookie lookup, tried when there is no Authorization header. */
    accessCookie: ((ctx: Context) => string | null) | null = null,
    /** Where the key-mismatch warning goes; none without a logger. */
    logger: Logger | null = null,
    /** What the auth-service revoked, kept current from its feed (none: revocations do not reach here). */
    private readonly revoked: RevocationList | null = null,
  ) {
    this.bearer = new BearerVerifier(settings, codec, clock, accessCookie);
    this.signatures = logger ? new SignatureWatch(logger) : null;
  }

  private readonly signatures: SignatureWatch | null;

  authenticate(ctx: Context): Principal | Promise<Principal> {
    let access: BearerAccess;
    try {
      access = this.bearer.read(ctx);
    } catch (error) {
      this.signatures?.failed(error);
      throw error;
    }
    // One field write: the success path pays nothing more for the watch.
    if (this.signatures) this.signatures.streak = 0;
    const { raw, claims, userId: id } = access;
    // For handlers that read more of the token than the principal (ctx.state.claims on a team's app).
    (ctx.state as AccessClaimsState)[ACCESS_CLAIMS] = claims;
    // Local copies are keyed by the auth-service's integer id.
    if (typeof id !== 'number') throw new NoUserId();
    // Two Map lookups: a session ended, a logout-all, a deactivation... anywhere, within the feed's bound.
    if (this.revoked?.refused(this.codec.jtiOf(claims), id, claims.iat)) throw new TokenExpiredByRegistry('revoked (revocation feed)');
    if (this.settings.USER_FROM_CLAIM !== null) return this.fromClaim(claims, id);
    // A stale or missing copy is fetched with the request's own token, as easyjwt does.
    const principal = this.users.principalFor(id, raw, ctx);
    return principal instanceof Promise ? principal.then((loaded) => this.active(loaded)) : this.active(principal);
  }

  private fromClaim(claims: Claims, id: number): Principal {
    const known = this.fromClaims.get(claims);
    if (known) return known;
    const principal = principalFromUserClaim(claims[this.settings.USER_FROM_CLAIM as string], id);
    if (!principal) throw new InvalidUserClaim(this.settings.USER_FROM_CLAIM as string);
    this.fromClaims.set(claims, principal);
    return principal;
  }

  private active(principal: Principal): Principal {
    refuseInactive(principal, this.settings);
    return principal;
  }
}
