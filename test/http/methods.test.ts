// Methods an endpoint does not serve: TRACE, PROPFIND and the other methods Node parses but no
// route here handles get DRF's 405 JSON with Django's `Allow` on a known path, and 404 JSON on an
// unknown one, on both services (the router alone would answer them 501 in plain text).
import { expect } from 'chai';
import { request } from 'node:http';
import { DemoController } from '../../src/controllers/client-service/demo-controller';
import { startAuthService, TEST_KEY } from '../support/auth-service';
import type { TestAuthService } from '../support/auth-service';
import type { TestClientService } from '../support/client-service';
import { GuardedController, startClientService } from '../support/client-service';
import { forEachDialect } from '../support/databases';

/** Methods llhttp knows, that no endpoint serves; fetch refuses to send some of them, so node:http does. */
const UNSERVED = ['TRACE', 'PROPFIND', 'SEARCH', 'LOCK', 'PURGE', 'MKCOL'];

interface Answer {
  readonly status: number;
  readonly type: string | undefined;
  readonly allow: string | undefined;
  readonly body: string;
}

/** Sends `method` to `url` with no body and reads the whole answer. */
function ask(method: string, url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk)); // a string: setEncoding above
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], allow: res.headers.allow, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const notAllowed = (method: string) => JSON.stringify({ detail: `Method "${method}" not allowed.` });

