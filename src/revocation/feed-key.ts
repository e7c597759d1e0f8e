// The credential of the revocation feed. Shared-key deployments need nothing extra: with an HMAC
// algorithm the key is derived from SIGNING_KEY, which both sides already hold; the derivation is
// one-way, so the feed key never reveals the signing key.
import { createHmac } from 'node:crypto';

/** The fixed label the derived key is the HMAC of. */
const FEED_KEY_LABEL = 'koa-easyjwt revocation feed v1';

/** The request header that carries the key. */
export const FEED_KEY_HEADER = 'X-EasyJWT-Revocation-Key';

/** What the key is derived from. */
export interface FeedKeySettings {
  readonly ALGORITHM: string;
  readonly SIGNING_KEY: string | null;
  readonly REVOCATION_FEED_KEY: string | null;
}

/**
 * The feed key, or the reason there is none (the feed is then not served, or not read).
 *
 * @example
 *   const key = feedKeyOf(settings); // { key: '...' } or { reason: 'no REVOCATION_FEED_KEY ...' }
 */
export function feedKeyOf(settings: FeedKeySettings): { readonly key: string } | { readonly reason: string } {
  if (settings.REVOCATION_FEED_KEY !== null) return { key: settings.REVOCATION_FEED_KEY };
  if (!settings.ALGORITHM.startsWith('HS')) return { reason: `REVOCATION_FEED_KEY is not set and ${settings.ALGORITHM} has no shared key to derive it from` };
  if (settings.SIGNING_KEY === null) return { reason: 'neither REVOCATION_FEED_KEY nor SIGNING_KEY is set' };
  return { key: createHmac('sha256', settings.SIGNING_KEY).update(FEED_KEY_LABEL).digest('base64url') };
}
