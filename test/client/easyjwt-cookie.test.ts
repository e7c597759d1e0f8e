// A client-service in the easyjwt-cookie delivery mode, replaying the requests a single-page app
// written for django-easyjwt 1.1's cookie mode (REFRESH_TOKEN_IN_COOKIE) sends, over real HTTP,
// with our auth-service behind it: the CSRF bootstrap, login, Bearer calls, cookie refresh and
// token/logout/, each answer's status, body and Set-Cookie attributes as easyjwt 1.1 gives them.
// Then token/logout/ in the other modes, and csrf/ where it is not served.
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { DemoController } from '../../src/controllers/client-service/demo-controller';
import { maskSecret, secretOf } from '../../src/delivery/django-csrf';
import type { TestAuthService } from '../support/auth-service';
import { payloadOf, startAuthService, TEST_KEY } from '../support/auth-service';
import type { TestClientService } from '../support/client-service';
import { deadPort, startClientService } from '../support/client-service';
import type { JarCookie } from '../support/cookie-jar';
import { CookieJar } from '../support/cookie-jar';
import { forEachDialect } from '../support/databases';

const CREDENTIALS = { email: 'user@test.com', password: 'user-pass' };
const CSRF_SET = { detail: 'CSRF cookie set.' };
const LOGGED_OUT = { detail: 'Logged out.' };
const CSRF_BAD = { detail: 'CSRF Failed: CSRF token missing or incorrect.' };
const NO_REFRESH = { detail: 'No refresh token provided.' };
const DJANGO_TOKEN = /^[a-zA-Z0-9]{64}$/;

/** The Set-Cookie lines of an answer, by cookie name. */
const setCookies = (jar: CookieJar, headers: Headers): Record<string, JarCookie> =>
  Object.fromEntries(jar.take(headers).map((cookie) => [cookie.name, cookie]));

/** A refresh token our auth-service would accept the shape of, signed with the test key. */
const refreshToken = (userId: number, lifetime = 3600) => {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ token_type: 'refresh', exp: now + lifetime, iat: now, jti: 'f'.repeat(32), user_id: userId }, TEST_KEY, {
    algorithm: 'HS256',
    noTimestamp: true,
  });
};

