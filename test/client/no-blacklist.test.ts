// A client-service in front of an auth-service with no token/blacklist/ route (django-easyjwt
// 1.0.13 answers Django's HTML 404 page there): logout succeeds best effort, blacklist is our 404.
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import type { Logger } from '../../src/logger';
import { TEST_KEY } from '../support/auth-service';
import { CookieJar } from '../support/cookie-jar';
import type { TestClientService } from '../support/client-service';
import { scriptedUpstream, startClientService } from '../support/client-service';
import { forEachDialect } from '../support/databases';

const USER_ID = 7;
const USER_JSON = { id: USER_ID, email: 'user@test.com', first_name: '', last_name: '', is_active: true, is_staff: false, is_superuser: false };
const LOGIN = { email: 'user@test.com', password: 'user-pass' };
const NO_BLACKLIST_LOG = 'the auth-service has no blacklist route';

const token = (type: 'access' | 'refresh') => {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ token_type: type, exp: now + 300, iat: now, jti: `${type}-${Math.random()}`, user_id: USER_ID }, TEST_KEY, {
    algorithm: 'HS256',
    noTimestamp: true,
  });
};

const sendJson = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
};

/** easyjwt 1.0.13's answers: a pair at login, the user, and Django's 404 (or a 405) page at token/blacklist/. */
const easyjwt10 = (blacklistStatus: 404 | 405) => (request: IncomingMessage, response: ServerResponse) => {
  if (request.url === '/auth/token/') sendJson(response, 200, { refresh: token('refresh'), access: token('access') });
  else if (request.url === '/auth/user/') sendJson(response, 200, USER_JSON);
  else if (request.url === '/auth/token/blacklist/') {
    response.writeHead(blacklistStatus, { 'Content-Type': 'text/html' });
    response.end('<!DOCTYPE html><html><head><title>Page not found at /auth/token/blacklist/</title></head><body><h1>Not Found</h1></body></html>');
  } else sendJson(response, 404, { detail: 'Not found.' });
};

/** A logger whose records the test reads. */
function recordingLogger(): { logger: Logger; said: (msg: string) => Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, said: (msg) => records.filter((record) => String(record.msg).startsWith(msg)) };
}

forEachDialect((dialect) => {
  describe('a client-service whose auth-service has no blacklist route', () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    const start = async (blacklistStatus: 404 | 405, settings: Record<string, unknown> = {}) => {
      const upstream = await scriptedUpstream(easyjwt10(blacklistStatus));
      cleanups.push(() => upstream.close());
      const { logger, said } = recordingLogger();
      const client: TestClientService = await startClientService(
        dialect,
        { REMOTE_AUTH_SERVICE_URL: upstream.url, SIGNING_KEY: TEST_KEY, ...settings },
        { logger },
      );
      cleanups.push(() => client.close());
      return { client, said };
    };

    for (const status of [404, 405] as const) {
      it(`logs out with 200 {} in json delivery when the blacklist answers ${status}, and warns once`, async () => {
        const { client, said } = await start(status);
        for (let i = 0; i < 2; i++) {
          const { refresh } = (await client.post('/auth/token/', LOGIN)).body as { refresh: string };
          const out = await client.post('/auth/logout/', { refresh });
          expect([out.status, out.text]).to.deep.equal([200, '{}']);
        }
        const warnings = said(NO_BLACKLIST_LOG);
        expect(warnings).to.have.length(1);
        expect(warnings[0]).to.include({ level: 40, path: '/auth/token/blacklist/' });
      });
    }

    it('logs out in a cookie delivery mode and clears its cookies', async () => {
      const { client } = await start(404, { DELIVERY_MODE: 'two-cookies' });
      const jar = new CookieJar(client.url);
      expect((await jar.post('/auth/token/', LOGIN)).status).to.equal(200);
      expect(jar.names()).to.include('easyjwt_refresh');
      const out = await jar.post('/auth/logout/', {}, jar.csrf());
      expect([out.status, out.body]).to.deep.equal([200, {}]);
      expect(jar.names()).to.deep.equal([]);
    });

    it('answers token/blacklist/ with our JSON 404, not a 503', async () => {
      const { client } = await start(404);
      const { refresh } = (await client.post('/auth/token/', LOGIN)).body as { refresh: string };
      const response = await client.post('/auth/token/blacklist/', { refresh });
      expect([response.status, response.text]).to.deep.equal([404, JSON.stringify({ detail: 'Not found.' })]);
      expect(response.headers.get('content-type')).to.equal('application/json');
    });
  });
});
