// Custom claims and user data in token answers, over HTTP on both dialects: registered builders
// (sync and async, in order), USER_CLAIMS, the djwto-style user claim, rebuilding on refresh,
// reserved keys refused at start-up, and `user` in obtain and refresh answers.
import { expect } from 'chai';
import type { ClaimBuilder } from '../../src/core/claims';
import { User } from '../../src/entities';
import { ClaimRegistrationError } from '../../src/errors';
import type { TestAuthService } from '../support/auth-service';
import { payloadOf, startAuthService } from '../support/auth-service';
import { CookieJar } from '../support/cookie-jar';
import { forEachDialect } from '../support/databases';

forEachDialect((dialect) => {
  describe('custom claims', function () {
    this.timeout(30000);
    let auth: TestAuthService;
    let plan = 'gold';
    let region = 'eu';
    let userId: number;
    const builders: ClaimBuilder[] = [
      { key: 'region', build: () => region },
      { key: 'plan', build: async () => (await new Promise((resolve) => setTimeout(resolve, 10)), plan), rebuildOnRefresh: true },
      { key: 'request_path', build: (_user, context) => context.request?.path },
    ];
    before(async () => {
      auth = await startAuthService(dialect, { USER_CLAIMS: ['email', 'first_name'], USER_PAYLOAD_CLAIM: 'user' }, { claims: builders });
      userId = await auth.createUser({ email: 'ada@test.com', firstName: 'Ada', permissions: ['reports.view', 'app.edit'] });
    });
    after(() => auth.close());

    it("puts the settings' claims, then the builders', after user_id, in order, in both tokens", async () => {
      const { refresh, access } = await auth.login('ada@test.com');
      for (const token of [refresh, access]) {
        const claims = payloadOf(token);
        expect(Object.keys(claims)).to.deep.equal([
          'token_type',
          'exp',
          'iat',
          'jti',
          'user_id',
          'email',
          'first_name',
          'user',
          'region',
          'plan',
          'request_path',
        ]);
        expect(claims).to.deep.include({
          email: 'ada@test.com',
          first_name: 'Ada',
          user: { id: userId, email: 'ada@test.com', is_staff: false, is_superuser: false, perms: ['app.edit', 'reports.view'] },
          region: 'eu',
          plan: 'gold',
          request_path: '/auth/token/',
        });
      }
    });

    it('rebuilds the claims that ask on refresh and copies the others', async () => {
      const { refresh } = await auth.login('ada@test.com');
      plan = 'silver';
      region = 'us';
      await auth.service.dataSource.manager.update(User, { id: userId }, { isStaff: true });
      try {
        const refreshed = await auth.post('/auth/token/refresh/', { refresh });
        const claims = payloadOf(refreshed.body.access);
        expect(claims.plan).to.equal('silver'); // rebuilt
        expect(claims.region).to.equal('eu'); // copied from the refresh token
        expect((claims.user as { is_staff: boolean }).is_staff).to.equal(true); // the user claim is rebuilt
        expect(Object.keys(claims)).to.deep.equal(Object.keys(payloadOf(refresh)));
      } finally {
        plan = 'gold';
        region = 'eu';
        await auth.service.dataSource.manager.update(User, { id: userId }, { isStaff: false });
      }
    });

    it('refuses to start with a builder for a reserved claim, naming it', async () => {
      let error: unknown;
      await startAuthService(dialect, {}, { claims: [{ key: 'exp', build: () => 1 }] }).catch((caught: unknown) => (error = caught));
      expect(error).to.be.instanceOf(ClaimRegistrationError).with.property('key', 'exp');
      error = undefined;
      await startAuthService(dialect, { USER_CLAIMS: ['email'] }, { claims: [{ key: 'email', build: () => 'x' }] }).catch(
        (caught: unknown) => (error = caught),
      );
      expect(error).to.be.instanceOf(ClaimRegistrationError).with.property('message', 'Claim "email" is registered twice');
    });
  });

  describe('user data in token answers (TOKEN_RESPONSE_USER)', function () {
    this.timeout(30000);
    let auth: TestAuthService;
    before(async () => {
      auth = await startAuthService(dialect, { TOKEN_RESPONSE_USER: true, UPDATE_LAST_LOGIN: true });
      await auth.createUser({ email: 'ada@test.com', firstName: 'Ada' });
    });
    after(() => auth.close());

    it('answers obtain with {"refresh","access","user"} and refresh with {"access","user"}, the user as GET /auth/user/ serves it', async () => {
      const login = await auth.post('/auth/token/', { email: 'ada@test.com', password: 'user-pass' });
      expect(Object.keys(login.body)).to.deep.equal(['refresh', 'access', 'user']);
      const me = await auth.get('/auth/user/', { Authorization: `Bearer ${login.body.access}` });
      expect(login.body.user).to.deep.equal(me.body);
      expect(login.body.user.last_login).to.be.a('string');
      const refreshed = await auth.post('/auth/token/refresh/', { refresh: login.body.refresh });
      expect(Object.keys(refreshed.body)).to.deep.equal(['access', 'user']);
      expect(refreshed.body.user).to.deep.equal(me.body);
    });

    it('leaves the tokens out of the body in a cookie mode, and keeps the user', async () => {
      const cookies = await startAuthService(dialect, { TOKEN_RESPONSE_USER: true, DELIVERY_MODE: 'two-cookies' });
      try {
        await cookies.createUser({ email: 'ada@test.com', firstName: 'Ada' });
        const jar = new CookieJar(cookies.url);
        const login = await jar.post('/auth/token/', { email: 'ada@test.com', password: 'user-pass' });
        expect(Object.keys(login.body)).to.deep.equal(['csrf_token', 'user']);
        expect(login.body.user).to.include({ email: 'ada@test.com', first_name: 'Ada' });
        const refreshed = await jar.post('/auth/token/refresh/', {}, jar.csrf());
        expect(Object.keys(refreshed.body)).to.deep.equal(['csrf_token', 'user']);
      } finally {
        await cookies.close();
      }
    });
  });
});
