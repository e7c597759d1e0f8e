// What a user's record says about the tokens issued to them: a password change, a logout-all and
// (with CHECK_REVOKE_TOKEN) the password digest each void every token issued before them. The
// refresh path and every authenticated request apply the same rules, so they live here, apart from
// the endpoints' logic: the request path imports this file and nothing heavier.
import type { Claims } from '../core/tokens';
import { passwordDigest } from '../core/passwords';
import type { User } from '../entities';
import { PasswordChanged, TokenExpiredByRegistry } from '../errors';
import type { Settings } from '../settings';

/** What a user's record says about their tokens (the request path caches it per user). */
export interface TokenStanding {
  /** The epoch second of the last password change: tokens issued at or before it are void. */
  readonly passwordChangedSecond: number | null;
  /** Compared with the revoke claim; only read with CHECK_REVOKE_TOKEN on. */
  readonly passwordDigest: string;
  /** The epoch second of the last logout-all: tokens issued at or before it are void. */
  readonly tokensValidAfterSecond: number | null;
}

const epochSecond = (date: Date | null): number | null => (date ? Math.floor(date.getTime() / 1000) : null);

/**
 * The standing of `user`'s tokens.
 *
 * @example
 *   refuseVoided(claims, standingOf(user), settings);
 */
export function standingOf(user: Pick<User, 'password' | 'passwordChangedAt' | 'tokensValidAfter'>): TokenStanding {
  return {
    passwordChangedSecond: epochSecond(user.passwordChangedAt),
    passwordDigest: passwordDigest(user.password),
    tokensValidAfterSecond: epochSecond(user.tokensValidAfter),
  };
}

/**
 * Refuses claims that the user's record voids: issued before a password change or a logout-all,
 * or carrying an old password's revoke claim.
 */
export function refuseVoided(claims: Claims, standing: TokenStanding, settings: Pick<Settings, 'CHECK_REVOKE_TOKEN' | 'REVOKE_TOKEN_CLAIM'>): void {
  const issuedAt = claims.iat as number;
  if (standing.passwordChangedSecond !== null && issuedAt <= standing.passwordChangedSecond) throw new PasswordChanged();
  if (settings.CHECK_REVOKE_TOKEN && claims[settings.REVOKE_TOKEN_CLAIM] !== standing.passwordDigest) throw new PasswordChanged();
  // Logout-all: one comparison against the user, no row per token.
  if (standing.tokensValidAfterSecond !== null && issuedAt <= standing.tokensValidAfterSecond) throw new TokenExpiredByRegistry('issued before a logout-all');
}

/**
 * The second after which a new token can be told apart from the ones a password change or a
 * logout-all voided, or null when neither happened. Tokens carry whole seconds, so a token issued
 * in the same second as the change could not be told from one issued just before it.
 */
export function voidedUntilSecond(standing: TokenStanding): number | null {
  const seconds = [standing.passwordChangedSecond, standing.tokensValidAfterSecond].filter((second): second is number => second !== null);
  return seconds.length === 0 ? null : Math.max(...seconds);
}
