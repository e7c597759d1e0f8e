// The auth-service's delivery modes over HTTP: what login, refresh, protected routes and logout
// put where in each mode, the cookies' flags, and the CSRF defences (missing token, wrong token,
// foreign origin), on SQLite and MariaDB.
import { expect } from 'chai';
import { FrozenClock } from '../../src/core/clock';
import type { TestAuthService } from '../support/auth-service';
import { payloadOf, startAuthService } from '../support/auth-service';
import { CookieJar } from '../support/cookie-jar';
import { forEachDialect } from '../support/databases';

const FOREIGN = { Origin: 'https://evil.example' };
const NOT_VALID = { detail: 'Token is invalid or expired', code: 'token_not_valid' };
const COOKIE_MODES = ['refresh-cookie', 'one-cookie', 'two-cookies'] as const;

forEachDialect((dialect) => {
  describe('json delivery (the default)', function () {
    this.timeout(30000);
    let auth: TestAuthService;
    let clock: FrozenClock;
    before(async () => {
      clock = new FrozenClock(Date.now());
      auth = await startAuthService(dialect, {}, { clock });
      await auth.createUser({ email: 'user@test.com' });
    });
    after(() => auth.close());

    it('answers login and refresh exactly as the contract shows, without cookies', async () => {
      const login = await auth.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' });
      expect(Object.keys(login.body)).to.deep.equal(['refresh', 'access']);
      expect(login.headers.getSetCookie()).to.deep.equal([]);
      const refreshed = await auth.post('/auth/token/refresh/', { refresh: login.body.refresh });
      expect(Object.keys(refreshed.body)).to.deep.equal(['access']);
      expect(refreshed.headers.getSetCookie()).to.deep.equal([]);
    });

    it('logs out with {"refresh"}: the token is blacklisted, and logging out again still answers 200', async () => {
      const { refresh } = await auth.login('user@test.com');
      const out = await auth.post('/auth/logout/', { refresh });
      expect([out.status, out.body]).to.deep.equal([200, {}]);
      const reused = await auth.post('/auth/token/refresh/', { refresh });
      expect([reused.status, reused.body]).to.deep.equal([401, { detail: 'Token is blacklisted', code: 'token_not_valid' }]);
      const again = await auth.post('/auth/logout/', { refresh });
      expect([again.status, again.body]).to.deep.equal([200, {}]);
    });

    it('logs out an expired refresh token with 200, and refuses a missing or forged one', async () => {
      const { refresh } = await auth.login('user@test.com');
      clock.advance(86400 + 1);
      try {
        expect((await auth.post('/auth/logout/', { refresh })).status).to.equal(200);
      } finally {
        clock.advance(-(86400 + 1));
      }
      const missing = await auth.post('/auth/logout/', {});
      expect([missing.status, missing.body]).to.deep.equal([400, { refresh: ['This field is required.'] }]);
      const forged = await auth.post('/auth/logout/', { refresh: 'not.a.token' });
      expect([forged.status, forged.body]).to.deep.equal([401, NOT_VALID]);
    });

    it('needs no CSRF token and checks no origin: nothing a browser sends by itself authenticates', async () => {
      const login = await auth.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' }, FOREIGN);
      expect(login.status).to.equal(200);
      expect((await auth.post('/auth/token/refresh/', { refresh: login.body.refresh }, FOREIGN)).status).to.equal(200);
    });
  });

  for (const mode of COOKIE_MODES) {
    describe(`${mode} delivery`, function () {
      this.timeout(30000);
      let auth: TestAuthService;
      before(async () => {
        auth = await startAuthService(dialect, { DELIVERY_MODE: mode, CSRF_TRUSTED_ORIGINS: ['https://app.example.com'], ROTATE_REFRESH_TOKENS: true });
        await auth.createUser({ email: 'user@test.com' });
      });
      after(() => auth.close());

      const login = async (headers: Record<string, string> = {}) => {
        const jar = new CookieJar(auth.url);
        const response = await jar.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' }, headers);
        expect(response.status, response.text).to.equal(200);
        return { jar, response };
      };

      it('logs in: the body and the cookies the mode promises, with their flags', async () => {
        const { jar, response } = await login();
        const expectedBody = mode === 'refresh-cookie' ? ['access', 'csrf_token'] : ['csrf_token'];
        expect(Object.keys(response.body)).to.deep.equal(expectedBody);
        expect(response.body.csrf_token)
          .to.match(/^[\w-]{43}$/)
          .and.equal(jar.value('easyjwt_csrf'));
        const expectedCookies = {
          'refresh-cookie': ['easyjwt_csrf', 'easyjwt_refresh'],
          'one-cookie': ['easyjwt_access', 'easyjwt_csrf', 'easyjwt_refresh'],
          'two-cookies': ['easyjwt_access', 'easyjwt_csrf', 'easyjwt_payload', 'easyjwt_refresh'],
        }[mode];
        expect(jar.names()).to.deep.equal(expectedCookies);

        // The refresh cookie: HttpOnly, once per endpoint that reads it, never on "/".
        const refreshCookies = jar.all('easyjwt_refresh');
        expect(refreshCookies.map((cookie) => cookie.path).sort()).to.deep.equal(['/auth/logout', '/auth/token/refresh']);
        for (const cookie of refreshCookies) {
          expect(cookie).to.include({ httpOnly: true, secure: true, sameSite: 'Lax' });
          expect(payloadOf(cookie.value).token_type).to.equal('refresh');
          expect(cookie.maxAge).to.be.within(86390, 86400);
        }
        expect(jar.all('easyjwt_csrf')[0]).to.include({ httpOnly: false, secure: true, path: '/', sameSite: 'Lax' });
        if (mode !== 'refresh-cookie') {
          const access = jar.all('easyjwt_access')[0];
          expect(access).to.include({ httpOnly: true, secure: true, path: '/' });
          expect(payloadOf(access.value).token_type).to.equal('access');
          expect(access.maxAge).to.be.within(290, 300);
        }
        if (mode === 'two-cookies') {
          const payload = jar.all('easyjwt_payload')[0];
          expect(payload).to.include({ httpOnly: false, secure: true, path: '/' });
          const claims = JSON.parse(Buffer.from(payload.value, 'base64url').toString('utf8'));
          expect(claims).to.deep.equal(payloadOf(jar.value('easyjwt_access')!));
        }
      });

      it('authenticates a protected route the way the mode delivers the access token', async () => {
        const { jar, response } = await login();
        if (mode === 'refresh-cookie') {
          // The access token travels in the header; no cookie authenticates.
          expect((await jar.get('/auth/user/')).status).to.equal(401);
          expect((await jar.get('/auth/user/', { Authorization: `Bearer ${response.body.access}` })).body.email).to.equal('user@test.com');
        } else {
          const me = await jar.get('/auth/user/');
          expect([me.status, me.body.email]).to.deep.equal([200, 'user@test.com']);
        }
      });

      it('refreshes from the refresh cookie with the CSRF header, and delivers the new tokens the same way', async () => {
        const { jar } = await login();
        const before = jar.value('easyjwt_refresh');
        const csrf = jar.value('easyjwt_csrf');
        const refreshed = await jar.post('/auth/token/refresh/', {}, jar.csrf());
        expect(refreshed.status, refreshed.text).to.equal(200);
        expect(Object.keys(refreshed.body)).to.deep.equal(mode === 'refresh-cookie' ? ['access', 'csrf_token'] : ['csrf_token']);
        // Rotation is on: a new refresh cookie; the CSRF token stays, so other tabs keep working.
        expect(jar.value('easyjwt_refresh')).to.not.equal(before);
        expect(jar.value('easyjwt_csrf')).to.equal(csrf);
        expect(refreshed.body.csrf_token).to.equal(csrf);
        if (mode !== 'refresh-cookie') expect((await jar.get('/auth/user/')).status).to.equal(200);
      });

      it('refuses a refresh without the CSRF header, with a wrong one, and from a foreign origin', async () => {
        const { jar } = await login();
        const missing = await jar.post('/auth/token/refresh/', {});
        expect([missing.status, missing.body]).to.deep.equal([403, { detail: 'CSRF Failed: CSRF token missing.', code: 'csrf_missing' }]);
        const wrong = await jar.post('/auth/token/refresh/', {}, { 'X-CSRFToken': 'x'.repeat(43) });
        expect([wrong.status, wrong.body]).to.deep.equal([403, { detail: 'CSRF Failed: CSRF token incorrect.', code: 'csrf_mismatch' }]);
        const foreign = await jar.post('/auth/token/refresh/', {}, { ...jar.csrf(), ...FOREIGN });
        expect([foreign.status, foreign.body]).to.deep.equal([
          403,
          { detail: 'CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins.', code: 'origin_not_allowed' },
        ]);
        // None of them used the token: the cookie still refreshes.
        expect((await jar.post('/auth/token/refresh/', {}, jar.csrf())).status).to.equal(200);
      });

      it('refuses a refresh whose CSRF cookie is gone, even with a header', async () => {
        const { jar } = await login();
        const header = jar.csrf();
        jar.drop('easyjwt_csrf');
        const refused = await jar.post('/auth/token/refresh/', {}, header);
        expect([refused.status, refused.body]).to.deep.equal([403, { detail: 'CSRF Failed: CSRF cookie not set.', code: 'csrf_missing' }]);
      });

      it('checks the origin of logins: its own and trusted ones pass, others get 403', async () => {
        const own = await login({ Origin: auth.url });
        expect(own.response.status).to.equal(200);
        expect((await login({ Origin: 'https://app.example.com' })).response.status).to.equal(200);
        const jar = new CookieJar(auth.url);
        const refused = await jar.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' }, FOREIGN);
        expect([refused.status, refused.body.code]).to.deep.equal([403, 'origin_not_allowed']);
        expect(jar.names()).to.deep.equal([]);
        const byReferer = await jar.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' }, { Referer: 'https://evil.example/page' });
        expect(byReferer.status).to.equal(403);
      });

      it('answers 401 to a refresh that carries no refresh token at all', async () => {
        const refused = await new CookieJar(auth.url).post('/auth/token/refresh/', {});
        expect([refused.status, refused.body]).to.deep.equal([401, { detail: 'Authentication credentials were not provided.', code: 'not_authenticated' }]);
        expect(refused.headers.get('www-authenticate')).to.equal('Bearer realm="api"');
      });

      it('logs out: the refresh token is blacklisted and every cookie the mode set is cleared', async () => {
        const { jar } = await login();
        const token = jar.value('easyjwt_refresh')!;
        const out = await jar.post('/auth/logout/', {}, jar.csrf());
        expect([out.status, out.body]).to.deep.equal([200, {}]);
        const cleared = out.headers.getSetCookie().map((line) => line.split('=')[0]);
        expect([...new Set(cleared)].sort()).to.deep.equal(
          {
            'refresh-cookie': ['easyjwt_csrf', 'easyjwt_refresh'],
            'one-cookie': ['easyjwt_access', 'easyjwt_csrf', 'easyjwt_refresh'],
            'two-cookies': ['easyjwt_access', 'easyjwt_csrf', 'easyjwt_payload', 'easyjwt_refresh'],
          }[mode],
        );
        expect(jar.names()).to.deep.equal([]);
        expect((await auth.post('/auth/token/refresh/', { refresh: token })).body.detail).to.equal('Token is blacklisted');
        // Again, with nothing left: still 200.
        expect((await jar.post('/auth/logout/', {})).status).to.equal(200);
      });

      it('refuses a logout without the CSRF header while the refresh cookie is there', async () => {
        const { jar } = await login();
        const refused = await jar.post('/auth/logout/', {});
        expect([refused.status, refused.body.code]).to.deep.equal([403, 'csrf_missing']);
        expect(jar.names()).to.include('easyjwt_refresh');
      });

      it('clears the cookies when the refresh cookie no longer works', async () => {
        const { jar } = await login();
        await auth.post('/auth/token/blacklist/', { refresh: jar.value('easyjwt_refresh') });
        const refused = await jar.post('/auth/token/refresh/', {}, jar.csrf());
        expect([refused.status, refused.body.detail]).to.deep.equal([401, 'Token is blacklisted']);
        expect(jar.names()).to.deep.equal([]);
      });
    });
  }

  describe('cookie settings', function () {
    this.timeout(30000);
    it('writes the configured names, domain, path, SameSite and max-age, and leaves Secure off only when told', async () => {
      const auth = await startAuthService(dialect, {
        DELIVERY_MODE: 'two-cookies',
        ACCESS_COOKIE_NAME: 'a',
        REFRESH_COOKIE_NAME: 'r',
        PAYLOAD_COOKIE_NAME: 'p',
        CSRF_COOKIE_NAME: 'c',
        CSRF_HEADER_NAME: 'X-Check',
        COOKIE_DOMAIN: 'example.test',
        COOKIE_PATH: '/app',
        COOKIE_SECURE: false,
        COOKIE_SAMESITE: 'Strict',
        ACCESS_COOKIE_MAX_AGE: 60,
        REFRESH_COOKIE_MAX_AGE: '1h',
        URL_PREFIX: '/identity',
      });
      try {
        await auth.createUser({ email: 'user@test.com' });
        const response = await auth.post('/identity/token/', { email: 'user@test.com', password: 'user-pass' });
        const lines = response.headers.getSetCookie();
        expect(lines.find((line) => line.startsWith('a='))).to.match(
          /^a=[\w-]+\.[\w-]+\.[\w-]+; Path=\/app; Domain=example\.test; Max-Age=60; HttpOnly; SameSite=Strict$/,
        );
        expect(lines.filter((line) => line.startsWith('r=')).map((line) => /Path=([^;]+)/.exec(line)![1])).to.deep.equal([
          '/identity/token/refresh',
          '/identity/logout',
        ]);
        expect(lines.find((line) => line.startsWith('r='))).to.contain('Max-Age=3600; HttpOnly; SameSite=Strict');
        expect(lines.find((line) => line.startsWith('p='))).to.match(/; Max-Age=60; SameSite=Strict$/);
        expect(lines.find((line) => line.startsWith('c='))).to.match(/^c=[\w-]{43}; Path=\/app; Domain=example\.test; Max-Age=3600; SameSite=Strict$/);
      } finally {
        await auth.close();
      }
    });
  });
});
