// The `two-cookies` delivery mode: one-cookie's HttpOnly token cookies, plus a cookie JavaScript
// can read that holds the access token's claims (base64url JSON, the token's own middle part), so a
// single-page app can show who is logged in, and until when, without ever seeing a token.
import type { Context } from 'koa';
import type { CookieSpec } from './cookies';
import { writeCookie } from './cookies';
import type { DeliveryParts } from './delivery';
import { OneCookieDelivery } from './one-cookie-delivery';

/**
 * One-cookie plus the payload cookie. The payload is readable, not secret: it carries no signature,
 * so it authenticates nothing; it expires with the access cookie.
 *
 * @example
 *   // in the page: JSON.parse(atob(payloadCookie.replace(/-/g, '+').replace(/_/g, '/'))).user_id
 */
export class TwoCookiesDelivery extends OneCookieDelivery {
  override readonly mode = 'two-cookies' as const;
  private readonly payloadCookie: CookieSpec;

  constructor(parts: DeliveryParts) {
    super(parts);
    this.payloadCookie = { name: parts.settings.PAYLOAD_COOKIE_NAME, path: parts.settings.COOKIE_PATH, httpOnly: false };
  }

  protected override writeAccess(ctx: Context, access: string): Record<string, unknown> {
    const body = super.writeAccess(ctx, access);
    // The JWS payload segment is already base64url JSON of the claims: nothing to re-encode.
    writeCookie(ctx, this.payloadCookie, access.split('.')[1] ?? '', this.accessMaxAge(access), this.settings);
    return body;
  }

  protected override accessCookies(): readonly CookieSpec[] {
    return [...super.accessCookies(), this.payloadCookie];
  }
}
