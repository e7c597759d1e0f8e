// The demo client-service's protected route, as in django-easyjwt's walkthrough.
import type { Context } from 'koa';
import { Controller, Ctx, Get, Post } from 'routing-controllers';
import { JwtLoginRequired, JwtPermRequired } from '../../decorators/jwt-guards';
import { sendJson } from '../../http/responses';

/**
 * GET /api/test/: `"success"` for any logged-in user. POST /api/test/ answers the same: an unsafe
 * method, so in a cookie delivery mode it shows the CSRF header at work. GET /api/perm-test/
 * answers it only to users holding `demo.view` (`easyjwt user --email E --add-perm demo.view`).
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

  @Get('/perm-test/')
  @JwtPermRequired('demo.view')
  permTest(@Ctx() ctx: Context) {
    sendJson(ctx, 200, 'success');
    return ctx;
  }
}
