// The token endpoints of the auth-service: obtain, refresh, verify, blacklist (CONTRACT.md).
import type { Context } from 'koa';
import { Body, Controller, Ctx, Post } from 'routing-controllers';
import type { AuthServiceParts } from '../auth-service/parts';
import { serviceOf } from '../http/authenticator';
import { requireStrings } from '../http/fields';

/** POST /token/, /token/refresh/, /token/verify/, /token/blacklist/. */
@Controller('/token')
export class TokenController {
  @Post('/')
  async obtain(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    const { issuer, settings } = serviceOf<AuthServiceParts>(ctx);
    const login = settings.LOGIN_FIELD;
    const fields = requireStrings(body, { [login]: {}, password: { trim: false } } as Record<string, { trim?: boolean }>);
    return issuer.obtain(fields[login], fields.password);
  }

  @Post('/refresh/')
  async refresh(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    const { refresh } = requireStrings(body, { refresh: {} });
    return serviceOf<AuthServiceParts>(ctx).issuer.refresh(refresh);
  }

  @Post('/verify/')
  async verify(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    const { token } = requireStrings(body, { token: {} });
    await serviceOf<AuthServiceParts>(ctx).issuer.verify(token);
    return {};
  }

  @Post('/blacklist/')
  async blacklist(@Ctx() ctx: Context, @Body({ required: false }) body: unknown) {
    const { refresh } = requireStrings(body, { refresh: {} });
    await serviceOf<AuthServiceParts>(ctx).issuer.blacklist(refresh);
    return {};
  }
}
