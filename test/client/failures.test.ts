// An auth-service that is down, silent, slow, failing, not speaking JSON or behind TLS: 503 within the timeout, never a hang or a 500.
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveClientSettings } from '../../src/client-service/client-settings';
import { AuthServiceClient } from '../../src/client-service/upstream';
import { LocalUser } from '../../src/entities';
import { SettingsError } from '../../src/errors';
import type { TestResponse } from '../support/auth-service';
import { TEST_KEY } from '../support/auth-service';
import { bearer, deadPort, frozenNow, GuardedController, scriptedUpstream, silentServer, startClientService, UNAVAILABLE } from '../support/client-service';
import { forEachDialect } from '../support/databases';

const USER_ID = 7;
const USER_JSON = {
  id: USER_ID,
  first_name: '',
  email: 'user@test.com',
  last_name: '',
  date_joined: '2026-11-22T12:07:38.574Z',
  last_login: null,
  is_active: true,
  is_staff: false,
  is_superuser: false,
};

/** A valid access token for user 7, signed with the shared key. */
const accessToken = () => {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ token_type: 'access', exp: now + 300, iat: now, jti: 'c'.repeat(32), user_id: USER_ID }, TEST_KEY, {
    algorithm: 'HS256',
    noTimestamp: true,
  });
};

const sendJson = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
};

/** A well-behaved minimal auth-service: a pair for any login, user 7 for any token. */
const goodAnswer = (request: { url?: string }, response: ServerResponse) => {
  if (request.url === '/auth/token/') sendJson(response, 200, { refresh: 'r.r.r', access: accessToken() });
  else if (request.url === '/auth/token/verify/') sendJson(response, 200, {});
  else if (request.url === '/auth/user/') sendJson(response, 200, USER_JSON);
  else sendJson(response, 404, { detail: 'Not found.' });
};

const expectUnavailable = (response: TestResponse) => {
  expect(response.status, response.text).to.equal(503);
  expect(response.text).to.equal(JSON.stringify(UNAVAILABLE));
  expect(response.headers.get('content-type')).to.equal('application/json');
};

const LOGIN = { email: 'user@test.com', password: 'user-pass' };

