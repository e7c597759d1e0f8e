// Which way a client-service verifies tokens, decided once at start-up, with the reason said in
// words: `local` with a configured key, `jwks` with the keys the auth-service publishes, `remote`
// by asking it. Under 'auto' a configured key wins, then a JWKS holding a usable key, then remote
// (an HS-only auth-service publishes an empty set, a Django one none at all).
import type { Clock } from '../core/clock';
import type { Logger } from '../logger';
import type { ClientSettings } from './client-settings';
import { jwksUrlOf, verifiesLocally } from './client-settings';
import { JwksKeys } from '../jwks/jwks-keys';
import type { AuthServiceClient } from './upstream';

/** How requests are verified. */
export type VerificationMode = 'local' | 'jwks' | 'remote';

/** The mode picked, why, and in jwks mode the key set, loaded (or still empty if the JWKS did not answer). */
export interface VerificationChoice {
  readonly mode: VerificationMode;
  /** Why this mode, for the start-up log line: `a SIGNING_KEY is configured`. */
  readonly reason: string;
  readonly jwks: JwksKeys | null;
}

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

/**
 * Picks the verification mode of `settings`; fetches the JWKS when jwks is asked for or may be
 * picked. In jwks mode a JWKS that does not answer yet is a warning, not a refusal to start: an
 * auth-service may start after its clients, and an unknown kid makes the service fetch again.
 *
 * @example
 *   const { mode, reason, jwks } = await chooseVerification(settings, upstream, clock, logger);
 */
export async function chooseVerification(settings: ClientSettings, upstream: AuthServiceClient, clock: Clock, logger: Logger): Promise<VerificationChoice> {
  const asked = settings.TOKEN_VERIFICATION;
  if (verifiesLocally(settings)) {
    const key = settings.ALGORITHM.startsWith('HS') ? 'SIGNING_KEY' : 'VERIFYING_KEY';
    return { mode: 'local', reason: asked === 'local' ? 'TOKEN_VERIFICATION=local' : `a ${key} is configured`, jwks: null };
  }
  if (asked === 'remote') return { mode: 'remote', reason: 'TOKEN_VERIFICATION=remote', jwks: null };

  const jwks = new JwksKeys({ url: jwksUrlOf(settings), maxAge: settings.JWKS_MAX_AGE, cooldown: settings.JWKS_REFETCH_COOLDOWN }, upstream, clock, logger);
  const loaded = await jwks.load();
  if (asked === 'jwks') {
    if (!loaded.ok) {
      logger.warn(
        { jwksUrl: jwks.url, reason: loaded.reason },
        `the auth-service's JWKS at ${jwks.url} does not answer: every token is refused until it does (it is fetched again in the background, and when a token arrives)`,
      );
      return { mode: 'jwks', reason: `TOKEN_VERIFICATION=jwks; no key yet from ${jwks.url} (${loaded.reason})`, jwks };
    }
    if (loaded.keys === 0) {
      logger.warn({ jwksUrl: jwks.url }, `the auth-service's JWKS at ${jwks.url} holds no usable key: every token is refused until it does`);
    }
    return { mode: 'jwks', reason: `TOKEN_VERIFICATION=jwks; ${plural(loaded.keys, 'key')} from ${jwks.url}`, jwks };
  }
  if (loaded.ok && loaded.keys > 0) {
    return { mode: 'jwks', reason: `no key configured, and the auth-service publishes ${plural(loaded.keys, 'usable key')} at ${jwks.url}`, jwks };
  }
  jwks.close();
  let why: string;
  if (!loaded.ok) why = `no JWKS at ${jwks.url} (${loaded.reason})`;
  else if (loaded.skipped > 0) why = `none of the ${plural(loaded.skipped, 'key')} of the JWKS at ${jwks.url} is usable`;
  else why = `the auth-service publishes no key at ${jwks.url} (it signs with a shared secret)`;
  return { mode: 'remote', reason: `no key configured, and ${why}`, jwks: null };
}
