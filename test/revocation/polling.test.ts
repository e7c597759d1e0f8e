// Revocation reach over the polled feed: what the auth-service revokes (a logout, an ended session,
// a logout-all, a password change, a deactivation, a deletion, a permission change) is refused or
// re-read by a local-mode client-service, and by another auth-service instance, within the bound:
// REVOCATION_POLL_INTERVAL plus one round trip.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestAuthService, TestResponse } from '../support/auth-service';
import { startAuthService, TEST_KEY } from '../support/auth-service';
import type { TestClientService } from '../support/client-service';
import { bearer, GuardedController, startClientService } from '../support/client-service';
import { forEachDialect, freshDatabaseUrl } from '../support/databases';
import { createClientService } from '../../src/services/client-service';
import pino from 'pino';

/** Seconds between polls in these tests. */
const POLL = 0.2;
/** The bound the tests hold the services to: a poll interval, a round trip, and slack for a busy machine. */
const BOUND_MS = 1500;
/** What a revoked token gets everywhere. */
const REVOKED = { detail: 'Token has been expired.', code: 'token_expired_by_registry' };

/**
 * Asks `ask` until `done` says yes or BOUND_MS passes; answers the last response and how long it took.
 */
async function within(ask: () => Promise<TestResponse>, done: (response: TestResponse) => boolean): Promise<{ response: TestResponse; ms: number }> {
  const started = Date.now();
  for (;;) {
    const response = await ask();
    const ms = Date.now() - started;
    if (done(response) || ms > BOUND_MS) return { response, ms };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const refused = (response: TestResponse) => response.status === 401;

forEachDialect((dialect) => {
  describe('revocations reaching a local-mode client-service through the polled feed', () => {
    let auth: TestAuthService;
    let client: TestClientService;
    let userId: number;

    beforeEach(async () => {
      auth = await startAuthService(dialect, { REVOCATION_POLL_INTERVAL: POLL });
      userId = await auth.createUser({ email: 'user@test.com' });
      client = await startClientService(
        dialect,
        { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY, REVOCATION_POLL_INTERVAL: POLL },
        { controllers: [GuardedController] },
      );
    });
    afterEach(async () => {
      await client.close();
      await auth.close();
    });

    /** Logs in and checks the access token works at the client-service first. */
    const loggedIn = async () => {
      const pair = await auth.login('user@test.com');
      expect((await client.get('/guarded/login/', bearer(pair.access))).status).to.equal(200);
      return pair;
    };

    const expectRefusedAtClient = async (access: string) => {
      const { response, ms } = await within(() => client.get('/guarded/login/', bearer(access)), refused);
      expect(response.status, `still ${response.status} after ${ms} ms`).to.equal(401);
      expect(response.body).to.deep.equal(REVOKED);
    };

    it('refuses a stolen access token within the bound after POST /auth/logout-all/', async () => {
      const { access } = await loggedIn();
      expect((await auth.post('/auth/logout-all/', {}, bearer(access))).status).to.equal(200);
      await expectRefusedAtClient(access);
    });

    it("ends the logout's session: its access token is refused at the auth-service at once and at the client within the bound, another session's is not", async () => {
      const { access, refresh } = await loggedIn();
      const other = await loggedIn();
      expect((await auth.post('/auth/logout/', { refresh })).status).to.equal(200);
      const atAuth = await auth.get('/auth/user/', bearer(access));
      expect(atAuth.status).to.equal(401);
      expect(atAuth.body).to.deep.equal(REVOKED);
      await expectRefusedAtClient(access);
      expect((await client.get('/guarded/login/', bearer(other.access))).status).to.equal(200);
      expect((await auth.get('/auth/user/', bearer(other.access))).status).to.equal(200);
      // The refresh token stays "blacklisted", as before.
      expect((await auth.post('/auth/token/refresh/', { refresh })).body).to.deep.equal({ detail: 'Token is blacklisted', code: 'token_not_valid' });
    });

    it('refuses the tokens of an ended session (DELETE /auth/sessions/{id}/) within the bound', async () => {
      const { access } = await loggedIn();
      const sessions = await auth.get('/auth/sessions/', bearer(access));
      const id = (sessions.body as { id: number }[])[0].id;
      const response = await fetch(`${auth.url}/auth/sessions/${id}/`, { method: 'DELETE', headers: bearer(access) });
      expect(response.status).to.equal(200);
      await expectRefusedAtClient(access);
    });

    it('refuses the tokens of a user whose password changed, within the bound', async () => {
      const { access } = await loggedIn();
      await auth.service.issuer.setPassword(userId, 'another-long-pass');
      await expectRefusedAtClient(access);
    });

    it('refuses the tokens of a deactivated user within the bound', async () => {
      const { access } = await loggedIn();
      await auth.service.users.changeAccess('user@test.com', { isActive: false });
      await expectRefusedAtClient(access);
    });

    it('refuses the tokens of a deleted user within the bound', async () => {
      const { access } = await loggedIn();
      expect(await auth.service.users.delete(userId)).to.equal(true);
      await expectRefusedAtClient(access);
    });

    it('re-reads a user whose permissions changed within the bound, not after USER_SYNC_MAX_AGE', async () => {
      const { access } = await loggedIn();
      expect((await client.get('/guarded/view/', bearer(access))).status).to.equal(403);
      await auth.service.users.changeAccess('user@test.com', { addPermissions: ['app.view'] });
      const granted = await within(
        () => client.get('/guarded/view/', bearer(access)),
        (response) => response.status === 200,
      );
      expect(granted.response.status, `still ${granted.response.status} after ${granted.ms} ms`).to.equal(200);
      await auth.service.users.changeGroup('viewers', { addPermissions: ['app.edit'] });
      await auth.service.users.changeAccess('user@test.com', { removePermissions: ['app.view'] });
      const revoked = await within(
        () => client.get('/guarded/view/', bearer(access)),
        (response) => response.status === 403,
      );
      expect(revoked.response.status, `still ${revoked.response.status} after ${revoked.ms} ms`).to.equal(403);
    });

    it('keeps refusing what it knows while the feed is down, then catches up', async () => {
      const { access } = await loggedIn();
      expect((await auth.post('/auth/logout-all/', {}, bearer(access))).status).to.equal(200);
      await expectRefusedAtClient(access);
      await auth.close();
      await new Promise((resolve) => setTimeout(resolve, POLL * 3000));
      expect((await client.get('/guarded/login/', bearer(access))).status).to.equal(401);
      auth = await startAuthService(dialect);
    });
  });

  describe('revocations reaching a remote-mode client-service', () => {
    let auth: TestAuthService;
    let client: TestClientService;

    beforeEach(async () => {
      // No shared signing key: the feed key is configured on both sides.
      auth = await startAuthService(dialect, { REVOCATION_POLL_INTERVAL: POLL, REVOCATION_FEED_KEY: 'feed-key-of-the-test' });
      await auth.createUser({ email: 'user@test.com' });
      client = await startClientService(
        dialect,
        { REMOTE_AUTH_SERVICE_URL: auth.url, TOKEN_VERIFICATION: 'remote', REVOCATION_FEED_KEY: 'feed-key-of-the-test', REVOCATION_POLL_INTERVAL: POLL },
        { controllers: [GuardedController] },
      );
    });
    afterEach(async () => {
      await client.close();
      await auth.close();
    });

    it('refuses within the bound a token whose verdict it cached (REMOTE_VERIFY_CACHE_TTL would hide the logout-all for 30 s)', async () => {
      const { access } = await auth.login('user@test.com');
      expect((await client.get('/guarded/login/', bearer(access))).status).to.equal(200);
      expect((await auth.post('/auth/logout-all/', {}, bearer(access))).status).to.equal(200);
      const { response, ms } = await within(() => client.get('/guarded/login/', bearer(access)), refused);
      expect(response.status, `still ${response.status} after ${ms} ms`).to.equal(401);
      expect(response.body).to.deep.equal(REVOKED);
    });

    it('asks again, within the bound, about a cached token whose user changed', async () => {
      const { access } = await auth.login('user@test.com');
      expect((await client.get('/guarded/view/', bearer(access))).status).to.equal(403);
      await auth.service.users.changeAccess('user@test.com', { addPermissions: ['app.view'] });
      const granted = await within(
        () => client.get('/guarded/view/', bearer(access)),
        (response) => response.status === 200,
      );
      expect(granted.response.status, `still ${granted.response.status} after ${granted.ms} ms`).to.equal(200);
    });
  });

  describe("a client-service's revocation log lines", () => {
    /** A pino logger that keeps each line's message. */
    const recording = () => {
      const messages: string[] = [];
      const logger = pino({ level: 'info' }, { write: (line: string) => messages.push((JSON.parse(line) as { msg: string }).msg) });
      return { messages, logger };
    };

    it('say at start-up why revocation reach is off when there is no feed key (remote mode, no REVOCATION_FEED_KEY)', async () => {
      const { messages, logger } = recording();
      const client = await createClientService({
        settings: { REMOTE_AUTH_SERVICE_URL: 'http://127.0.0.1:9', TOKEN_VERIFICATION: 'remote', DATABASE_URL: await freshDatabaseUrl(dialect) },
        logger,
      });
      await client.close();
      expect(messages.filter((message) => message.startsWith('revocation reach is off: neither REVOCATION_FEED_KEY nor SIGNING_KEY is set'))).to.have.length(1);
      expect(client.revocations.list).to.equal(null);
    });

    it('report a feed outage once, not at every poll', async () => {
      const auth = await startAuthService(dialect);
      const { messages, logger } = recording();
      const client = await createClientService({
        settings: { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY, REVOCATION_POLL_INTERVAL: 0.05, DATABASE_URL: await freshDatabaseUrl(dialect) },
        logger,
      });
      try {
        await new Promise((resolve) => setTimeout(resolve, 200));
        await auth.close();
        await new Promise((resolve) => setTimeout(resolve, 600));
        const outages = messages.filter((message) => message.startsWith('revocation feed unavailable'));
        expect(outages).to.have.length(1);
        expect(client.revocations.poller?.behind).to.equal(true);
      } finally {
        await client.close();
      }
    });
  });

  describe('the revocation feed endpoint', () => {
    let auth: TestAuthService;

    beforeEach(async () => {
      auth = await startAuthService(dialect, { REVOCATION_FEED_KEY: 'feed-key-of-the-test' });
    });
    afterEach(() => auth.close());

    const feed = (query: string, key?: string) => auth.get(`/auth/revocations/${query}`, key === undefined ? {} : { 'X-EasyJWT-Revocation-Key': key });

    it('answers only to the feed key: 401 without it, 403 with a wrong one, DRF-shaped', async () => {
      expect(await feed('')).to.include({ status: 401 });
      expect((await feed('')).body).to.deep.equal({ detail: 'Authentication credentials were not provided.' });
      const wrong = await feed('', 'not-the-key');
      expect(wrong.status).to.equal(403);
      expect(wrong.body).to.deep.equal({ detail: 'You do not have permission to perform this action.' });
    });

    it('refuses a cursor that is not a whole number with 400', async () => {
      for (const bad of ['?after=x', '?after=-1', '?after=1.5', '?after=99999999999', '?after=1&after=2']) {
        const response = await feed(bad, 'feed-key-of-the-test');
        expect(response.status, bad).to.equal(400);
        expect(response.body, bad).to.deep.equal({ after: ['A valid integer is required.'] });
      }
    });

    it('answers a snapshot with reset, then what came after the cursor', async () => {
      const userId = await auth.createUser({ email: 'user@test.com' });
      const first = await feed('', 'feed-key-of-the-test');
      expect(first.status).to.equal(200);
      expect(first.body).to.deep.include({ reset: true, entries: [] });
      const { access } = await auth.login('user@test.com');
      await auth.post('/auth/logout-all/', {}, bearer(access));
      const next = await feed(`?after=${first.body.cursor}`, 'feed-key-of-the-test');
      expect(next.body.reset).to.equal(false);
      expect(next.body.entries).to.have.length(1);
      expect(next.body.entries[0]).to.include({ kind: 'user', user_id: userId });
      // A cursor ahead of the table (a database replaced): a snapshot again.
      expect((await feed('?after=999999', 'feed-key-of-the-test')).body.reset).to.equal(true);
    });

    it('is not mounted without a feed key (an RS256 service with no REVOCATION_FEED_KEY)', async () => {
      const { generateKeyPairSync } = await import('node:crypto');
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const rsa = await startAuthService(dialect, { ALGORITHM: 'RS256', SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
      try {
        expect((await rsa.get('/auth/revocations/')).status).to.equal(404);
      } finally {
        await rsa.close();
      }
    });
  });
});

describe('revocations reaching another auth-service instance on the same database', () => {
  let directory: string;
  let first: TestAuthService;
  let second: TestAuthService;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'easyjwt-instances-'));
    const shared = { DATABASE_URL: `sqlite:${join(directory, 'auth.sqlite3')}`, REVOCATION_POLL_INTERVAL: POLL };
    first = await startAuthService('sqlite', shared);
    second = await startAuthService('sqlite', shared);
  });
  afterEach(async () => {
    await first.close();
    await second.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('refuses at the second instance, within the bound, what the first revoked (logout-all, deactivation from the CLI-like store)', async () => {
    await first.createUser({ email: 'user@test.com' });
    const { access } = await first.login('user@test.com');
    // The second instance has this user cached, so only the revocation can make it refuse.
    expect((await second.get('/auth/user/', bearer(access))).status).to.equal(200);
    expect((await first.post('/auth/logout-all/', {}, bearer(access))).status).to.equal(200);
    const { response, ms } = await within(() => second.get('/auth/user/', bearer(access)), refused);
    expect(response.status, `still ${response.status} after ${ms} ms`).to.equal(401);
    expect(response.body).to.deep.equal(REVOKED);
  });
});
