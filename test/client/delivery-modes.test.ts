// A client-service's delivery modes: its proxy endpoints translate the auth-service's JSON into
// cookies (and back), its guards read the access cookie, and the CSRF defences hold on the auth
// endpoints and on protected routes, on SQLite and MariaDB, with local and remote verification.
import { expect } from 'chai';
import { DemoController } from '../../src/controllers/client-service/demo-controller';
import { LocalUser } from '../../src/entities';
import type { TestAuthService } from '../support/auth-service';
import { payloadOf, TEST_KEY } from '../support/auth-service';
import type { TestClientService } from '../support/client-service';
import { startClientService, startExtraDataAuthService } from '../support/client-service';
import { CookieJar } from '../support/cookie-jar';
import { forEachDialect } from '../support/databases';

const FOREIGN = { Origin: 'https://evil.example' };
const CREDENTIALS = { email: 'user@test.com', password: 'user-pass' };
const COOKIE_MODES = ['refresh-cookie', 'one-cookie', 'two-cookies'] as const;

forEachDialect((dialect) => {
  for (const verification of ['local', 'remote'] as const) {
    for (const mode of COOKIE_MODES) {
      describe(`a client-service in ${mode} delivery (${verification} verification)`, function () {
        this.timeout(30000);
        let auth: TestAuthService;
        let client: TestClientService;
        let userId: number;
        before(async () => {
          ({ auth } = await startExtraDataAuthService(dialect, { ROTATE_REFRESH_TOKENS: true, BLACKLIST_AFTER_ROTATION: true }));
          userId = await auth.createUser({ email: 'user@test.com' });
          client = await startClientService(
            dialect,
            {
              REMOTE_AUTH_SERVICE_URL: auth.url,
              DELIVERY_MODE: mode,
              TOKEN_VERIFICATION: verification,
              ...(verification === 'local' ? { SIGNING_KEY: TEST_KEY } : {}),
            },
            { controllers: [DemoController] },
          );
        });
        after(async () => {
          await client.close();
          await auth.close();
        });

        const login = async () => {
          const jar = new CookieJar(client.url);
          const response = await jar.post('/auth/token/', CREDENTIALS);
          expect(response.status, response.text).to.equal(200);
          return { jar, response };
        };
        /** How the protected routes are reached in this mode: the cookie, or the header. */
        const credentials = (jar: CookieJar, access?: string): Record<string, string> =>
          mode === 'refresh-cookie' ? { Authorization: `Bearer ${String(access)}` } : {};

        it('logs in through the auth-service, keeps the user copy and sets the cookies of the mode', async () => {
          const { jar, response } = await login();
          expect(Object.keys(response.body)).to.deep.equal(mode === 'refresh-cookie' ? ['access', 'csrf_token'] : ['csrf_token']);
          expect(jar.names()).to.include.members(['easyjwt_csrf', 'easyjwt_refresh']);
          expect(jar.names().includes('easyjwt_access')).to.equal(mode !== 'refresh-cookie');
          expect(jar.names().includes('easyjwt_payload')).to.equal(mode === 'two-cookies');
          for (const cookie of jar.all('easyjwt_refresh')) {
            expect(cookie).to.include({ httpOnly: true, secure: true });
            expect(payloadOf(cookie.value)).to.include({ token_type: 'refresh', user_id: userId });
          }
          expect(
            jar
              .all('easyjwt_refresh')
              .map((cookie) => cookie.path)
              .sort(),
          ).to.deep.equal(['/auth/logout', '/auth/token/refresh']);
          expect(await client.service.dataSource.manager.findOneBy(LocalUser, { id: userId })).to.include({ email: 'user@test.com' });
        });

        it("serves a protected GET from the mode's credentials without a CSRF token", async () => {
          const { jar, response } = await login();
          const ok = await jar.get('/api/test/', credentials(jar, response.body.access));
          expect([ok.status, ok.body]).to.deep.equal([200, 'success']);
          if (mode === 'refresh-cookie') expect((await jar.get('/api/test/')).status).to.equal(401);
        });

        // refresh-cookie never puts the access token in a cookie: nothing to forge on its protected routes.
        if (mode !== 'refresh-cookie')
          it('requires the CSRF header on a protected POST authenticated by the access cookie', async () => {
            const { jar } = await login();
            const missing = await jar.post('/api/test/', {});
            expect([missing.status, missing.body]).to.deep.equal([403, { detail: 'CSRF Failed: CSRF token missing.', code: 'csrf_missing' }]);
            const wrong = await jar.post('/api/test/', {}, { 'X-CSRFToken': jar.value('easyjwt_csrf')!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) });
            expect([wrong.status, wrong.body.code]).to.deep.equal([403, 'csrf_mismatch']);
            const ok = await jar.post('/api/test/', {}, jar.csrf());
            expect([ok.status, ok.body]).to.deep.equal([200, 'success']);
          });

        it('needs no CSRF token when the access token comes in the Authorization header', async () => {
          const { jar, response } = await login();
          const access = mode === 'refresh-cookie' ? response.body.access : jar.value('easyjwt_access');
          const ok = await client.post('/api/test/', {}, { Authorization: `Bearer ${access}` });
          expect([ok.status, ok.body]).to.deep.equal([200, 'success']);
        });

        it('refreshes from the refresh cookie with the CSRF header; the rotated cookie replaces the old one', async () => {
          const { jar } = await login();
          const used = jar.value('easyjwt_refresh')!;
          const refreshed = await jar.post('/auth/token/refresh/', {}, jar.csrf());
          expect(refreshed.status, refreshed.text).to.equal(200);
          expect(Object.keys(refreshed.body)).to.deep.equal(mode === 'refresh-cookie' ? ['access', 'csrf_token'] : ['csrf_token']);
          expect(jar.value('easyjwt_refresh')).to.not.equal(used);
          const again = await jar.get('/api/test/', credentials(jar, refreshed.body.access));
          expect(again.status).to.equal(200);
          // The old refresh token was blacklisted upstream by rotation. Verify says so; a refresh
          // with it would still be answered inside ROTATION_GRACE_PERIOD (reuse detection is on
          // by default with rotation), so the blacklist is checked where no grace applies.
          expect((await auth.post('/auth/token/verify/', { token: used })).body.detail).to.equal('Token is blacklisted');
        });

        it('refuses a refresh with no CSRF header, a wrong one, or from a foreign origin, without calling the auth-service', async () => {
          const { jar } = await login();
          const calls = client.service.upstream.calls.get('/auth/token/refresh/') ?? 0;
          expect((await jar.post('/auth/token/refresh/', {})).body.code).to.equal('csrf_missing');
          expect((await jar.post('/auth/token/refresh/', {}, { 'X-CSRFToken': 'nope' })).body.code).to.equal('csrf_mismatch');
          const foreign = await jar.post('/auth/token/refresh/', {}, { ...jar.csrf(), ...FOREIGN });
          expect([foreign.status, foreign.body.code]).to.deep.equal([403, 'origin_not_allowed']);
          expect(client.service.upstream.calls.get('/auth/token/refresh/') ?? 0).to.equal(calls);
        });

        it('refuses a login from a foreign origin before asking the auth-service', async () => {
          const calls = client.service.upstream.calls.get('/auth/token/') ?? 0;
          const jar = new CookieJar(client.url);
          const refused = await jar.post('/auth/token/', CREDENTIALS, FOREIGN);
          expect([refused.status, refused.body.code]).to.deep.equal([403, 'origin_not_allowed']);
          expect(jar.names()).to.deep.equal([]);
          expect(client.service.upstream.calls.get('/auth/token/') ?? 0).to.equal(calls);
        });

        it('passes a refused login through unchanged, without cookies', async () => {
          const jar = new CookieJar(client.url);
          const refused = await jar.post('/auth/token/', { ...CREDENTIALS, password: 'wrong' });
          expect([refused.status, refused.body]).to.deep.equal([401, { detail: 'No active account found with the given credentials' }]);
          expect(jar.names()).to.deep.equal([]);
        });

        it('logs out: the auth-service blacklists the refresh token and every cookie is cleared', async () => {
          const { jar } = await login();
          const token = jar.value('easyjwt_refresh')!;
          const refused = await jar.post('/auth/logout/', {});
          expect([refused.status, refused.body.code]).to.deep.equal([403, 'csrf_missing']);
          const out = await jar.post('/auth/logout/', {}, jar.csrf());
          expect([out.status, out.body]).to.deep.equal([200, {}]);
          expect(jar.names()).to.deep.equal([]);
          expect((await auth.post('/auth/token/refresh/', { refresh: token })).body.detail).to.equal('Token is blacklisted');
          expect((await jar.post('/auth/logout/', {})).status).to.equal(200);
        });
      });
    }
  }

  describe('a client-service in json delivery', function () {
    this.timeout(30000);
    let auth: TestAuthService;
    let client: TestClientService;
    before(async () => {
      ({ auth } = await startExtraDataAuthService(dialect));
      await auth.createUser({ email: 'user@test.com' });
      client = await startClientService(dialect, { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY }, { controllers: [DemoController] });
    });
    after(async () => {
      await client.close();
      await auth.close();
    });

    it('logs out with {"refresh"} through the auth-service; a second logout answers 200 too', async () => {
      const { refresh } = await client.login('user@test.com');
      expect((await client.post('/auth/logout/', { refresh })).status).to.equal(200);
      expect((await auth.post('/auth/token/refresh/', { refresh })).body.detail).to.equal('Token is blacklisted');
      expect((await client.post('/auth/logout/', { refresh })).status).to.equal(200);
    });

    it("answers 400 to a logout without a refresh token and passes a forged one's refusal on", async () => {
      const missing = await client.post('/auth/logout/', {});
      expect([missing.status, missing.body]).to.deep.equal([400, { refresh: ['This field is required.'] }]);
      const forged = await client.post('/auth/logout/', { refresh: 'a.b.c' });
      expect([forged.status, forged.body]).to.deep.equal([401, { detail: 'Token is invalid or expired', code: 'token_not_valid' }]);
    });

    it('never sets cookies and never asks for a CSRF token, even on a POST from another origin', async () => {
      const login = await client.post('/auth/token/', CREDENTIALS, FOREIGN);
      expect(login.headers.getSetCookie()).to.deep.equal([]);
      const ok = await client.post('/api/test/', {}, { Authorization: `Bearer ${login.body.access}`, ...FOREIGN });
      expect(ok.status).to.equal(200);
    });
  });

  describe('a cookie-mode client-service in front of an auth-service that answers with cookies', function () {
    this.timeout(30000);
    it('answers 503 naming the cause: the auth-service must deliver JSON to its client-services', async () => {
      const { auth } = await startExtraDataAuthService(dialect, { DELIVERY_MODE: 'one-cookie' });
      const client = await startClientService(dialect, { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY, DELIVERY_MODE: 'two-cookies' });
      try {
        await auth.createUser({ email: 'user@test.com' });
        const refused = await client.post('/auth/token/', CREDENTIALS);
        expect([refused.status, refused.body]).to.deep.equal([503, { detail: 'Authentication service unavailable.', code: 'auth_service_unavailable' }]);
        expect(refused.headers.getSetCookie()).to.deep.equal([]);
      } finally {
        await client.close();
        await auth.close();
      }
    });
  });
});
