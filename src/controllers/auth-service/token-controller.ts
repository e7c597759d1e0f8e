// The token endpoints of the auth-service: obtain, refresh, verify and blacklist, with the request
// and answer shapes of simplejwt's views, and logout. Where tokens travel (bodies or cookies) is
// the delivery mode's business.
import type { Context } from 'koa';
import { Body, Controller, Ctx, Post } from 'routing-controllers';
import { DrfView } from '../../http/controller-driver';
import type { AuthServiceParts } from '../../auth-service/parts';
import { requestInfo } from '../../core/request-info';
import { readRefreshIfAny } from '../../delivery/delivery';
import { InvalidToken } from '../../errors';
import { serviceOf } from '../../http/authenticator';
import { requireStrings } from '../../http/fields';

/** POST /token/, /token/refresh/, /token/verify/, /token/blacklist/ and /logout/. */
@DrfView()
@Controller()
export class TokenController {
  @Post('/token/')
  async obtain(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    const { issuer, settings, delivery, throttle } = serviceOf<AuthServiceParts>(ctx);
    delivery.guardLogin(ctx);
    const login = settings.LOGIN_FIELD;
    const fields = requireStrings(body, { [login]: {}, password: { trim: false } });
    const request = requestInfo(ctx);
    const pair = await throttle.guard(fields[login], request, () => issuer.obtain(fields[login], fields.password, request));
    return delivery.writeTokens(ctx, { event: 'obtain', refresh: pair.refresh, access: pair.access }, pair.user ? { user: pair.user } : {});
  }

  @Post('/token/refresh/')
  async refresh(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    const { issuer, delivery } = serviceOf<AuthServiceParts>(ctx);
    const { token, fromCookie } = delivery.readRefresh(ctx, body);
    try {
      const tokens = await issuer.refresh(token, requestInfo(ctx));
      return delivery.writeTokens(
        ctx,
        { event: 'refresh', access: tokens.access, refresh: tokens.refresh, refreshUsed: token },
        tokens.user ? { user: tokens.user } : {},
      );
    } catch (error) {
      // A refresh cookie that no longer works is dropped, so the page knows to log in again.
      if (fromCookie && error instanceof InvalidToken) delivery.clear(ctx);
      throw error;
    }
  }

  @Post('/token/verify/')
  async verify(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    const { token } = requireStrings(body, { token: {} });
    await serviceOf<AuthServiceParts>(ctx).issuer.verify(token);
    return {};
  }

  @Post('/token/blacklist/')
  async blacklist(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    const { refresh } = requireStrings(body, { refresh: {} });
    await serviceOf<AuthServiceParts>(ctx).issuer.blacklist(refresh, requestInfo(ctx));
    return {};
  }

  /**
   * Blacklists the refresh token and clears every cookie the delivery mode sets. A token already
   * blacklisted or expired answers 200 too; in cookie modes so does a request with no refresh
   * cookie, or one that no longer verifies (there is nothing left to revoke, and the cookies go).
   */
  @Post('/logout/')
  async logout(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    const { issuer, delivery } = serviceOf<AuthServiceParts>(ctx);
    if (!delivery.usesCookies) {
      await issuer.logout(delivery.readRefresh(ctx, body).token, requestInfo(ctx));
      return {};
    }
    // readRefresh checks the origin first, then the CSRF token of a refresh cookie.
    const input = readRefreshIfAny(delivery, ctx, body);
    if (input) {
      try {
        await issuer.logout(input.token, requestInfo(ctx));
      } catch (error) {
        if (!(error instanceof InvalidToken && input.fromCookie)) throw error;
      }
    } else {
      serviceOf<AuthServiceParts>(ctx).events.emit('loggedOut', { userId: null, blacklisted: false, request: requestInfo(ctx) });
    }
    delivery.clear(ctx);
    return {};
  }
}
