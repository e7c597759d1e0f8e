// A client-service authorising from the token's user claim (USER_FROM_CLAIM), user data in its
// token answers (TOKEN_RESPONSE_USER), and its lifecycle events, on SQLite and MariaDB.
import { expect } from 'chai';
import { resolveClientSettings } from '../../src/client-service/client-settings';
import { LocalUser } from '../../src/entities';
import { SettingsError } from '../../src/errors';
import type { ClientServiceEvents } from '../../src/events';
import type { TestAuthService } from '../support/auth-service';
import { TEST_KEY } from '../support/auth-service';
import type { TestClientService } from '../support/client-service';
import { bearer, GuardedController, startClientService, startExtraDataAuthService } from '../support/client-service';
import { CookieJar } from '../support/cookie-jar';
import { forEachDialect } from '../support/databases';

forEachDialect((dialect) => {
  describe('a client-service trusting the user claim (USER_FROM_CLAIM)', function () {
    this.timeout(30000);
    let auth: TestAuthService;
    let client: TestClientService;
    let userId: number;
    before(async () => {
      ({ auth } = await startExtraDataAuthService(dialect, { USER_PAYLOAD_CLAIM: 'user' }));
      userId = await auth.createUser({ email: 'user@test.com', permissions: ['app.view'] });
      client = await startClientService(
        dialect,
        { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY, USER_FROM_CLAIM: 'user', TOKEN_RESPONSE_USER: true },
        { controllers: [GuardedController] },
      );
    });
    after(async () => {
      await client.close();
      await auth.close();
    });

    it('authorises from the claim alone: no user copy, no call to the auth-service after login', async () => {
      const login = await client.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' });
      expect(login.body.user).to.deep.equal({ id: userId, email: 'user@test.com', is_staff: false, is_superuser: false, perms: ['app.view'] });
      const calls = client.service.upstream.totalCalls;
      expect((await client.get('/guarded/view/', bearer(login.body.access))).status).to.equal(200);
      expect((await client.get('/guarded/view-and-edit/', bearer(login.body.access))).status).to.equal(403);
      const me = await client.get('/guarded/me/', bearer(login.body.access));
      expect(me.body).to.deep.equal(login.body.user);
      expect(client.service.upstream.totalCalls).to.equal(calls);
      expect(await client.service.dataSource.manager.count(LocalUser)).to.equal(0);
    });

    it('refuses a token without the claim', async () => {
      const plain = await startExtraDataAuthService(dialect);
      try {
        await plain.auth.createUser({ email: 'user@test.com' });
        const { access } = await plain.auth.login('user@test.com');
        const refused = await client.get('/guarded/login/', bearer(access));
        expect([refused.status, refused.body]).to.deep.equal([401, { detail: 'Token has no valid "user" claim', code: 'token_not_valid' }]);
      } finally {
        await plain.auth.close();
      }
    });

    it('is refused at start-up without local verification', () => {
      expect(() => resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: 'http://127.0.0.1:1', USER_FROM_CLAIM: 'user' })).to.throw(
        SettingsError,
        'USER_FROM_CLAIM',
      );
    });
  });

  describe('client-service token answers and events', function () {
    this.timeout(30000);
    let auth: TestAuthService;
    let client: TestClientService;
    let userId: number;
    const seen: { name: string; event: Record<string, unknown> }[] = [];
    before(async () => {
      ({ auth } = await startExtraDataAuthService(dialect));
      userId = await auth.createUser({ email: 'user@test.com', firstName: 'Ada' });
      client = await startClientService(dialect, {
        REMOTE_AUTH_SERVICE_URL: auth.url,
        SIGNING_KEY: TEST_KEY,
        TOKEN_RESPONSE_USER: true,
        DELIVERY_MODE: 'two-cookies',
      });
      const names: (keyof ClientServiceEvents)[] = ['loginSucceeded', 'loginFailed', 'tokenRefreshed', 'loggedOut', 'userSynced', 'csrfRejected'];
      for (const name of names) client.service.events.on(name, (event) => void seen.push({ name, event: event as Record<string, unknown> }));
    });
    after(async () => {
      await client.close();
      await auth.close();
    });
    beforeEach(() => seen.splice(0));

    it('answers login and refresh with the local copy as `user`, and announces the sync and the login', async () => {
      const jar = new CookieJar(client.url);
      const login = await jar.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' });
      expect(Object.keys(login.body)).to.deep.equal(['csrf_token', 'user']);
      expect(login.body.user).to.include({ id: userId, email: 'user@test.com', first_name: 'Ada' });
      const refreshed = await jar.post('/auth/token/refresh/', {}, jar.csrf());
      expect(refreshed.body.user).to.deep.equal(login.body.user);
      await jar.post('/auth/logout/', {}, jar.csrf());
      expect(seen.map((s) => s.name)).to.deep.equal(['userSynced', 'loginSucceeded', 'tokenRefreshed', 'loggedOut']);
      expect(seen[0].event).to.include({ userId, reason: 'login' });
      expect(seen[0].event.request).to.include({ path: '/auth/token/', method: 'POST', ip: '127.0.0.1' });
      expect(seen[1].event).to.include({ userId });
      expect(seen[2].event).to.include({ userId, rotated: false });
      expect(seen[3].event).to.include({ userId, blacklisted: true });
    });

    it('announces a refused login with the login masked', async () => {
      await client.post('/auth/token/', { email: 'user@test.com', password: 'Not-The-Password' });
      expect(seen).to.have.length(1);
      expect(seen[0].event).to.include({ login: 'u***@test.com', status: 401 });
      expect(JSON.stringify(seen)).to.not.contain('Not-The-Password');
    });

    it('announces a CSRF refusal at refresh', async () => {
      const jar = new CookieJar(client.url);
      await jar.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' });
      seen.splice(0);
      await jar.post('/auth/token/refresh/', {}, { 'X-CSRFToken': 'forged' });
      expect(seen.map((s) => [s.name, s.event.code])).to.deep.equal([['csrfRejected', 'csrf_mismatch']]);
    });
  });
});
