// The auth endpoints of a client-service: passed through to the auth-service (status and JSON
// body unchanged), and on a successful login the local user copy is created or updated.
import type { Context } from 'koa';
import { Body, Controller, Ctx, Post } from 'routing-controllers';
import type { ClientServiceParts } from '../client-service/parts';
import { serviceOf } from '../http/authenticator';
import { AuthServiceUnavailable } from '../errors';

type PathSetting =
  | 'REMOTE_AUTH_SERVICE_TOKEN_PATH'
  | 'REMOTE_AUTH_SERVICE_REFRESH_PATH'
  | 'REMOTE_AUTH_SERVICE_VERIFY_PATH'
  | 'REMOTE_AUTH_SERVICE_BLACKLIST_PATH'
  | 'REMOTE_AUTH_SERVICE_PASSWORD_CHANGE_PATH';

async function forward(ctx: Context, setting: PathSetting, body: unknown): Promise<Record<string, unknown>> {
  const { upstream, settings } = serviceOf<ClientServiceParts>(ctx);
  const reply = await upstream.post(settings[setting], body);
  ctx.status = reply.status;
  // The contract's challenge on every 401, whether or not the upstream sent one.
  if (reply.status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="api"');
  return reply.body;
}

/** POST /token/, /token/refresh/, /token/verify/, /token/blacklist/ and /password-change/. */
@Controller()
export class ProxyController {
  /** Login: on success, fetch the user with the new access token and keep the local copy. */
  @Post('/token/')
  async obtain(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    const answer = await forward(ctx, 'REMOTE_AUTH_SERVICE_TOKEN_PATH', body);
    if (ctx.status === 200 && typeof answer.access === 'string') {
      const { upstream, users, settings } = serviceOf<ClientServiceParts>(ctx);
      const user = await upstream.getWithToken(settings.REMOTE_AUTH_SERVICE_USER_PATH, `${settings.AUTH_HEADER_TYPES[0]} ${answer.access}`);
      if (user.status !== 200) throw new AuthServiceUnavailable(`user endpoint answered ${user.status} right after a login`);
      await users.upsert(user.body);
    }
    return answer;
  }

  @Post('/token/refresh/')
  refresh(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    return forward(ctx, 'REMOTE_AUTH_SERVICE_REFRESH_PATH', body);
  }

  @Post('/token/verify/')
  verify(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    return forward(ctx, 'REMOTE_AUTH_SERVICE_VERIFY_PATH', body);
  }

  @Post('/token/blacklist/')
  blacklist(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    return forward(ctx, 'REMOTE_AUTH_SERVICE_BLACKLIST_PATH', body);
  }

  @Post('/password-change/')
  changePassword(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    return forward(ctx, 'REMOTE_AUTH_SERVICE_PASSWORD_CHANGE_PATH', body);
  }
}
