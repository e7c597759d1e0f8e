// koa-easyjwt inside a Koa app the team already has: easyJwtClient's and easyJwtAuthService's
// middleware, routes, guards and routing-controllers checkers on a plain `new Koa()`, with the
// team's own middleware around them, against a real auth-service over loopback.
import 'reflect-metadata';
import { expect } from 'chai';
import Koa from 'koa';
import type { Context, Next } from 'koa';
import Router from '@koa/router';
import { Authorized, Ctx, CurrentUser, Get, JsonController, useKoaServer } from 'routing-controllers';
import { AuthUser, JwtPermRequired } from '../../src/decorators/jwt-guards';
import type { Principal } from '../../src/core/principal';
import { LocalUser, Token } from '../../src/entities';
import { listen, Listening } from '../../src/http/server';
import { easyJwtAuthService, EasyJwtAuthService } from '../../src/services/easyjwt-auth-service';
import { easyJwtClient, EasyJwtClient } from '../../src/services/easyjwt-client';
import { jsonClient, startAuthService, TEST_KEY, testSettings, TestAuthService } from '../support/auth-service';
import { bearer, ExtraDataUserSerializer, Extras, FORBIDDEN, NOT_PROVIDED } from '../support/client-service';
import { forEachDialect, freshDatabaseUrl } from '../support/databases';

const CHALLENGE = 'Bearer realm="api"';

/** The team's controller, for routing-controllers' own useKoaServer. */
@JsonController('/rc')
class TeamReportsController {
  @Get('/reports/')
  @Authorized('reports.view')
  reports(@CurrentUser() user: Principal, @Ctx() ctx: Context) {
    return { user: user.id, tenant: (ctx.state.claims as Record<string, unknown>).tenant };
  }

  @Get('/anyone/')
  @Authorized()
  anyone(@CurrentUser() user: Principal) {
    return { user: user.id };
  }

  @Get('/guarded/')
  @JwtPermRequired('reports.view')
  guarded(@AuthUser() user: Principal) {
    return { user: user.id, email: user.data.email };
  }
}

/** The team's own app around the library: what each request went through is recorded. */
function teamApp(jwt: EasyJwtClient | EasyJwtAuthService, order: 'routes-first' | 'middleware-first', defaultErrorHandler = false) {
  const seen = { requests: 0, afterAuth: [] as string[] };
  const app = new Koa();
  // Before everything: a counter and a header set on the way out, on every answer.
  app.use(async (ctx: Context, next: Next) => {
    seen.requests++;
    await next();
    ctx.set('X-Team', 'was-here');
  });
  const afterAuth = async (ctx: Context, next: Next) => {
    seen.afterAuth.push(ctx.path);
    await next();
  };
  if (order === 'middleware-first') {
    app.use(jwt.middleware());
    app.use(afterAuth);
    app.use(jwt.routes());
  } else {
    app.use(jwt.routes());
    app.use(jwt.middleware());
    app.use(afterAuth);
  }
  const router = new Router();
  router.get('/plain/reports/', jwt.requirePermission('reports.view'), (ctx) => {
    ctx.body = { user: (ctx.state.user as Principal).id, tenant: (ctx.state.claims as Record<string, unknown>).tenant };
  });
  router.get('/plain/any/', jwt.requirePermission(['reports.view', 'reports.admin'], 'any'), (ctx) => {
    ctx.body = { ok: true };
  });
  router.get('/plain/staff/', jwt.requireStaff, (ctx) => {
    ctx.body = { ok: true };
  });
  router.get('/plain/login/', jwt.requireLogin, (ctx) => {
    ctx.body = { user: (ctx.state.user as Principal).id };
  });
  router.get('/plain/public/', (ctx) => {
    ctx.body = { user: (ctx.state.user as Principal | undefined)?.id ?? null };
  });
  app.use(router.routes());
  useKoaServer(app, {
    controllers: [TeamReportsController],
    authorizationChecker: jwt.authorizationChecker,
    currentUserChecker: jwt.currentUserChecker,
    defaultErrorHandler,
  });
  return { app, seen };
}