forEachDialect((dialect) => {
  describe('a client-service in easyjwt-cookie delivery, driven as an easyjwt 1.1 single-page app drives it', function () {
    this.timeout(30000);
    let auth: TestAuthService;
    let client: TestClientService;
    let userId: number;
    before(async () => {
      auth = await startAuthService(dialect, { ROTATE_REFRESH_TOKENS: true, BLACKLIST_AFTER_ROTATION: true });
      userId = await auth.createUser({ email: 'user@test.com' });
      client = await startClientService(
        dialect,
        { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY, DELIVERY_MODE: 'easyjwt-cookie' },
        { controllers: [DemoController] },
      );
    });
    after(async () => {
      await client.close();
      await auth.close();
    });

    /** GET csrf/ as the page's bootstrap does; the jar then holds `csrftoken`. */
    const bootstrap = async () => {
      const jar = new CookieJar(client.url);
      const csrf = await jar.get('/auth/csrf/');
      expect([csrf.status, csrf.body]).to.deep.equal([200, CSRF_SET]);
      return jar;
    };
    const xcsrf = (jar: CookieJar) => jar.csrf('csrftoken');
    const loggedIn = async () => {
      const jar = await bootstrap();
      const login = await jar.post('/auth/token/', CREDENTIALS, xcsrf(jar));
      expect(login.status, login.text).to.equal(200);
      return { jar, access: login.body.access as string };
    };
    const upstreamCalls = (path: string) => client.service.upstream.calls.get(path) ?? 0;

    it("GET /auth/csrf/ answers 200 {detail} and sets Django's csrftoken: readable, Path=/, SameSite=Lax, a year", async () => {
      const jar = new CookieJar(client.url);
      const response = await jar.get('/auth/csrf/');
      expect([response.status, response.text]).to.deep.equal([200, JSON.stringify(CSRF_SET)]);
      expect(response.headers.get('content-type')).to.equal('application/json');
      expect([response.headers.get('allow'), response.headers.get('vary')]).to.deep.equal(['GET, HEAD, OPTIONS', 'Accept']);
      const [cookie] = jar.all('csrftoken');
      expect(cookie).to.deep.include({ path: '/', maxAge: 31449600, httpOnly: false, secure: true, sameSite: 'Lax', domain: null });
      expect(cookie.value).to.match(DJANGO_TOKEN);
      expect(jar.names()).to.deep.equal(['csrftoken']);
    });

    it('GET /auth/csrf/ keeps a csrftoken the browser already holds, and replaces a malformed one', async () => {
      const jar = await bootstrap();
      const held = jar.value('csrftoken');
      expect((await jar.get('/auth/csrf/')).status).to.equal(200);
      expect(jar.value('csrftoken')).to.equal(held);
      const replaced = setCookies(jar, (await client.get('/auth/csrf/', { Cookie: 'csrftoken=not-a-django-token' })).headers);
      expect(replaced.csrftoken.value).to.match(DJANGO_TOKEN);
    });

    it('logs in with X-CSRFToken: the body is {"access"} alone, the refresh token goes to an HttpOnly refresh_token cookie on /', async () => {
      const jar = await bootstrap();
      const csrfBefore = jar.value('csrftoken');
      const login = await jar.post('/auth/token/', CREDENTIALS, xcsrf(jar));
      expect(login.status, login.text).to.equal(200);
      expect(Object.keys(login.body)).to.deep.equal(['access']);
      expect(payloadOf(login.body.access)).to.include({ token_type: 'access', user_id: userId });
      const [cookie] = jar.all('refresh_token');
      expect(jar.all('refresh_token')).to.have.length(1);
      expect(cookie).to.deep.include({ path: '/', httpOnly: true, secure: true, sameSite: 'Lax', domain: null });
      expect(cookie.maxAge).to.be.within(86390, 86400);
      expect(payloadOf(cookie.value)).to.include({ token_type: 'refresh', user_id: userId });
      // The CSRF cookie is not touched by a login: a page that read it once keeps a good value.
      expect(login.headers.getSetCookie().map((line) => line.split('=')[0])).to.deep.equal(['refresh_token']);
      expect(jar.value('csrftoken')).to.equal(csrfBefore);
    });

    it('serves protected routes from the Bearer header only: the cookie alone is no credential', async () => {
      const { jar, access } = await loggedIn();
      const ok = await jar.get('/api/test/', { Authorization: `Bearer ${access}` });
      expect([ok.status, ok.body]).to.deep.equal([200, 'success']);
      const posted = await jar.post('/api/test/', {}, { Authorization: `Bearer ${access}` });
      expect([posted.status, posted.body]).to.deep.equal([200, 'success']);
      const cookieOnly = await jar.get('/api/test/');
      expect([cookieOnly.status, cookieOnly.body]).to.deep.equal([401, { detail: 'Authentication credentials were not provided.' }]);
    });

    it('refreshes from the cookie with X-CSRFToken: the body is {"access"} alone and the rotated refresh token replaces the cookie', async () => {
      const { jar } = await loggedIn();
      const used = jar.value('refresh_token')!;
      const refreshed = await jar.post('/auth/token/refresh/', {}, xcsrf(jar));
      expect(refreshed.status, refreshed.text).to.equal(200);
      expect(Object.keys(refreshed.body)).to.deep.equal(['access']);
      expect(payloadOf(refreshed.body.access)).to.include({ token_type: 'access', user_id: userId });
      const [cookie] = jar.all('refresh_token');
      expect(cookie).to.deep.include({ path: '/', httpOnly: true, secure: true, sameSite: 'Lax' });
      expect(cookie.value).to.not.equal(used);
      expect((await auth.post('/auth/token/verify/', { token: used })).body.detail).to.equal('Token is blacklisted');
    });

    it('refuses login, refresh and logout without the CSRF header, with a wrong one, or without the CSRF cookie, before asking the auth-service', async () => {
      const { jar } = await loggedIn();
      const before = [upstreamCalls('/auth/token/'), upstreamCalls('/auth/token/refresh/'), upstreamCalls('/auth/token/blacklist/')];
      for (const path of ['/auth/token/', '/auth/token/refresh/', '/auth/token/logout/']) {
        const body = path === '/auth/token/' ? CREDENTIALS : {};
        const missing = await jar.post(path, body);
        expect([missing.status, missing.text], path).to.deep.equal([403, JSON.stringify(CSRF_BAD)]);
        const wrong = await jar.post(path, body, { 'X-CSRFToken': 'A'.repeat(64) });
        expect([wrong.status, wrong.body], path).to.deep.equal([403, CSRF_BAD]);
        const noCookie = await client.post(path, body, { 'X-CSRFToken': jar.value('csrftoken')!, Cookie: `refresh_token=${jar.value('refresh_token')!}` });
        expect([noCookie.status, noCookie.body], path).to.deep.equal([403, { detail: 'CSRF Failed: CSRF cookie not set.' }]);
      }
      expect([upstreamCalls('/auth/token/'), upstreamCalls('/auth/token/refresh/'), upstreamCalls('/auth/token/blacklist/')]).to.deep.equal(before);
      // Nothing was cleared by the refusals: the session goes on.
      expect((await jar.post('/auth/token/refresh/', {}, xcsrf(jar))).status).to.equal(200);
    });

    it('accepts the same secret under another mask, as Django does, and a bare 32-character secret', async () => {
      const { jar } = await loggedIn();
      const secret = secretOf(jar.value('csrftoken')!)!;
      const remasked = maskSecret(secret, 'Z'.repeat(32));
      expect(remasked).to.not.equal(jar.value('csrftoken'));
      expect((await jar.post('/auth/token/refresh/', {}, { 'X-CSRFToken': remasked })).status).to.equal(200);
      const bare = await client.post(
        '/auth/token/refresh/',
        {},
        { 'X-CSRFToken': secret, Cookie: `csrftoken=${secret}; refresh_token=${jar.value('refresh_token')!}` },
      );
      expect(bare.status, bare.text).to.equal(200);
    });

    it('refuses a refresh from a foreign origin', async () => {
      const { jar } = await loggedIn();
      const foreign = await jar.post('/auth/token/refresh/', {}, { ...xcsrf(jar), Origin: 'https://evil.example' });
      expect([foreign.status, foreign.body]).to.deep.equal([
        403,
        { detail: 'CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins.' },
      ]);
    });

    it('answers a refresh without the refresh cookie 401 {"detail":"No refresh token provided."}, a refresh token in the body not being read', async () => {
      const jar = await bootstrap();
      const none = await jar.post('/auth/token/refresh/', {}, xcsrf(jar));
      expect([none.status, none.text]).to.deep.equal([401, JSON.stringify(NO_REFRESH)]);
      expect(none.headers.get('www-authenticate')).to.equal('Bearer realm="api"');
      const { refresh } = await auth.login('user@test.com');
      const inBody = await jar.post('/auth/token/refresh/', { refresh }, xcsrf(jar));
      expect([inBody.status, inBody.body]).to.deep.equal([401, NO_REFRESH]);
    });

    it('logs out at token/logout/: 200 {"detail":"Logged out."}, the refresh token blacklisted and its cookie cleared; the CSRF cookie stays', async () => {
      const { jar } = await loggedIn();
      const token = jar.value('refresh_token')!;
      const out = await jar.post('/auth/token/logout/', {}, xcsrf(jar));
      expect([out.status, out.text]).to.deep.equal([200, JSON.stringify(LOGGED_OUT)]);
      expect(out.headers.get('content-type')).to.equal('application/json');
      expect([out.headers.get('allow'), out.headers.get('vary')]).to.deep.equal(['POST, OPTIONS', 'Accept']);
      const cleared = setCookies(new CookieJar(client.url), out.headers);
      expect(Object.keys(cleared)).to.deep.equal(['refresh_token']);
      expect(cleared.refresh_token).to.deep.include({ value: '', path: '/', maxAge: 0, httpOnly: true, secure: true, sameSite: 'Lax' });
      expect(jar.names()).to.deep.equal(['csrftoken']);
      expect((await auth.post('/auth/token/refresh/', { refresh: token })).body.detail).to.equal('Token is blacklisted');

      // The page's next calls: a refresh has nothing to send, a second logout is as good as the first.
      const after = await jar.post('/auth/token/refresh/', {}, xcsrf(jar));
      expect([after.status, after.body]).to.deep.equal([401, NO_REFRESH]);
      const again = await jar.post('/auth/token/logout/', {}, xcsrf(jar));
      expect([again.status, again.body]).to.deep.equal([200, LOGGED_OUT]);
    });

    it('logs out with 200 whatever the refresh cookie holds: nothing, garbage, or a token the auth-service refuses', async () => {
      const jar = await bootstrap();
      const csrf = jar.value('csrftoken')!;
      for (const refresh of [null, 'garbage', refreshToken(userId + 1000)]) {
        const cookie = `csrftoken=${csrf}${refresh === null ? '' : `; refresh_token=${refresh}`}`;
        const out = await client.post('/auth/token/logout/', {}, { 'X-CSRFToken': csrf, Cookie: cookie });
        expect([out.status, out.body], String(refresh)).to.deep.equal([200, LOGGED_OUT]);
        expect(out.headers.getSetCookie(), String(refresh)).to.deep.equal([
          'refresh_token=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax',
        ]);
      }
    });

    it('also logs out at /auth/logout/ with our answer, under the same CSRF rule', async () => {
      const { jar } = await loggedIn();
      expect((await jar.post('/auth/logout/', {})).body).to.deep.equal(CSRF_BAD);
      const out = await jar.post('/auth/logout/', {}, xcsrf(jar));
      expect([out.status, out.body]).to.deep.equal([200, {}]);
      expect(jar.names()).to.deep.equal(['csrftoken']);
    });

    it('passes a refused login on unchanged and sets no cookie', async () => {
      const jar = await bootstrap();
      const refused = await jar.post('/auth/token/', { ...CREDENTIALS, password: 'wrong' }, xcsrf(jar));
      expect([refused.status, refused.body]).to.deep.equal([401, { detail: 'No active account found with the given credentials' }]);
      expect(jar.names()).to.deep.equal(['csrftoken']);
    });
  });

  describe('token/logout/ when the auth-service cannot be reached (easyjwt-cookie)', () => {
    it('still answers 200 {"detail":"Logged out."} and clears the cookie: logging out is best effort', async () => {
      const client = await startClientService(dialect, {
        REMOTE_AUTH_SERVICE_URL: `http://127.0.0.1:${await deadPort()}`,
        SIGNING_KEY: TEST_KEY,
        DELIVERY_MODE: 'easyjwt-cookie',
        COOKIE_SECURE: false,
      });
      try {
        const jar = new CookieJar(client.url);
        await jar.get('/auth/csrf/');
        const csrf = jar.value('csrftoken')!;
        const out = await client.post('/auth/token/logout/', {}, { 'X-CSRFToken': csrf, Cookie: `csrftoken=${csrf}; refresh_token=${refreshToken(1)}` });
        expect([out.status, out.body]).to.deep.equal([200, LOGGED_OUT]);
        expect(out.headers.getSetCookie()).to.deep.equal(['refresh_token=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax']);
      } finally {
        await client.close();
      }
    });
  });

  describe('the easyjwt 1.1 routes in the other delivery modes', function () {
    this.timeout(30000);
    let auth: TestAuthService;
    before(async () => {
      auth = await startAuthService(dialect);
      await auth.createUser({ email: 'user@test.com' });
    });
    after(async () => {
      await auth.close();
    });
    const start = (settings: Record<string, unknown> = {}) =>
      startClientService(dialect, { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY, ...settings });

    it("json: easyjwt 1.0-style requests answer as before, and token/logout/ blacklists the body refresh token with easyjwt 1.1's answer", async () => {
      const client = await start();
      try {
        const login = await client.post('/auth/token/', CREDENTIALS);
        expect([login.status, Object.keys(login.body)]).to.deep.equal([200, ['refresh', 'access']]);
        expect(login.headers.getSetCookie()).to.deep.equal([]);
        const refreshed = await client.post('/auth/token/refresh/', { refresh: login.body.refresh });
        expect([refreshed.status, Object.keys(refreshed.body)]).to.deep.equal([200, ['access']]);
        const verified = await client.post('/auth/token/verify/', { token: refreshed.body.access });
        expect([verified.status, verified.text]).to.deep.equal([200, '{}']);
        const out = await client.post('/auth/token/logout/', { refresh: login.body.refresh });
        expect([out.status, out.text]).to.deep.equal([200, JSON.stringify(LOGGED_OUT)]);
        expect(out.headers.getSetCookie()).to.deep.equal([]);
        expect((await auth.post('/auth/token/verify/', { token: login.body.refresh })).body.detail).to.equal('Token is blacklisted');
        // Best effort: no token, a blank or non-string one, or a refused one are all a 200.
        for (const body of [{}, { refresh: '' }, { refresh: 7 }, { refresh: 'garbage' }, { refresh: login.body.refresh }]) {
          const again = await client.post('/auth/token/logout/', body);
          expect([again.status, again.body], JSON.stringify(body)).to.deep.equal([200, LOGGED_OUT]);
        }
        // Our own logout keeps its stricter answers.
        expect((await client.post('/auth/logout/', {})).status).to.equal(400);
        const csrf = await client.get('/auth/csrf/');
        expect([csrf.status, csrf.body]).to.deep.equal([404, { detail: 'Not found.' }]);
        expect(csrf.headers.getSetCookie()).to.deep.equal([]);
      } finally {
        await client.close();
      }
    });

    for (const mode of ['refresh-cookie', 'one-cookie', 'two-cookies'] as const)
      it(`${mode}: serves neither csrf/ nor token/logout/, which its narrowed refresh cookie never reaches`, async () => {
        const client = await start({ DELIVERY_MODE: mode });
        try {
          const jar = new CookieJar(client.url);
          expect((await jar.post('/auth/token/', CREDENTIALS)).status).to.equal(200);
          const out = await jar.post('/auth/token/logout/', {}, jar.csrf());
          expect([out.status, out.body]).to.deep.equal([404, { detail: 'Not found.' }]);
          expect(jar.names()).to.include('easyjwt_refresh');
          expect((await jar.get('/auth/csrf/')).status).to.equal(404);
        } finally {
          await client.close();
        }
      });
  });
});
