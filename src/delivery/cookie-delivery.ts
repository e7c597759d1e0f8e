// What every cookie delivery mode shares: the refresh token in an HttpOnly cookie whose path is
// narrowed to the refresh and logout endpoints, the CSRF cookie, the origin check, and clearing.
// Each mode (refresh-cookie, one-cookie, two-cookies) only says where the access token goes.
import type { Context } from 'koa';
import type { Clock } from '../core/clock';
import { unverifiedExp } from '../core/tokens';
import { NoRefreshToken } from '../errors';
import { requireStrings } from '../http/fields';
import type { DeliveryMode } from '../settings';
import type { CookieSpec } from './cookies';
import { cookieOf, deleteCookie, writeCookie } from './cookies';
import { CsrfGuard, isSafeMethod, newCsrfToken } from './csrf';
import type { DeliveredTokens, DeliveryParts, DeliverySettings, RefreshInput, TokenDelivery } from './delivery';

/** A CSRF token as we mint them; anything else in the cookie is replaced at the next refresh. */
const CSRF_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The shared half of the cookie modes.
 *
 * @example
 *   class RefreshCookieDelivery extends CookieDelivery {
 *     readonly mode = 'refresh-cookie' as const;
 *     protected writeAccess(_ctx: Context, access: string) { return { access }; }
 *     protected accessCookies() { return []; }
 *   }
 */
export abstract class CookieDelivery implements TokenDelivery {
  abstract readonly mode: Exclude<DeliveryMode, 'json' | 'easyjwt-cookie'>;
  readonly usesCookies = true;
  readonly readAccessCookie: ((ctx: Context) => string | null) | null;
  readonly issueCsrfCookie = null;

  protected readonly settings: DeliverySettings;
  protected readonly clock: Clock;
  protected readonly csrf: CsrfGuard;
  /** The refresh cookie, once per endpoint that reads it: a cookie has one path, we need two. */
  private readonly refreshCookies: readonly CookieSpec[];
  private readonly csrfCookie: CookieSpec;
  protected readonly accessCookie: CookieSpec;

  constructor(parts: DeliveryParts, carriesAccess: boolean) {
    const settings = parts.settings;
    this.settings = settings;
    this.clock = parts.clock;
    this.csrf = new CsrfGuard(settings, parts.onCsrfRejected);
    // Paths without the trailing slash match the endpoint with and without it, and nothing else.
    this.refreshCookies = [`${settings.URL_PREFIX}/token/refresh`, `${settings.URL_PREFIX}/logout`].map((path) => ({
      name: settings.REFRESH_COOKIE_NAME,
      path,
      httpOnly: true,
    }));
    this.csrfCookie = { name: settings.CSRF_COOKIE_NAME, path: settings.COOKIE_PATH, httpOnly: false };
    this.accessCookie = { name: settings.ACCESS_COOKIE_NAME, path: settings.COOKIE_PATH, httpOnly: true };
    this.readAccessCookie = carriesAccess ? (ctx) => this.accessFromCookie(ctx) : null;
  }

  guardLogin(ctx: Context): void {
    this.csrf.checkOrigin(ctx);
  }

  readRefresh(ctx: Context, body: unknown): RefreshInput {
    this.csrf.checkOrigin(ctx);
    const cookie = cookieOf(ctx, this.settings.REFRESH_COOKIE_NAME);
    if (cookie !== null) {
      this.csrf.checkDoubleSubmit(ctx);
      return { token: cookie, fromCookie: true };
    }
    // A token in the body is accepted as in json mode; no page can forge a token it does not know.
    if (body !== null && typeof body === 'object' && 'refresh' in body) return { token: requireStrings(body, { refresh: {} }).refresh, fromCookie: false };
    throw new NoRefreshToken();
  }

  writeTokens(ctx: Context, tokens: DeliveredTokens, extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
    const body = this.writeAccess(ctx, tokens.access);
    if (tokens.refresh) for (const spec of this.refreshCookies) writeCookie(ctx, spec, tokens.refresh, this.refreshMaxAge(tokens.refresh), this.settings);
    // A login always gets a fresh CSRF token; a refresh keeps the browser's, so other tabs holding
    // it keep working, and re-sends it only when its lifetime follows a new refresh token.
    const existing = tokens.event === 'refresh' ? cookieOf(ctx, this.settings.CSRF_COOKIE_NAME) : null;
    const csrf = existing !== null && CSRF_TOKEN.test(existing) ? existing : newCsrfToken();
    const lifetimeOf = tokens.refresh ?? tokens.refreshUsed;
    if (csrf !== existing || tokens.refresh) writeCookie(ctx, this.csrfCookie, csrf, lifetimeOf ? this.refreshMaxAge(lifetimeOf) : null, this.settings);
    body.csrf_token = csrf;
    return Object.assign(body, extra);
  }

  clear(ctx: Context): void {
    for (const spec of [...this.accessCookies(), ...this.refreshCookies, this.csrfCookie]) deleteCookie(ctx, spec, this.settings);
  }

  /** Writes the access token's cookies, if the mode has any; returns the body's token fields. */
  protected abstract writeAccess(ctx: Context, access: string): Record<string, unknown>;

  /** The cookies `writeAccess` may have set, for `clear`. */
  protected abstract accessCookies(): readonly CookieSpec[];

  /** Seconds the access cookies live: the setting, or what is left of the token's lifetime. */
  protected accessMaxAge(access: string): number | null {
    return this.settings.ACCESS_COOKIE_MAX_AGE ?? this.remaining(access);
  }

  private refreshMaxAge(refresh: string): number | null {
    return this.settings.REFRESH_COOKIE_MAX_AGE ?? this.remaining(refresh);
  }

  /** Seconds until the token's `exp`; null (a session cookie) for a token without a readable one. */
  private remaining(token: string): number | null {
    const exp = unverifiedExp(token);
    return exp === null ? null : Math.max(0, exp - Math.floor(this.clock.now() / 1000));
  }

  /** The access cookie; on an unsafe method its CSRF token must be repeated in the header. */
  private accessFromCookie(ctx: Context): string | null {
    const token = cookieOf(ctx, this.settings.ACCESS_COOKIE_NAME);
    if (token !== null && !isSafeMethod(ctx.method)) this.csrf.checkDoubleSubmit(ctx);
    return token;
  }
}
