// The first half of request authentication, shared by both services: read the Bearer header,
// verify the access token (through the memo of verified tokens) and find the user id in it.
import type { Context } from 'koa';
import type { Clock } from '../core/clock';
import type { Claims, TokenCodec } from '../core/tokens';
import { VerifiedTokens } from '../core/verified-tokens';
import { AuthenticationFailed, BearerTokenRejected, InvalidToken, NotAuthenticated } from '../errors';
import type { Settings } from '../settings';
import { readBearerToken } from './bearer';

/** A request's verified access token. */
export interface BearerAccess {
  readonly raw: string;
  readonly claims: Claims;
  readonly userId: number | string;
}

type BearerSettings = Pick<Settings, 'AUTH_HEADER_NAME' | 'AUTH_HEADER_TYPES' | 'LEEWAY' | 'USER_CACHE_SIZE' | 'TOKEN_TYPE_CLAIM'>;

/**
 * Verifies `Authorization: Bearer <access>` (or, in the cookie modes, the access cookie) with the contract's 401s: none or another scheme,
 * a malformed header, a bad or non-access token, a token without a user id.
 *
 * @example
 *   const { claims, userId } = bearer.read(ctx);
 */
export class BearerVerifier {
  private readonly verified: VerifiedTokens;

  constructor(
    private readonly settings: BearerSettings,
    private readonly codec: TokenCodec,
    clock: Clock,
    /**
     * Where to look when the request has no Authorization header: the delivery mode's access
     * cookie (see TokenDelivery.readAccessCookie), or null in the modes without one.
     */
    private readonly fallback: ((ctx: Context) => string | null) | null = null,
  ) {
    this.verified = new VerifiedTokens(codec, clock, settings.LEEWAY, settings.USER_CACHE_SIZE, settings.TOKEN_TYPE_CLAIM);
  }

  read(ctx: Context): BearerAccess {
    // The header first, as fastify-jwt looks up tokens: a request that sends one is read exactly
    // as in json mode, and the cookie is only parsed when there is no header.
    let raw = readBearerToken(ctx.get(this.settings.AUTH_HEADER_NAME), this.settings.AUTH_HEADER_TYPES);
    if (raw === null && this.fallback !== null) raw = this.fallback(ctx);
    if (raw === null) throw new NotAuthenticated();
    let claims: Claims;
    try {
      claims = this.verified.verify(raw, 'access');
    } catch (error) {
      throw error instanceof InvalidToken ? new BearerTokenRejected(error) : error;
    }
    const userId = this.codec.userIdOf(claims);
    if (userId === null) throw noUserId();
    return { raw, claims, userId };
  }
}

/** simplejwt's answer for a token whose user id claim is missing or unusable. */
export const noUserId = (): AuthenticationFailed =>
  new AuthenticationFailed('Token contained no recognizable user identification', 'token_not_valid');
