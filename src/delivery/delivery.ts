// The delivery-mode interface: where a service puts the tokens it hands out and where it looks
// for them in requests. One strategy per mode (json-delivery.ts, refresh-cookie-delivery.ts,
// one-cookie-delivery.ts, two-cookies-delivery.ts, easyjwt-cookie-delivery.ts), chosen once from
// DELIVERY_MODE.
import type { Context } from 'koa';
import type { Clock } from '../core/clock';
import { NoRefreshToken } from '../errors';
import type { CsrfRejectedEvent } from '../events';
import type { DeliveryMode, Settings } from '../settings';

/** The settings a delivery strategy reads; both services have them all. */
export type DeliverySettings = Pick<
  Settings,
  | 'DELIVERY_MODE'
  | 'URL_PREFIX'
  | 'ACCESS_COOKIE_NAME'
  | 'REFRESH_COOKIE_NAME'
  | 'PAYLOAD_COOKIE_NAME'
  | 'CSRF_COOKIE_NAME'
  | 'CSRF_HEADER_NAME'
  | 'COOKIE_DOMAIN'
  | 'COOKIE_PATH'
  | 'COOKIE_SECURE'
  | 'COOKIE_SAMESITE'
  | 'ACCESS_COOKIE_MAX_AGE'
  | 'REFRESH_COOKIE_MAX_AGE'
  | 'CSRF_TRUSTED_ORIGINS'
>;

/** What a login (obtain) or a refresh hands out. Key order is kept in JSON bodies. */
export interface DeliveredTokens {
  /** `obtain` (a login) mints a new CSRF token; `refresh` keeps the browser's. */
  readonly event: 'obtain' | 'refresh';
  readonly access: string;
  /** A new refresh token: every login, and refreshes under rotation. */
  readonly refresh?: string;
  /** The refresh token the request used (refresh only): what the CSRF cookie's lifetime follows without rotation. */
  readonly refreshUsed?: string;
}

/** A refresh token found in a request, and whether it came from a cookie (then CSRF was checked). */
export interface RefreshInput {
  readonly token: string;
  readonly fromCookie: boolean;
}

/** What a strategy is built from. */
export interface DeliveryParts {
  readonly settings: DeliverySettings;
  readonly clock: Clock;
  /** Told of every CSRF refusal (the services announce it as `csrfRejected`). */
  readonly onCsrfRejected?: (event: CsrfRejectedEvent) => void;
}

/**
 * One delivery mode.
 *
 * @example
 *   const delivery = createDelivery({ settings, clock });
 *   ctx.body = delivery.writeTokens(ctx, { event: 'obtain', refresh, access }, { user });
 */
export interface TokenDelivery {
  readonly mode: DeliveryMode;
  /** Whether the mode puts credentials in cookies (then the CSRF checks apply). */
  readonly usesCookies: boolean;
  /**
   * Where protected routes look after the Authorization header: the access cookie (with the
   * double-submit check on unsafe methods), or null when the mode keeps access tokens out of
   * cookies, so the header path stays exactly what it is in json mode.
   */
  readonly readAccessCookie: ((ctx: Context) => string | null) | null;
  /**
   * The CSRF checks a login must pass before the credentials are looked at: the origin in every
   * cookie mode, plus the double submit in easyjwt-cookie (whose page fetched a CSRF cookie
   * first); json: nothing to do.
   */
  guardLogin(ctx: Context): void;
  /**
   * Sets the mode's CSRF cookie for a page about to log in (`GET /auth/csrf/`), or null when the
   * mode has no such step and the route is not served (the other cookie modes hand out their CSRF
   * token with the login itself).
   */
  readonly issueCsrfCookie: ((ctx: Context) => void) | null;
  /**
   * The refresh token of a refresh or logout request: json mode reads `{"refresh"}` from the body
   * (400 without it); cookie modes check the origin, then take the refresh cookie (checking the
   * CSRF token) or else a `refresh` field of the body, and answer 401 when there is neither.
   * easyjwt-cookie checks the CSRF token first, whatever comes, and reads the cookie only, as
   * easyjwt 1.1 does.
   */
  readRefresh(ctx: Context, body: unknown): RefreshInput;
  /**
   * Puts tokens where the mode says (cookies, body) and returns the JSON body: the tokens the
   * mode leaves in the body, `csrf_token` in cookie modes, then `extra` (e.g. `user`).
   */
  writeTokens(ctx: Context, tokens: DeliveredTokens, extra?: Readonly<Record<string, unknown>>): Record<string, unknown>;
  /** Drops every cookie the mode sets (logout; json: nothing to do). */
  clear(ctx: Context): void;
}

/**
 * The refresh token of a cookie-mode logout, or null when the request carries none (a logout
 * without one still clears the cookies); other refusals (origin, CSRF) are thrown.
 */
export function readRefreshIfAny(delivery: TokenDelivery, ctx: Context, body: unknown): RefreshInput | null {
  try {
    return delivery.readRefresh(ctx, body);
  } catch (error) {
    if (error instanceof NoRefreshToken) return null;
    throw error;
  }
}
