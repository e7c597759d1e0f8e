// The registry's verdict on a refresh token presented at refresh, as a pure function of the
// token's record, its session, the clock and the settings: no database, no codec, so each case
// (revoked, rotated inside the grace window, reused after it, past the session's lifetime, ...) is
// decided in one place and unit-tested on its own.
//
// A login holds one live chain: a rotated-out token presented again inside the grace window (a
// client's near-simultaneous refreshes, or a retry after a lost answer) gets the rotation already
// recorded for it, signed again, never a new branch that reuse detection could not see.
import type { EasyJwtError } from '../errors';
import { SessionLifetimeExceeded, TokenBlacklisted, TokenExpiredByRegistry } from '../errors';
import type { Rotation, SessionStanding, TokenRecord } from '../registry/token-registry';
import type { Settings } from '../settings';
import { reuseDetection } from '../settings';

/** The settings the verdict reads. */
export type VerdictSettings = Pick<Settings, 'ROTATE_REFRESH_TOKENS' | 'BLACKLIST_AFTER_ROTATION' | 'REFRESH_TOKEN_REUSE_DETECTION' | 'ROTATION_GRACE_PERIOD'>;

/**
 * What to do with the presented refresh token once new tokens are issued:
 * - `keep`: no rotation, the token stays usable;
 * - `rotate`: rotation without blacklisting or reuse detection (simplejwt's plain rotation);
 * - `mark`: rotate and mark it rotated out, so a later reuse is recognised;
 * - `mark-and-blacklist`: as `mark`, and blacklist it, unless a concurrent refresh (inside the
 *   grace window) marked it first;
 * - `blacklist`: rotate and blacklist it; losing that race to a concurrent refresh refuses this one.
 */
export type Retirement = 'keep' | 'rotate' | 'mark' | 'mark-and-blacklist' | 'blacklist';

/** The verdict on a presented refresh token. */
export type RefreshVerdict =
  /** Refused; nothing to write. */
  | { readonly kind: 'refuse'; readonly error: EasyJwtError }
  /** A rotated-out token came back after the grace window: expire its family, then refuse. */
  | { readonly kind: 'reuse' }
  /** A rotated-out token came back inside the grace window: answer its recorded rotation again. */
  | { readonly kind: 'replay'; readonly rotation: Rotation }
  /** Issue new tokens, none living past `notAfter` (epoch seconds) when the session is capped. */
  | { readonly kind: 'issue'; readonly notAfter: number | null; readonly retire: Retirement };

/** How the settings retire a refresh token that was just used. */
export function retirement(settings: VerdictSettings): Retirement {
  if (!settings.ROTATE_REFRESH_TOKENS) return 'keep';
  if (reuseDetection(settings)) return settings.BLACKLIST_AFTER_ROTATION ? 'mark-and-blacklist' : 'mark';
  return settings.BLACKLIST_AFTER_ROTATION ? 'blacklist' : 'rotate';
}

/**
 * Decides a refresh. `session` is the standing of the token's session (null when it has none).
 *
 * @example
 *   const verdict = refreshVerdict(record, session, new Date(), settings);
 *   if (verdict.kind === 'refuse') throw verdict.error;
 */
export function refreshVerdict(record: TokenRecord, session: SessionStanding | null, now: Date, settings: VerdictSettings): RefreshVerdict {
  if (record.expired) return { kind: 'refuse', error: new TokenExpiredByRegistry(`jti ${record.jti} expired by the registry`) };
  const rotatedOut = reuseDetection(settings) && record.rotatedAt !== null;
  if (rotatedOut) {
    // Inside the grace window this is the other half of near-simultaneous refreshes from one
    // client, answered even though the first one may have blacklisted the token.
    if (now.getTime() - record.rotatedAt.getTime() > settings.ROTATION_GRACE_PERIOD * 1000) return { kind: 'reuse' };
  } else if (record.revoked) {
    return { kind: 'refuse', error: new TokenBlacklisted() };
  }
  let notAfter: number | null = null;
  if (session !== null) {
    if (session.ended) return { kind: 'refuse', error: new TokenExpiredByRegistry(`session ${String(record.sessionId)} was ended`) };
    if (session.endsAt !== null) {
      if (session.endsAt.getTime() <= now.getTime()) return { kind: 'refuse', error: new SessionLifetimeExceeded() };
      notAfter = Math.floor(session.endsAt.getTime() / 1000);
    }
  }
  // A row rotated before rotations were recorded has none to answer: it gets new tokens, as then.
  if (rotatedOut && record.rotation !== null) return { kind: 'replay', rotation: record.rotation };
  return { kind: 'issue', notAfter, retire: retirement(settings) };
}

/**
 * Whether a recorded rotation may be answered again, given the record of the refresh token it
 * answered (null when the registry holds none): a token logged out or blacklisted since (revoked
 * without being rotated) or expired by the registry ends that chain, and the replay is refused as
 * that token would be. One rotated on since is still answered: it is the pair the first refresh gave.
 *
 * @example
 *   const refusal = replayRefusal(await registry.find(verdict.rotation.refresh.jti, manager));
 *   if (refusal) throw refusal;
 */
export function replayRefusal(successor: Pick<TokenRecord, 'jti' | 'revoked' | 'expired' | 'rotatedAt'> | null): EasyJwtError | null {
  if (successor === null) return null;
  if (successor.expired) return new TokenExpiredByRegistry(`jti ${successor.jti}, which replaced the presented token, expired by the registry`);
  if (successor.revoked && successor.rotatedAt === null) return new TokenBlacklisted();
  return null;
}