forEachDialect((dialect) => {
  describe('a client-service whose auth-service fails', () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    const client = async (url: string, settings: Record<string, unknown> = {}) => {
      const started = await startClientService(
        dialect,
        { REMOTE_AUTH_SERVICE_URL: url, SIGNING_KEY: TEST_KEY, ...settings },
        { controllers: [GuardedController] },
      );
      cleanups.push(() => started.close());
      return started;
    };
    const remoteClient = (url: string, settings: Record<string, unknown> = {}) =>
      client(url, { SIGNING_KEY: undefined, TOKEN_VERIFICATION: 'remote', ...settings });
    const upstream = async (...args: Parameters<typeof scriptedUpstream>) => {
      const started = await scriptedUpstream(...args);
      cleanups.push(() => started.close());
      return started;
    };
    /** Every way a request can reach the auth-service: login, a local first request, a remote one. */
    const everyPath = async (url: string, settings: Record<string, unknown> = {}) => {
      const local = await client(url, settings);
      const remote = await remoteClient(url, settings);
      return [
        ['login through the proxy', () => local.post('/auth/token/', LOGIN)],
        ['refresh through the proxy', () => local.post('/auth/token/refresh/', { refresh: 'r.r.r' })],
        ['a local first request', () => local.get('/guarded/login/', bearer(accessToken()))],
        ['a remote request', () => remote.get('/guarded/login/', bearer(accessToken()))],
      ] as const;
    };

    it('answers 503 on every path when nothing listens at the auth-service address', async () => {
      for (const [name, request] of await everyPath(`http://127.0.0.1:${await deadPort()}`)) {
        const response = await request();
        expect(response.status, name).to.equal(503);
        expectUnavailable(response);
      }
    });

    it('answers 503 within the timeout when the auth-service accepts connections and never answers', async () => {
      const silent = await silentServer();
      cleanups.push(() => silent.close());
      for (const [name, request] of await everyPath(silent.url, { REMOTE_AUTH_REQUEST_TIMEOUT: 0.5 })) {
        const started = Date.now();
        const response = await request();
        const elapsed = Date.now() - started;
        expectUnavailable(response);
        expect(elapsed, name).to.be.at.least(450).and.below(3000);
      }
    });

    it('answers 503 within the timeout when the auth-service trickles its answer byte by byte', async () => {
      const timers = new Set<NodeJS.Timeout>();
      cleanups.push(async () => timers.forEach(clearInterval));
      const slow = await upstream((_request, response) => {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.write('{"detail":"');
        const timer = setInterval(() => (response.writable ? response.write('a') : clearInterval(timer)), 100);
        timers.add(timer);
      });
      const local = await client(slow.url, { REMOTE_AUTH_REQUEST_TIMEOUT: 0.5 });
      const started = Date.now();
      const response = await local.post('/auth/token/', LOGIN);
      expectUnavailable(response);
      expect(Date.now() - started)
        .to.be.at.least(450)
        .and.below(3000);
    });

    it('answers 503, never 500, on every path when the auth-service answers 500', async () => {
      const failing = await upstream((_request, response) => sendJson(response, 500, { detail: 'A server error occurred.' }));
      for (const [name, request] of await everyPath(failing.url)) {
        const response = await request();
        expect(response.status, name).to.equal(503);
        expectUnavailable(response);
      }
    });

    it('answers 503, never 500, on every path when the auth-service answers 200 with an HTML page', async () => {
      const html = await upstream((_request, response) => {
        response.writeHead(200, { 'Content-Type': 'text/html' });
        response.end('<!doctype html><html><body>Welcome to nginx!</body></html>');
      });
      for (const [name, request] of await everyPath(html.url)) {
        const response = await request();
        expect(response.status, name).to.equal(503);
        expectUnavailable(response);
      }
    });

    it('answers 503 when a misconfigured path gets an HTML 404 page', async () => {
      const html = await upstream((_request, response) => {
        response.writeHead(404, { 'Content-Type': 'text/html' });
        response.end('<h1>Not Found</h1>');
      });
      const local = await client(html.url);
      expectUnavailable(await local.post('/auth/token/', LOGIN));
    });

    it('answers 503 when the auth-service sends more than a megabyte', async () => {
      const huge = await upstream((_request, response) => sendJson(response, 200, { detail: 'x'.repeat(2 * 1024 * 1024) }));
      const local = await client(huge.url);
      expectUnavailable(await local.post('/auth/token/', LOGIN));
    });

    it('answers 503 and keeps no copy when the user endpoint fails right after a successful login', async () => {
      const halfBroken = await upstream((request, response) =>
        request.url === '/auth/user/' ? sendJson(response, 502, { detail: 'Bad gateway' }) : goodAnswer(request, response),
      );
      const local = await client(halfBroken.url);
      expectUnavailable(await local.post('/auth/token/', LOGIN));
      expect(await local.service.dataSource.manager.count(LocalUser)).to.equal(0);
    });

    it('answers 503 when the user JSON has no integer id', async () => {
      const noId = await upstream((request, response) =>
        request.url === '/auth/user/' ? sendJson(response, 200, { ...USER_JSON, id: 'seven' }) : goodAnswer(request, response),
      );
      const local = await client(noId.url);
      expectUnavailable(await local.post('/auth/token/', LOGIN));
      expectUnavailable(await local.get('/guarded/login/', bearer(accessToken())));
    });

    it('recovers on the next request once the auth-service answers again', async () => {
      let healthy = false;
      const flaky = await upstream((request, response) => (healthy ? goodAnswer(request, response) : sendJson(response, 503, {})));
      const local = await client(flaky.url);
      const remote = await remoteClient(flaky.url);
      expectUnavailable(await local.get('/guarded/login/', bearer(accessToken())));
      expectUnavailable(await remote.get('/guarded/login/', bearer(accessToken())));
      healthy = true;
      expect((await local.get('/guarded/login/', bearer(accessToken()))).status).to.equal(200);
      expect((await remote.get('/guarded/login/', bearer(accessToken()))).status).to.equal(200);
    });

    it('serves a stale local copy within the timeout while the auth-service hangs', async () => {
      let hanging = false;
      const flaky = await upstream((request, response) => (hanging ? undefined : goodAnswer(request, response)));
      const clock = frozenNow();
      const local = await startClientService(
        dialect,
        { REMOTE_AUTH_SERVICE_URL: flaky.url, SIGNING_KEY: TEST_KEY, REMOTE_AUTH_REQUEST_TIMEOUT: 0.5, USER_SYNC_MAX_AGE: 60 },
        { controllers: [GuardedController], clock },
      );
      cleanups.push(() => local.close());
      const { access } = await local.login(LOGIN.email, LOGIN.password);
      hanging = true;
      clock.advance(61);
      const started = Date.now();
      const response = await local.get('/guarded/me/', bearer(access));
      expect(response.status).to.equal(200);
      expect(response.body.id).to.equal(USER_ID);
      expect(Date.now() - started).to.be.below(3000);
    });

    describe('over TLS', () => {
      let directory: string;
      let tls: { key: Buffer; cert: Buffer };

      before(function () {
        directory = mkdtempSync(join(tmpdir(), 'easyjwt-tls-'));
        try {
          execFileSync(
            'openssl',
            [
              'req',
              '-x509',
              '-newkey',
              'rsa:2048',
              '-nodes',
              '-keyout',
              'k.pem',
              '-out',
              'c.pem',
              '-days',
              '1',
              '-subj',
              '/CN=127.0.0.1',
              '-addext',
              'subjectAltName=IP:127.0.0.1',
            ],
            { cwd: directory, stdio: 'ignore' },
          );
        } catch {
          console.log('      (skipped: the openssl command is not available to make a test certificate)');
          this.skip();
        }
        tls = { key: readFileSync(join(directory, 'k.pem')), cert: readFileSync(join(directory, 'c.pem')) };
      });
      after(() => rmSync(directory, { recursive: true, force: true }));

      it('refuses a self-signed certificate by default with 503', async () => {
        const secure = await upstream(goodAnswer, tls);
        const local = await client(secure.url);
        expectUnavailable(await local.post('/auth/token/', LOGIN));
        expect(secure.requests).to.deep.equal([]);
      });

      it('trusts the certificate given in REMOTE_AUTH_CA_BUNDLE and logs in through it', async () => {
        const secure = await upstream(goodAnswer, tls);
        const local = await client(secure.url, { REMOTE_AUTH_CA_BUNDLE: join(directory, 'c.pem') });
        const response = await local.post('/auth/token/', LOGIN);
        expect(response.status).to.equal(200);
        expect(Object.keys(response.body)).to.deep.equal(['refresh', 'access']);
        // The revocation feed's poll runs beside the request path; only the login's calls are counted here.
        expect(secure.requests.filter((line) => !line.startsWith('GET /auth/revocations/'))).to.deep.equal(['POST /auth/token/', 'GET /auth/user/']);
        expect(await local.service.dataSource.manager.countBy(LocalUser, { id: USER_ID })).to.equal(1);
        const remote = await remoteClient(secure.url, { REMOTE_AUTH_CA_BUNDLE: join(directory, 'c.pem') });
        expect((await remote.get('/guarded/login/', bearer(accessToken()))).status).to.equal(200);
      });

      it('skips certificate checks only when REMOTE_AUTH_SSL_VERIFY is off', async () => {
        const secure = await upstream(goodAnswer, tls);
        const local = await client(secure.url, { REMOTE_AUTH_SSL_VERIFY: false });
        expect((await local.post('/auth/token/', LOGIN)).status).to.equal(200);
      });

      it('refuses at start-up a CA bundle that cannot be read, naming REMOTE_AUTH_CA_BUNDLE', () => {
        const settings = resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: 'https://127.0.0.1:1', REMOTE_AUTH_CA_BUNDLE: join(directory, 'missing.pem') });
        let thrown: unknown;
        try {
          new AuthServiceClient(settings);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).to.be.instanceOf(SettingsError);
        expect((thrown as SettingsError).key).to.equal('REMOTE_AUTH_CA_BUNDLE');
      });
    });
  });
});
