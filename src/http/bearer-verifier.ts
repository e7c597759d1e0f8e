// The first half of request authentication, shared by both services: read the Bearer header,
// verify the access token (through the memo of verified tokens) and find the user id in it.
import type { Context } from 'koa';
import type { Clock } from '../core/clock';
import type { Claims, TokenCodec } from '../core/tokens';
import { VerifiedTokens } from '../core/verified-tokens';
import { BearerTokenRejected, InvalidToken, NotAuthenticated, NoUserId } from '../errors';
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
  /** Node lower-cases header names; reading `req.headers` directly skips Koa's lookup helpers. */
  private readonly headerKey: string;
  /** Each accepted scheme followed by its one space: `Bearer `. */
  private readonly prefixes: readonly string[];

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
    this.headerKey = settings.AUTH_HEADER_NAME.toLowerCase();
    this.prefixes = settings.AUTH_HEADER_TYPES.map((scheme) => `${scheme} `);
  }

  read(ctx: Context): BearerAccess {
    const value = ctx.req.headers[this.headerKey];
    const header = typeof value === 'string' ? value : undefined;
    // A repeated request: "<scheme> <token>" whose token was accepted before. The memo only ever
    // holds tokens that passed the full header parsing below, so a hit needs none of it.
    let raw = header === undefined ? null : this.tokenAfterScheme(header);
    let claims = raw === null ? null : this.verified.recall(raw, 'access');
    if (claims === null) {
      // The header first, as fastify-jwt looks up tokens; the cookie is only parsed when the
      // header carries no token of an accepted scheme (none at all, or another scheme).
      raw = readBearerToken(header, this.settings.AUTH_HEADER_TYPES);
      if (raw === null && this.fallback !== null) raw = this.fallback(ctx);
      if (raw === null) throw new NotAuthenticated();
      claims = this.verify(raw);
    }
    const userId = this.codec.userIdOf(claims);
    if (userId === null) throw new NoUserId();
    return { raw: raw as string, claims, userId };
  }

  /** What follows "<scheme> " in the header, unchecked; null for another scheme. */
  private tokenAfterScheme(header: string): string | null {
    for (let i = 0; i < this.prefixes.length; i++) {
      if (header.startsWith(this.prefixes[i])) return header.slice(this.prefixes[i].length);
    }
    return null;
  }

  private verify(raw: string): Claims {
    try {
      return this.verified.verify(raw, 'access');
    } catch (error) {
      throw error instanceof InvalidToken ? new BearerTokenRejected(error) : error;
    }
  }
}