forEachDialect((dialect) => {
  for (const verification of ['local', 'remote'] as const)
    describe(`easyJwtClient verifying ${verification}ly on a team’s own Koa app`, () => {
      let auth: TestAuthService;
      let extras: Map<number, Extras>;
      let jwt: EasyJwtClient;
      let server: Listening;
      let seen: ReturnType<typeof teamApp>['seen'];
      let api: ReturnType<typeof jsonClient>;

      beforeEach(async () => {
        extras = new Map();
        auth = await startAuthService(
          dialect,
          { USER_CACHE_TTL: 0 },
          { serializer: new ExtraDataUserSerializer(extras), claims: [{ key: 'tenant', build: () => 'acme' }] },
        );
        jwt = await easyJwtClient({
          settings: {
            REMOTE_AUTH_SERVICE_URL: auth.url,
            ...(verification === 'local' ? { SIGNING_KEY: TEST_KEY } : { TOKEN_VERIFICATION: 'remote' as const }),
            DATABASE_URL: await freshDatabaseUrl(dialect),
            LOG_LEVEL: 'silent',
          },
        });
        expect(jwt.verification).to.equal(verification);
        const team = teamApp(jwt, 'middleware-first');
        seen = team.seen;
        server = await listen(team.app, '127.0.0.1', 0);
        api = jsonClient(server.url);
      });
      afterEach(async () => {
        await server.close();
        await jwt.close();
        await auth.close();
      });

      const userWith = async (email: string, permissions: string[], flags: { isStaff?: boolean } = {}) => {
        const id = await auth.createUser({ email, ...flags });
        extras.set(id, { permissions });
        return { id, access: (await api.login(email)).access };
      };

      it('logs in through routes() and serves a permission-guarded @koa/router route, with the tenant claim on ctx.state.claims', async () => {
        const { id, access } = await userWith('viewer@test.com', ['reports.view']);
        const response = await api.get('/plain/reports/', bearer(access));
        expect(response.status, response.text).to.equal(200);
        expect(response.body).to.deep.equal({ user: id, tenant: 'acme' });
        expect(response.headers.get('x-team')).to.equal('was-here');
        // The local copy the request made, with the permission the auth-service gave.
        const copy = await jwt.dataSource.getRepository(LocalUser).findOneByOrFail({ id });
        expect(copy.email).to.equal('viewer@test.com');
        expect((await api.get('/plain/any/', bearer(access))).status).to.equal(200);
      });

      it('answers 401 and 403 with the exact DRF bodies on plain routes', async () => {
        const { access } = await userWith('nobody@test.com', []);
        const missing = await api.get('/plain/reports/');
        expect(missing.status).to.equal(401);
        expect(missing.text).to.equal(JSON.stringify(NOT_PROVIDED));
        expect(missing.headers.get('www-authenticate')).to.equal(CHALLENGE);
        expect(missing.headers.get('content-type')).to.equal('application/json');
        const bad = await api.get('/plain/login/', bearer('not.a.token'));
        expect(bad.status).to.equal(401);
        expect(bad.body).to.deep.include({ code: 'token_not_valid' });
        const denied = await api.get('/plain/reports/', bearer(access));
        expect(denied.status).to.equal(403);
        expect(denied.text).to.equal(JSON.stringify(FORBIDDEN));
        expect((await api.get('/plain/any/', bearer(access))).status).to.equal(403);
        expect((await api.get('/plain/staff/', bearer(access))).text).to.equal(JSON.stringify(FORBIDDEN));
        for (const response of [missing, bad, denied]) expect(response.headers.get('x-team')).to.equal('was-here');
      });

      it('never refuses by itself: a public route sees the user, or none with no or bad credentials', async () => {
        const { id, access } = await userWith('public@test.com', []);
        expect((await api.get('/plain/public/', bearer(access))).body).to.deep.equal({ user: id });
        expect((await api.get('/plain/public/')).body).to.deep.equal({ user: null });
        const bad = await api.get('/plain/public/', bearer('not.a.token'));
        expect(bad.status).to.equal(200);
        expect(bad.body).to.deep.equal({ user: null });
      });

      it('makes @Authorized, @CurrentUser and @JwtPermRequired work under useKoaServer: 200, 403, 401', async () => {
        const viewer = await userWith('rc-viewer@test.com', ['reports.view']);
        const other = await userWith('rc-other@test.com', []);
        const ok = await api.get('/rc/reports/', bearer(viewer.access));
        expect(ok.status, ok.text).to.equal(200);
        expect(ok.body).to.deep.equal({ user: viewer.id, tenant: 'acme' });
        const denied = await api.get('/rc/reports/', bearer(other.access));
        expect(denied.status).to.equal(403);
        expect(denied.text).to.equal(JSON.stringify(FORBIDDEN));
        const anonymous = await api.get('/rc/reports/');
        expect(anonymous.status).to.equal(401);
        expect(anonymous.text).to.equal(JSON.stringify(NOT_PROVIDED));
        expect(anonymous.headers.get('www-authenticate')).to.equal(CHALLENGE);
        expect((await api.get('/rc/anyone/', bearer(other.access))).body).to.deep.equal({ user: other.id });
        expect((await api.get('/rc/anyone/')).status).to.equal(401);

        const guarded = await api.get('/rc/guarded/', bearer(viewer.access));
        expect(guarded.status, guarded.text).to.equal(200);
        expect(guarded.body).to.deep.equal({ user: viewer.id, email: 'rc-viewer@test.com' });
        const guardedDenied = await api.get('/rc/guarded/', bearer(other.access));
        expect(guardedDenied.status).to.equal(403);
        expect(guardedDenied.text).to.equal(JSON.stringify(FORBIDDEN));
        const guardedAnonymous = await api.get('/rc/guarded/');
        expect(guardedAnonymous.status).to.equal(401);
        expect(guardedAnonymous.text).to.equal(JSON.stringify(NOT_PROVIDED));
        for (const response of [ok, denied, anonymous, guarded, guardedDenied, guardedAnonymous]) expect(response.headers.get('x-team')).to.equal('was-here');
      });

      it('keeps 401 and 403 with DRF bodies under routing-controllers’ default error handler too', async () => {
        const other = await userWith('rc-default@test.com', []);
        const team = teamApp(jwt, 'middleware-first', true);
        const own = await listen(team.app, '127.0.0.1', 0);
        try {
          const client = jsonClient(own.url);
          const anonymous = await client.get('/rc/reports/');
          expect(anonymous.status).to.equal(401);
          expect(anonymous.body).to.deep.equal(NOT_PROVIDED);
          const denied = await client.get('/rc/reports/', bearer(other.access));
          expect(denied.status).to.equal(403);
          expect(denied.body).to.deep.equal(FORBIDDEN);
        } finally {
          await own.close();
        }
      });

      it('runs the team’s middleware on the library’s /auth/ answers too, errors included', async () => {
        await userWith('proxy@test.com', []);
        const before = seen.requests;
        const refused = await api.post('/auth/token/', { email: 'proxy@test.com', password: 'wrong' });
        expect(refused.status).to.equal(401);
        expect(refused.body).to.deep.equal({ detail: 'No active account found with the given credentials' });
        expect(refused.headers.get('x-team')).to.equal('was-here');
        const garbled = await api.post('/auth/token/', '{not json');
        expect(garbled.status).to.equal(400);
        expect(garbled.body.detail).to.match(/^JSON parse error/);
        expect(garbled.headers.get('x-team')).to.equal('was-here');
        const unknown = await api.get('/auth/nothing-here/');
        expect(unknown.status).to.equal(404);
        expect(unknown.body).to.deep.equal({ detail: 'Not found.' });
        expect(seen.requests - before).to.equal(3);
        expect(seen.afterAuth).to.include.members(['/auth/token/', '/auth/nothing-here/']);
      });
    });

  describe('easyJwtAuthService on a team’s own Koa app', () => {
    let auth: EasyJwtAuthService;
    let server: Listening;
    let seen: ReturnType<typeof teamApp>['seen'];
    let api: ReturnType<typeof jsonClient>;

    beforeEach(async () => {
      auth = await easyJwtAuthService({
        settings: testSettings({ DATABASE_URL: await freshDatabaseUrl(dialect) }),
        claims: [{ key: 'tenant', build: () => 'acme' }],
      });
      const team = teamApp(auth, 'routes-first');
      seen = team.seen;
      server = await listen(team.app, '127.0.0.1', 0);
      api = jsonClient(server.url);
    });
    afterEach(async () => {
      await server.close();
      await auth.close();
    });

    it('logs in through routes(), records the tokens, and guards the team’s routes with its tokens', async () => {
      const user = await auth.users.create({ email: 'team@test.com', password: 'user-pass' });
      expect(await auth.dataSource.getRepository(Token).count()).to.equal(0);
      const pair = await api.login('team@test.com');
      expect(pair).to.have.keys('access', 'refresh');
      const login = await api.post('/auth/token/', { email: 'team@test.com', password: 'user-pass' });
      expect(login.headers.get('x-team')).to.equal('was-here');
      expect(login.headers.get('content-type')).to.equal('application/json');
      await auth.pipeline.drain();
      expect(await auth.dataSource.getRepository(Token).count()).to.be.greaterThan(0);

      const me = await api.get('/plain/login/', bearer(pair.access));
      expect(me.status, me.text).to.equal(200);
      expect(me.body).to.deep.equal({ user: user.id });
      const denied = await api.get('/plain/reports/', bearer(pair.access));
      expect(denied.status).to.equal(403);
      expect(denied.text).to.equal(JSON.stringify(FORBIDDEN));
      const anonymous = await api.get('/rc/reports/');
      expect(anonymous.status).to.equal(401);
      expect(anonymous.text).to.equal(JSON.stringify(NOT_PROVIDED));
      // The library's own authenticated endpoint, through routes(), still answers.
      const profile = await api.get('/auth/user/', bearer(pair.access));
      expect(profile.status, profile.text).to.equal(200);
      expect(profile.body.email).to.equal('team@test.com');
      expect(seen.requests).to.be.greaterThan(4);
    });

    it('serves the tenant claim and permissions to routing-controllers actions', async () => {
      const user = await auth.users.create({ email: 'boss@test.com', password: 'user-pass', permissions: ['reports.view'] });
      const { access } = await api.login('boss@test.com');
      const ok = await api.get('/rc/reports/', bearer(access));
      expect(ok.status, ok.text).to.equal(200);
      expect(ok.body).to.deep.equal({ user: user.id, tenant: 'acme' });
    });
  });
});
