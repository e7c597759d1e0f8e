// The security headers both services send (helmet's, chosen for a JSON API): on successes and
// on errors alike, the ones Node's parser answers included; HSTS only over HTTPS; the demo page
// with a policy that runs its own scripts; none when SECURITY_HEADERS is off.
import { expect } from 'chai';
import Koa from 'koa';
import { DemoController } from '../../src/controllers/client-service/demo-controller';
import { listen } from '../../src/http/server';
import { createDemoClientService } from '../../src/services/demo-client-service';
import { easyJwtClient } from '../../src/services/easyjwt-client';
import type { SettingsInput } from '../../src/settings';
import { call, jsonClient, startAuthService, TEST_KEY } from '../support/auth-service';
import type { TestAuthService, TestResponse } from '../support/auth-service';
import { bearer, startClientService } from '../support/client-service';
import { forEachDialect, freshDatabaseUrl } from '../support/databases';
import { openRaw, waitUntil } from '../support/raw-socket';

/** What every answer carries with the defaults (COOKIE_SECURE on, so HSTS too). */
const EXPECTED: Record<string, string> = {
  'content-security-policy': "default-src 'none';frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};
/** Helmet's other headers, which a JSON answer has no use for. */
const NOT_SENT = [
  'cross-origin-opener-policy',
  'cross-origin-embedder-policy',
  'origin-agent-cluster',
  'x-permitted-cross-domain-policies',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-xss-protection',
];
const NAMES = [...Object.keys(EXPECTED), ...NOT_SENT];

/** The security headers of an answer, by lower-case name. */
const securityOf = (response: TestResponse): Record<string, string | null> => Object.fromEntries(NAMES.map((name) => [name, response.headers.get(name)]));

const expectAll = (response: TestResponse, expected: Record<string, string | null> = EXPECTED) =>
  expect(securityOf(response), `${response.status} ${response.text}`).to.deep.equal({ ...Object.fromEntries(NAMES.map((name) => [name, null])), ...expected });

forEachDialect((dialect) => {
  describe('security headers of the auth-service', () => {
    let auth: TestAuthService;
    const start = async (overrides: SettingsInput = {}) => {
      auth = await startAuthService(dialect, overrides);
      await auth.createUser({ email: 'user@test.com' });
    };
    afterEach(async () => auth.close());

    it('come on successes and on every kind of error answer', async () => {
      await start();
      const { access } = await auth.login('user@test.com');
      expectAll(await auth.get('/auth/user/', bearer(access))); // 200
      expectAll(await auth.get('/.well-known/jwks.json')); // 200, cacheable
      expectAll(await call(`${auth.url}/auth/token/`, { method: 'OPTIONS' })); // 200
      expectAll(await auth.get('/auth/user/')); // 401
      expectAll(await auth.get('/nowhere/')); // 404
      expectAll(await auth.get('/auth/token/')); // 405
      expectAll(await auth.post('/auth/token/', '{"email":')); // 400
      expectAll(await auth.post('/auth/token/', 'x', { 'Content-Type': 'text/plain' })); // 415
      expectAll(await auth.post('/auth/token/', { password: 'x'.repeat(70000) })); // 413
    });

    it('come on the answers Node writes itself (a malformed request)', async () => {
      await start();
      const connection = await openRaw(auth.url);
      connection.write('THIS IS NOT HTTP\r\n\r\n');
      expect(await waitUntil(() => connection.closed(), 5000)).to.equal(true);
      expect(connection.statuses()).to.deep.equal([400]);
      for (const [name, value] of Object.entries(EXPECTED)) expect(connection.received().toLowerCase()).to.include(`\r\n${name}: ${value.toLowerCase()}\r\n`);
    });

    it('leave out HSTS without COOKIE_SECURE (plain http), and add it when STRICT_TRANSPORT_SECURITY says so', async () => {
      await start({ COOKIE_SECURE: false });
      expectAll(await auth.get('/auth/user/'), { ...EXPECTED, 'strict-transport-security': null });
      await auth.close();
      await start({ COOKIE_SECURE: false, STRICT_TRANSPORT_SECURITY: true });
      expectAll(await auth.get('/auth/user/'));
      await auth.close();
      await start({ STRICT_TRANSPORT_SECURITY: false });
      expectAll(await auth.get('/auth/user/'), { ...EXPECTED, 'strict-transport-security': null });
    });

    it('are all left out with SECURITY_HEADERS off', async () => {
      await start({ SECURITY_HEADERS: false });
      expectAll(await auth.get('/auth/user/'), {});
      expectAll(await auth.get('/nowhere/'), {});
    });
  });

  describe('security headers of the client-service', () => {
    let auth: TestAuthService;
    before(async () => {
      auth = await startAuthService(dialect);
      await auth.createUser({ email: 'user@test.com' });
    });
    after(async () => auth.close());

    it("come on the team's routes and the proxy endpoints, successes and errors", async () => {
      const client = await startClientService(dialect, { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY }, { controllers: [DemoController] });
      try {
        const { access } = await client.login('user@test.com'); // through the proxy
        expectAll(await client.get('/api/test/', bearer(access))); // 200
        expectAll(await client.get('/api/test/')); // 401
        expectAll(await call(`${client.url}/api/test/`, { method: 'PUT' })); // 405
        expectAll(await client.get('/nowhere/')); // 404
        expectAll(await client.post('/auth/token/', { email: 'user@test.com', password: 'wrong' })); // 401 relayed
        expectAll(await client.post('/auth/token/', 'x', { 'Content-Type': 'text/plain' })); // 415
      } finally {
        await client.close();
      }
    });

    it('give the demo page a policy that runs its own scripts only, and keep the JSON policy on its API', async () => {
      const { service, app } = await createDemoClientService({
        settings: { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY, DATABASE_URL: await freshDatabaseUrl(dialect), LOG_LEVEL: 'silent' },
      });
      const listening = await service.listen(0, '127.0.0.1');
      try {
        expect(app).to.equal('/app/');
        const page = await call(`${listening.url}/app/`);
        expect(page.status).to.equal(200);
        const policy = page.headers.get('content-security-policy') ?? '';
        expect(policy).to.include("script-src 'self'");
        expect(policy).to.include("frame-ancestors 'none'");
        expect(policy).not.to.include('unsafe-inline');
        expect(page.headers.get('x-content-type-options')).to.equal('nosniff');
        expect(page.headers.get('x-frame-options')).to.equal('DENY');
        expectAll(await call(`${listening.url}/api/test/`));
      } finally {
        await listening.close();
        await service.close();
      }
    });

    it("come on the library's endpoints mounted in a team's own Koa app", async () => {
      const jwt = await easyJwtClient({
        settings: { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY, DATABASE_URL: await freshDatabaseUrl(dialect), LOG_LEVEL: 'silent' },
      });
      const app = new Koa();
      app.use(jwt.routes());
      const server = await listen(app, '127.0.0.1', 0);
      try {
        const api = jsonClient(server.url);
        expectAll(await api.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' })); // 200
        expectAll(await call(`${server.url}/auth/token/`, { method: 'GET' })); // 405
      } finally {
        await server.close();
        await jwt.close();
      }
    });
  });
});
