// Logout-all on the auth-service. It works with the registry off too: the user's
// `tokens_valid_after` voids every token issued before it, on the request path, at refresh and at
// verify, without a row per token.
import type { Context } from 'koa';
import { Controller, Ctx, Post } from 'routing-controllers';
import { DrfView } from '../../http/controller-driver';
import type { AuthServiceParts } from '../../auth-service/parts';
import type { AuthPrincipal } from '../../core/principal';
import { requestInfo } from '../../core/request-info';
import { AuthUser, JwtLoginRequired } from '../../decorators/jwt-guards';
import { serviceOf } from '../../http/authenticator';
import { targetUser } from './target-user';

/** POST /logout-all/. */
@DrfView()
@Controller()
export class LogoutAllController {
  /** Ends every session of the user (or of `?user=<id>`, for staff). */
  @Post('/logout-all/')
  @JwtLoginRequired()
  async logoutAll(@Ctx() ctx: Context, @AuthUser() actor: AuthPrincipal) {
    await serviceOf<AuthServiceParts>(ctx).registryActions.logoutAll(actor, targetUser(ctx, actor), requestInfo(ctx));
    return {};
  }
}
