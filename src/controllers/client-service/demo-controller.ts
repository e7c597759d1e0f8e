// The demo client-service's protected route, as in django-easyjwt's walkthrough.
import type { Context } from 'koa';
import { Controller, Ctx, Get, Post } from 'routing-controllers';
import { JwtLoginRequired } from '../../decorators/jwt-guards';
import { sendJson } from '../../http/responses';

/**
 * GET /api/test/: `"success"` for any logged-in user. POST /api/test/ answers the same: an unsafe
 * method, so in a cookie delivery mode it shows the CSRF header at work.
 */
@Controller('/api')
export class DemoController {
  @Get('/test/')
  @JwtLoginRequired()
  test(@Ctx() ctx: Context) {
    // DRF renders Response("success") as the JSON string "success".
    sendJson(ctx, 200, 'success');
    return ctx;
  }

  @Post('/test/')
  @JwtLoginRequired()
  testPost(@Ctx() ctx: Context) {
    sendJson(ctx, 200, 'success');
    return ctx;
  }
}
