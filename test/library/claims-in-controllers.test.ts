// A custom claim of the auth-service's, read in a controller of a built client-service with
// accessClaimsOf(ctx), in both verification modes.
import 'reflect-metadata';
import { expect } from 'chai';
import type { Context } from 'koa';
import { Controller, Ctx, Get } from 'routing-controllers';
import { JwtLoginRequired } from '../../src/decorators/jwt-guards';
import { accessClaimsOf } from '../../src/http/access-claims';
import { startAuthService, TEST_KEY, TestAuthService } from '../support/auth-service';
import { bearer, NOT_PROVIDED, startClientService, TestClientService } from '../support/client-service';
import { forEachDialect } from '../support/databases';

@Controller('/tenant')
class TenantController {
  @Get('/')
  @JwtLoginRequired()
  tenant(@Ctx() ctx: Context) {
    return { tenant: accessClaimsOf(ctx)?.tenant ?? null };
  }
}

forEachDialect((dialect) => {
  for (const verification of ['local', 'remote'] as const) {
    describe(`claims in a controller of a client-service verifying ${verification}ly`, () => {
      let auth: TestAuthService;
      let client: TestClientService;
      beforeEach(async () => {
        auth = await startAuthService(dialect, {}, { claims: [{ key: 'tenant', build: () => 'acme' }] });
        const keys = verification === 'local' ? { SIGNING_KEY: TEST_KEY } : { TOKEN_VERIFICATION: 'remote' as const };
        client = await startClientService(dialect, { REMOTE_AUTH_SERVICE_URL: auth.url, ...keys }, { controllers: [TenantController] });
      });
      afterEach(async () => {
        await client.close();
        await auth.close();
      });

      it('reads the tenant claim of the request’s access token, and refuses without one', async () => {
        await auth.createUser({ email: 'tenant@test.com' });
        const { access } = await client.login('tenant@test.com');
        const ok = await client.get('/tenant/', bearer(access));
        expect(ok.status, ok.text).to.equal(200);
        expect(ok.body).to.deep.equal({ tenant: 'acme' });
        // A second request: the verified-token memo (local) or the verdict cache (remote) answers.
        expect((await client.get('/tenant/', bearer(access))).body).to.deep.equal({ tenant: 'acme' });
        const refused = await client.get('/tenant/');
        expect(refused.status).to.equal(401);
        expect(refused.text).to.equal(JSON.stringify(NOT_PROVIDED));
      });
    });
  }
});