forEachDialect((dialect) => {
  let auth: TestAuthService;
  let client: TestClientService;
  before(async () => {
    auth = await startAuthService(dialect);
    client = await startClientService(
      dialect,
      { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY },
      { controllers: [DemoController, GuardedController] },
    );
  });
  after(async () => {
    await client.close();
    await auth.close();
  });

  // Each path with the methods it serves, in the order Django's Allow lists them.
  const KNOWN: [string, () => string, string, string][] = [
    ['auth-service', () => auth.url, '/auth/token/', 'POST, OPTIONS'],
    ['auth-service', () => auth.url, '/auth/token/refresh/', 'POST, OPTIONS'],
    ['auth-service', () => auth.url, '/auth/user/', 'GET, HEAD, OPTIONS'],
    ['auth-service', () => auth.url, '/auth/users/1/', 'GET, HEAD, OPTIONS'],
    ['auth-service', () => auth.url, '/.well-known/jwks.json', 'GET, HEAD, OPTIONS'],
    ['client-service', () => client.url, '/auth/token/', 'POST, OPTIONS'],
    ['client-service', () => client.url, '/auth/token/verify/', 'POST, OPTIONS'],
    ['client-service', () => client.url, '/api/test/', 'GET, POST, HEAD, OPTIONS'],
    ['client-service', () => client.url, '/guarded/login/', 'GET, HEAD, OPTIONS'],
  ];

  describe('a method a known path does not serve', () => {
    for (const [service, base, path, allow] of KNOWN) {
      it(`answers ${UNSERVED.join(', ')} at ${path} of the ${service} with 405 JSON and Allow: ${allow}`, async () => {
        for (const method of UNSERVED) {
          const answer = await ask(method, base() + path);
          expect(answer, method).to.deep.equal({ status: 405, type: 'application/json', allow, body: notAllowed(method) });
        }
      });
    }

    it('lists OPTIONS in Allow on the 405 of a method llhttp and the router both know, as Django does', async () => {
      expect(await ask('DELETE', `${auth.url}/auth/token/`)).to.deep.equal({
        status: 405,
        type: 'application/json',
        allow: 'POST, OPTIONS',
        body: notAllowed('DELETE'),
      });
      expect(await ask('PUT', `${client.url}/api/test/`)).to.deep.equal({
        status: 405,
        type: 'application/json',
        allow: 'GET, POST, HEAD, OPTIONS',
        body: notAllowed('PUT'),
      });
    });

    it('answers OPTIONS with the same Allow and the JSON description', async () => {
      const answer = await ask('OPTIONS', `${auth.url}/auth/token/`);
      expect(answer.status).to.equal(200);
      expect(answer.allow).to.equal('POST, OPTIONS');
      expect(JSON.parse(answer.body)).to.have.property('renders');
    });
  });

  describe("DRF's headers on every answer of the DRF-style endpoints", () => {
    const LOGIN = { email: 'drf-headers@test.com', password: 'user-pass' };
    const headersOf = async (url: string, init: { method?: string; body?: unknown; token?: string } = {}) => {
      const response = await fetch(url, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: { 'Content-Type': 'application/json', ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}) },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      await response.text();
      return [response.status, response.headers.get('allow'), response.headers.get('vary')];
    };

    it('sends Allow (with OPTIONS, in Django order) and Vary: Accept on successes and errors of both services', async () => {
      await auth.createUser({ email: LOGIN.email });
      const { access } = await auth.login(LOGIN.email);
      const post = 'POST, OPTIONS';
      const get = 'GET, HEAD, OPTIONS';
      const cases: [string, Promise<unknown[]>, unknown[]][] = [
        ['auth login', headersOf(`${auth.url}/auth/token/`, { body: LOGIN }), [200, post, 'Accept']],
        ['auth login, no fields', headersOf(`${auth.url}/auth/token/`, { body: {} }), [400, post, 'Accept']],
        ['auth login, wrong password', headersOf(`${auth.url}/auth/token/`, { body: { ...LOGIN, password: 'x' } }), [401, post, 'Accept']],
        ['auth verify', headersOf(`${auth.url}/auth/token/verify/`, { body: { token: access } }), [200, post, 'Accept']],
        ['auth password change', headersOf(`${auth.url}/auth/password-change/`, { body: {} }), [400, post, 'Accept']],
        ['auth user', headersOf(`${auth.url}/auth/user/`, { token: access }), [200, get, 'Accept']],
        ['auth user, no token', headersOf(`${auth.url}/auth/user/`), [401, get, 'Accept']],
        ['auth users/{id}, no token', headersOf(`${auth.url}/auth/users/1/`), [401, get, 'Accept']],
        ['client login', headersOf(`${client.url}/auth/token/`, { body: LOGIN }), [200, post, 'Accept']],
        ['client verify, no fields', headersOf(`${client.url}/auth/token/verify/`, { body: {} }), [400, post, 'Accept']],
        ['client logout, no fields', headersOf(`${client.url}/auth/logout/`, { body: {} }), [400, post, 'Accept']],
        // Not DRF views: the JWKS document and the application's own routes.
        ['auth JWKS', headersOf(`${auth.url}/.well-known/jwks.json`), [200, null, null]],
        ['client own route', headersOf(`${client.url}/guarded/login/`, { token: access }), [200, null, null]],
      ];
      for (const [name, answer, expected] of cases) expect(await answer, name).to.deep.equal(expected);
    });

    it("sends Vary: Accept on the router's 405 and OPTIONS answers of those endpoints only", async () => {
      const vary = async (method: string, url: string) => (await fetch(url, { method })).headers.get('vary');
      expect(await vary('DELETE', `${auth.url}/auth/token/`)).to.equal('Accept');
      expect(await vary('OPTIONS', `${auth.url}/auth/token/`)).to.equal('Accept');
      expect(await vary('PUT', `${auth.url}/auth/users/1/`)).to.equal('Accept');
      expect(await vary('OPTIONS', `${client.url}/auth/logout/`)).to.equal('Accept');
      expect(await vary('PUT', `${client.url}/api/test/`)).to.equal(null);
      expect(await vary('OPTIONS', `${client.url}/api/test/`)).to.equal(null);
    });
  });

  describe('an unknown path', () => {
    const UNKNOWN: [string, () => string, string][] = [
      ['auth-service', () => auth.url, '/auth/nowhere/'],
      ['auth-service', () => auth.url, '/nowhere/'],
      ['auth-service', () => auth.url, '/.well-known/nowhere'],
      ['client-service', () => client.url, '/auth/nowhere/'],
      ['client-service', () => client.url, '/nowhere/'],
      ['client-service', () => client.url, '/api/nowhere/'],
    ];
    for (const [service, base, path] of UNKNOWN) {
      it(`answers every method at ${path} of the ${service} with 404 JSON`, async () => {
        for (const method of [...UNSERVED, 'GET', 'POST', 'DELETE']) {
          const answer = await ask(method, base() + path);
          expect(answer, method).to.deep.equal({ status: 404, type: 'application/json', allow: undefined, body: '{"detail":"Not found."}' });
        }
      });
    }
  });
});
