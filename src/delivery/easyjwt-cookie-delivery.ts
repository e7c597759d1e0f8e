// The `easyjwt-cookie` delivery mode: django-easyjwt 1.1's client-service with
// REFRESH_TOKEN_IN_COOKIE, so a single-page app written for it works against ours unchanged. The
// access token travels in the body (the page keeps it in memory and sends it as Bearer); the
// refresh token in an HttpOnly cookie, `refresh_token` on `/`; and login, refresh and logout are
// guarded by Django's CSRF double submit: the page first GETs /auth/csrf/, which sets `csrftoken`,
// and repeats that cookie in X-CSRFToken. Refusals are worded as DRF on Django 3.2 words them.
import type { Context } from 'koa';
import type { Clock } from '../core/clock';
import { unverifiedExp } from '../core/tokens';
import { NoRefreshCookie } from '../errors';
import type { CookieSpec } from './cookies';
import { cookieOf, deleteCookie, writeCookie } from './cookies';
import { CsrfGuard } from './csrf';
import type { DeliveredTokens, DeliveryParts, DeliverySettings, RefreshInput, TokenDelivery } from './delivery';
import { DJANGO_CSRF, DJANGO_CSRF_COOKIE_AGE, isDjangoCsrfToken, newDjangoCsrfToken } from './django-csrf';

/**
 * Access in the body, refresh in a cookie, Django's CSRF cookie. Unlike refresh-cookie, the login
 * needs the CSRF token too (easyjwt 1.1 wraps its login view in Django's CSRF check), the answers
 * carry no `csrf_token`, and the refresh token is read from its cookie only, never from a body.
 *
 * @example
 *   new EasyJwtCookieDelivery({ settings, clock }).writeTokens(ctx, { event: 'obtain', refresh, access });
 *   // body {"access"}; Set-Cookie: refresh_token=...; Path=/; HttpOnly; Secure; SameSite=Lax
 */
export class EasyJwtCookieDelivery implements TokenDelivery {
  readonly mode = 'easyjwt-cookie' as const;
  readonly usesCookies = true;
  /** Protected routes read the Authorization header only, as easyjwt's do. */
  readonly readAccessCookie = null;
  readonly issueCsrfCookie: (ctx: Context) => void;

  private readonly settings: DeliverySettings;
  private readonly clock: Clock;
  private readonly csrf: CsrfGuard;
  // One path for both cookies, COOKIE_PATH ("/"), as easyjwt's AUTH_COOKIE_PATH and Django's
  // CSRF_COOKIE_PATH default to: a browser moving from a Django client-service keeps one cookie
  // of each name, which ours then replaces and clears.
  private readonly refreshCookie: CookieSpec;
  private readonly csrfCookie: CookieSpec;

  constructor(parts: DeliveryParts) {
    this.settings = parts.settings;
    this.clock = parts.clock;
    this.csrf = new CsrfGuard(parts.settings, parts.onCsrfRejected, DJANGO_CSRF);
    this.refreshCookie = { name: parts.settings.REFRESH_COOKIE_NAME, path: parts.settings.COOKIE_PATH, httpOnly: true };
    // Not HttpOnly: the page reads it to write the header. That is the point of the double submit.
    this.csrfCookie = { name: parts.settings.CSRF_COOKIE_NAME, path: parts.settings.COOKIE_PATH, httpOnly: false };
    this.issueCsrfCookie = (ctx) => this.setCsrfCookie(ctx);
  }

  guardLogin(ctx: Context): void {
    this.guard(ctx);
  }

  readRefresh(ctx: Context): RefreshInput {
    this.guard(ctx);
    const cookie = cookieOf(ctx, this.settings.REFRESH_COOKIE_NAME);
    if (cookie === null) throw new NoRefreshCookie();
    return { token: cookie, fromCookie: true };
  }

  writeTokens(ctx: Context, tokens: DeliveredTokens, extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
    // A refresh without rotation leaves the cookie as it is, as easyjwt does.
    if (tokens.refresh) writeCookie(ctx, this.refreshCookie, tokens.refresh, this.refreshMaxAge(tokens.refresh), this.settings);
    return { access: tokens.access, ...extra };
  }

  /** Drops the refresh cookie; the CSRF cookie stays, as Django keeps it across logins. */
  clear(ctx: Context): void {
    deleteCookie(ctx, this.refreshCookie, this.settings);
  }

  /** Origin, then Django's double submit, whether or not a refresh cookie came: easyjwt checks CSRF first. */
  private guard(ctx: Context): void {
    this.csrf.checkOrigin(ctx);
    this.csrf.checkDoubleSubmit(ctx);
  }

  /**
   * Keeps a well-formed CSRF cookie (other tabs hold its value) and sends it again with a fresh
   * lifetime, or sets a new one: what Django's ensure_csrf_cookie does.
   */
  private setCsrfCookie(ctx: Context): void {
    const existing = cookieOf(ctx, this.settings.CSRF_COOKIE_NAME);
    const token = existing !== null && isDjangoCsrfToken(existing) ? existing : newDjangoCsrfToken();
    writeCookie(ctx, this.csrfCookie, token, DJANGO_CSRF_COOKIE_AGE, this.settings);
  }

  /** REFRESH_COOKIE_MAX_AGE, or what is left of the token's lifetime; a session cookie without a readable `exp`. */
  private refreshMaxAge(refresh: string): number | null {
    if (this.settings.REFRESH_COOKIE_MAX_AGE !== null) return this.settings.REFRESH_COOKIE_MAX_AGE;
    const exp = unverifiedExp(refresh);
    return exp === null ? null : Math.max(0, exp - Math.floor(this.clock.now() / 1000));
  }
}
