// The `one-cookie` delivery mode (djwto's ONE-COOKIE): access and refresh tokens both in HttpOnly
// cookies, so page scripts never hold a token; protected routes read the access cookie when no
// Authorization header is sent, and unsafe requests must then carry the CSRF header.
import type { Context } from 'koa';
import type { CookieSpec } from './cookies';
import { writeCookie } from './cookies';
import { CookieDelivery } from './cookie-delivery';
import type { DeliveryParts } from './delivery';

/**
 * Both tokens in HttpOnly cookies; the body carries only `csrf_token` (and `user` when asked).
 *
 * @example
 *   new OneCookieDelivery({ settings, clock }).writeTokens(ctx, { event: 'obtain', refresh, access });
 *   // body {"csrf_token"}; Set-Cookie: easyjwt_access, easyjwt_refresh (x2), easyjwt_csrf
 */
export class OneCookieDelivery extends CookieDelivery {
  readonly mode: 'one-cookie' | 'two-cookies' = 'one-cookie';

  constructor(parts: DeliveryParts) {
    super(parts, true);
  }

  protected writeAccess(ctx: Context, access: string): Record<string, unknown> {
    writeCookie(ctx, this.accessCookie, access, this.accessMaxAge(access), this.settings);
    return {};
  }

  protected accessCookies(): readonly CookieSpec[] {
    return [this.accessCookie];
  }
}
