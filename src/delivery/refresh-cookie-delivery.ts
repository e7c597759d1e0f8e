// The `refresh-cookie` delivery mode (django-rest-microservice's): the access token in the body,
// for the front end to keep in memory and send as `Authorization: Bearer`; the long-lived refresh
// token in an HttpOnly cookie that page scripts, and so an XSS payload, can never read.
import type { Context } from 'koa';
import type { CookieSpec } from './cookies';
import { CookieDelivery } from './cookie-delivery';
import type { DeliveryParts } from './delivery';

/**
 * Access in the body, refresh in a cookie. Protected routes read the header only: nothing a
 * browser sends by itself authenticates them, so they need no CSRF token.
 *
 * @example
 *   new RefreshCookieDelivery({ settings, clock }).writeTokens(ctx, { event: 'obtain', refresh, access });
 *   // body {"access","csrf_token"}; Set-Cookie: easyjwt_refresh (twice: refresh and logout paths), easyjwt_csrf
 */
export class RefreshCookieDelivery extends CookieDelivery {
  readonly mode = 'refresh-cookie' as const;

  constructor(parts: DeliveryParts) {
    super(parts, false);
  }

  protected writeAccess(_ctx: Context, access: string): Record<string, unknown> {
    return { access };
  }

  protected accessCookies(): readonly CookieSpec[] {
    return [];
  }
}
