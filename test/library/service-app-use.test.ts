// Middleware an application adds to a built service with `service.app.use()` runs for every
// request, the library's own endpoints and the mounted controllers included.
import 'reflect-metadata';
import { expect } from 'chai';
import type { Context, Next } from 'koa';
import { createAuthService } from '../../src/services/auth-service';
import { createClientService } from '../../src/services/client-service';
import { LocalUser } from '../../src/entities';
import type { TestAuthService } from '../support/auth-service';
import { jsonClient, startAuthService, TEST_KEY, testSettings } from '../support/auth-service';
import { bearer, GuardedController, NOT_PROVIDED } from '../support/client-service';
import { forEachDialect, freshDatabaseUrl } from '../support/databases';

/** A team middleware: counts requests and marks every answer on the way out. */
function marker() {
  const paths: string[] = [];
  const middleware = async (ctx: Context, next: Next) => {
    paths.push(ctx.path);
    try {
      await next();
    } finally {
      ctx.set('X-Team', 'was-here');
    }
  };
  return { paths, middleware };
}

forEachDialect((dialect) => {
  describe('service.app.use() on a built client-service', () => {
    let auth: TestAuthService;
    beforeEach(async () => {
      auth = await startAuthService(dialect);
    });
    afterEach(async () => {
      await auth.close();
    });

    it('runs for the proxy endpoints and the controllers, answers and refusals alike', async () => {
      const service = await createClientService({
        settings: { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY, DATABASE_URL: await freshDatabaseUrl(dialect), LOG_LEVEL: 'silent' },
        controllers: [GuardedController],
      });
      const team = marker();
      service.app.use(team.middleware);
      const listening = await service.listen(0, '127.0.0.1');
      try {
        const api = jsonClient(listening.url);
        const id = await auth.createUser({ email: 'use@test.com' });
        const login = await api.post('/auth/token/', { email: 'use@test.com', password: 'user-pass' });
        expect(login.status, login.text).to.equal(200);
        expect(login.headers.get('x-team')).to.equal('was-here');
        const refused = await api.get('/guarded/login/');
        expect(refused.status).to.equal(401);
        expect(refused.text).to.equal(JSON.stringify(NOT_PROVIDED));
        expect(refused.headers.get('x-team')).to.equal('was-here');
        const ok = await api.get('/guarded/login/', bearer(login.body.access));
        expect(ok.status, ok.text).to.equal(200);
        expect(ok.headers.get('x-team')).to.equal('was-here');
        expect(team.paths).to.deep.equal(['/auth/token/', '/guarded/login/', '/guarded/login/']);
        expect(await service.dataSource.getRepository(LocalUser).countBy({ id })).to.equal(1);
      } finally {
        await listening.close();
        await service.close();
      }
    });
  });

  describe('service.app.use() on a built auth-service', () => {
    it('runs for the token endpoints', async () => {
      const service = await createAuthService({ settings: testSettings({ DATABASE_URL: await freshDatabaseUrl(dialect) }) });
      const team = marker();
      service.app.use(team.middleware);
      const listening = await service.listen(0, '127.0.0.1');
      try {
        await service.users.create({ email: 'use@test.com', password: 'user-pass' });
        const api = jsonClient(listening.url);
        const login = await api.post('/auth/token/', { email: 'use@test.com', password: 'user-pass' });
        expect(login.status, login.text).to.equal(200);
        expect(login.headers.get('x-team')).to.equal('was-here');
        const refused = await api.get('/auth/user/');
        expect(refused.status).to.equal(401);
        expect(refused.text).to.equal(JSON.stringify(NOT_PROVIDED));
        expect(refused.headers.get('x-team')).to.equal('was-here');
        expect(team.paths).to.deep.equal(['/auth/token/', '/auth/user/']);
      } finally {
        await listening.close();
        await service.close();
      }
    });
  });
});
