// GET /revocations/: what client-services and other instances poll to refuse revoked tokens. Not
// public: mounted only when there is a feed key, and answered only to callers presenting it.
import type { Context } from 'koa';
import { Controller, Ctx, Get } from 'routing-controllers';
import { DrfView } from '../../http/controller-driver';
import type { AuthServiceParts } from '../../auth-service/parts';
import { NotFound } from '../../errors';
import { serviceOf } from '../../http/authenticator';
import { FEED_KEY_HEADER } from '../../revocation/feed-key';

/** GET /revocations/?after=<cursor>. */
@DrfView()
@Controller()
export class RevocationController {
  @Get('/revocations/')
  async revocations(@Ctx() ctx: Context) {
    const feed = serviceOf<AuthServiceParts>(ctx).revocationFeed;
    if (!feed) throw new NotFound();
    return feed.answer(ctx.get(FEED_KEY_HEADER), ctx.query.after);
  }
}
