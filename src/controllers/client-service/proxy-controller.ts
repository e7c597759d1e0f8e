// The auth endpoints of a client-service: passed through to the auth-service (status and JSON
// body unchanged); login, refresh, logout and password change go through the TokenRelay, which
// throttles credentials, keeps the local user copy and delivers tokens as DELIVERY_MODE says.
import type { Context } from 'koa';
import { Body, Controller, Ctx, Post } from 'routing-controllers';
import { DrfView } from '../../http/controller-driver';
import type { ClientServiceParts } from '../../client-service/parts';
import { serviceOf } from '../../http/authenticator';
import { relayStatus } from '../../client-service/relay-status';
import { TokenRelay } from '../../client-service/token-relay';

type PathSetting = 'REMOTE_AUTH_SERVICE_VERIFY_PATH';

async function forward(ctx: Context, setting: PathSetting, body: unknown): Promise<Record<string, unknown>> {
  const { upstream, settings } = serviceOf<ClientServiceParts>(ctx);
  const reply = await upstream.post(settings[setting], body);
  relayStatus(ctx, reply);
  return reply.body;
}

/** POST /token/, /token/refresh/, /token/verify/, /token/blacklist/, /password-change/, /social-exchange/ and /logout/. */
@DrfView()
@Controller()
export class ProxyController {
  /** Login: on success, fetch the user with the new access token, keep the local copy, deliver the pair. */
  @Post('/token/')
  obtain(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    return new TokenRelay(serviceOf<ClientServiceParts>(ctx)).login(ctx, body);
  }

  @Post('/token/refresh/')
  refresh(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    return new TokenRelay(serviceOf<ClientServiceParts>(ctx)).refresh(ctx, body);
  }

  @Post('/token/verify/')
  verify(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    return forward(ctx, 'REMOTE_AUTH_SERVICE_VERIFY_PATH', body);
  }

  /** Relayed; an auth-service without the route (django-easyjwt 1.0) gets our JSON 404, not a 503. */
  @Post('/token/blacklist/')
  blacklist(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    return new TokenRelay(serviceOf<ClientServiceParts>(ctx)).blacklist(ctx, body);
  }

  @Post('/password-change/')
  changePassword(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    return new TokenRelay(serviceOf<ClientServiceParts>(ctx)).changePassword(ctx, body);
  }

  /** An identity provider's id token, exchanged at the auth-service; the pair delivered as a login's. */
  @Post('/social-exchange/')
  socialExchange(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    return new TokenRelay(serviceOf<ClientServiceParts>(ctx)).socialExchange(ctx, body);
  }

  /** Blacklists the refresh token at the auth-service and clears this service's cookies. */
  @Post('/logout/')
  logout(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    return new TokenRelay(serviceOf<ClientServiceParts>(ctx)).logout(ctx, body);
  }
}
