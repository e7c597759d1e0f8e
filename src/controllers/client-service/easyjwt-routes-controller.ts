// The two routes django-easyjwt 1.1's client-service added for single-page apps: GET /csrf/, the
// CSRF cookie a page fetches before it logs in, and POST /token/logout/, a logout that never
// fails. Each is mounted only in the delivery modes where it does what easyjwt's does.
import type { Context } from 'koa';
import { Body, Controller, Ctx, Get, Post } from 'routing-controllers';
import type { ClientServiceParts } from '../../client-service/parts';
import { TokenRelay } from '../../client-service/token-relay';
import { serviceOf } from '../../http/authenticator';
import { DrfView } from '../../http/controller-driver';

/** GET /csrf/: mounted when the delivery mode issues a CSRF cookie ahead of the login (easyjwt-cookie). */
@DrfView()
@Controller()
export class CsrfController {
  /** Sets (or keeps) the CSRF cookie and answers easyjwt's words. */
  @Get('/csrf/')
  issue(@Ctx() ctx: Context) {
    serviceOf<ClientServiceParts>(ctx).delivery.issueCsrfCookie?.(ctx);
    return { detail: 'CSRF cookie set.' };
  }
}

/**
 * POST /token/logout/: mounted in json and easyjwt-cookie delivery. Our other cookie modes narrow
 * the refresh cookie's path to refresh/ and logout/, so the browser would never send it here and a
 * 200 would revoke nothing; they log out at /logout/.
 */
@DrfView()
@Controller()
export class TokenLogoutController {
  /** Best effort: 200 `{"detail":"Logged out."}` once past the CSRF checks of a cookie mode. */
  @Post('/token/logout/')
  logout(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    return new TokenRelay(serviceOf<ClientServiceParts>(ctx)).bestEffortLogout(ctx, body);
  }
}
