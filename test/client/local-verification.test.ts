// Local verification in a client-service holding the key: no upstream call per request once the user copy is fresh.
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrozenClock } from '../../src/core/clock';
import { LocalUser, User } from '../../src/entities';
import type { TestAuthService } from '../support/auth-service';
import { TEST_KEY } from '../support/auth-service';
import type { TestClientService } from '../support/client-service';
import { bearer, frozenNow, GuardedController, NOT_PROVIDED, startClientService, startExtraDataAuthService, UNAVAILABLE } from '../support/client-service';
import { forEachDialect, freshDatabaseUrl } from '../support/databases';

const MAX_AGE = 60;

/** A token as the auth-service would sign it, with `key`, for user `id`. */
const forgeAccess = (id: number | string, key: string, lifetime = 300) => {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ token_type: 'access', exp: now + lifetime, iat: now, jti: 'a'.repeat(32), user_id: id }, key, { algorithm: 'HS256', noTimestamp: true });
};

forEachDialect((dialect) => {
  describe('a client-service verifying tokens locally', () => {
    let auth: TestAuthService;
    let client: TestClientService;
    let clock: FrozenClock;
    let userId: number;
    let authUp: boolean;

    beforeEach(async () => {
      ({ auth } = await startExtraDataAuthService(dialect));
      authUp = true;
      userId = await auth.createUser({ email: 'user@test.com', firstName: 'Ada' });
      clock = frozenNow();
      client = await startClientService(
        dialect,
        { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY, USER_SYNC_MAX_AGE: MAX_AGE },
        { controllers: [GuardedController], clock },
      );
    });
    afterEach(async () => {
      await client.close();
      if (authUp) await auth.close();
    });

    /** Takes the auth-service down for the rest of the test. */
    const stopAuth = async () => {
      authUp = false;
      await auth.close();
    };
    const calls = () => client.service.upstream.totalCalls;
    const userCalls = () => client.service.upstream.calls.get('/auth/user/') ?? 0;

    it('makes zero upstream calls for twenty protected requests after one warm-up request', async () => {
      const { access } = await auth.login('user@test.com');
      expect((await client.get('/guarded/login/', bearer(access))).status).to.equal(200);
      expect(calls()).to.equal(1);
      const before = calls();
      for (let i = 0; i < 20; i++) {
        const response = await client.get('/guarded/login/', bearer(access));
        expect(response.status).to.equal(200);
        expect(response.body).to.deep.equal({ ok: true });
      }
      expect(calls() - before).to.equal(0);
    });

    it("fetches the user once for the first request of a user it has never seen, with that request's token", async () => {
      const { access } = await auth.login('user@test.com');
      expect(await client.service.dataSource.manager.count(LocalUser)).to.equal(0);
      const response = await client.get('/guarded/me/', bearer(access));
      expect(response.status).to.equal(200);
      expect(response.body).to.include({ id: userId, email: 'user@test.com', first_name: 'Ada' });
      expect(Object.fromEntries(client.service.upstream.calls)).to.deep.equal({ '/auth/user/': 1 });
      expect(await client.service.dataSource.manager.countBy(LocalUser, { id: userId })).to.equal(1);
    });

    it('shares one upstream fetch between concurrent first requests of the same user', async () => {
      const { access } = await auth.login('user@test.com');
      const responses = await Promise.all(Array.from({ length: 5 }, () => client.get('/guarded/login/', bearer(access))));
      expect(responses.map((r) => r.status)).to.deep.equal([200, 200, 200, 200, 200]);
      expect(userCalls()).to.equal(1);
    });

    it('needs no upstream call at all after a login through the proxy', async () => {
      const { access } = await client.login('user@test.com');
      const before = calls();
      for (let i = 0; i < 5; i++) expect((await client.get('/guarded/login/', bearer(access))).status).to.equal(200);
      expect(calls() - before).to.equal(0);
    });

    it('answers 401 without credentials, and asks nobody', async () => {
      const response = await client.get('/guarded/login/');
      expect(response.status).to.equal(401);
      expect(response.text).to.equal(JSON.stringify(NOT_PROVIDED));
      expect(response.headers.get('www-authenticate')).to.equal('Bearer realm="api"');
      expect(calls()).to.equal(0);
    });

    it('refuses a refresh token as Bearer with the wrong-type envelope, without asking upstream', async () => {
      const { refresh } = await auth.login('user@test.com');
      const response = await client.get('/guarded/login/', bearer(refresh));
      expect(response.status).to.equal(401);
      expect(response.text).to.equal(
        JSON.stringify({
          detail: 'Given token not valid for any token type',
          code: 'token_not_valid',
          messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token has wrong type' }],
        }),
      );
      expect(response.headers.get('www-authenticate')).to.equal('Bearer realm="api"');
      expect(calls()).to.equal(0);
    });

    it('refuses a token signed with another key with the invalid-token envelope', async () => {
      const forged = forgeAccess(userId, 'another-signing-key-that-is-at-least-32-bytes');
      const response = await client.get('/guarded/login/', bearer(forged));
      expect(response.status).to.equal(401);
      expect(response.body).to.deep.equal({
        detail: 'Given token not valid for any token type',
        code: 'token_not_valid',
        messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token is invalid or expired' }],
      });
      expect(calls()).to.equal(0);
    });

    it("refuses an access token once it has expired on the client's clock", async () => {
      const { access } = await client.login('user@test.com');
      expect((await client.get('/guarded/login/', bearer(access))).status).to.equal(200);
      clock.advance(301);
      const response = await client.get('/guarded/login/', bearer(access));
      expect(response.status).to.equal(401);
      expect(response.body.messages[0].message).to.equal('Token is invalid or expired');
    });

    it('refreshes the user copy with exactly one user call once it is older than USER_SYNC_MAX_AGE', async () => {
      const { access } = await client.login('user@test.com');
      await auth.service.dataSource.manager.update(User, { id: userId }, { firstName: 'Grace' });
      const before = userCalls();

      clock.advance(MAX_AGE - 1);
      expect((await client.get('/guarded/me/', bearer(access))).body.first_name).to.equal('Ada');
      expect(userCalls() - before).to.equal(0);

      clock.advance(2);
      expect((await client.get('/guarded/me/', bearer(access))).body.first_name).to.equal('Grace');
      expect(userCalls() - before).to.equal(1);
      for (let i = 0; i < 5; i++) expect((await client.get('/guarded/me/', bearer(access))).status).to.equal(200);
      expect(userCalls() - before).to.equal(1);
      const copy = await client.service.dataSource.manager.findOneByOrFail(LocalUser, { id: userId });
      expect(copy.firstName).to.equal('Grace');
      expect(copy.syncedAt.getTime()).to.equal(clock.now());
    });

    it('refuses a user deactivated upstream once the copy is re-synced, with the upstream 401 body', async () => {
      const { access } = await client.login('user@test.com');
      await auth.service.dataSource.manager.update(User, { id: userId }, { isActive: false });
      // Still trusted until the copy is stale.
      expect((await client.get('/guarded/login/', bearer(access))).status).to.equal(200);
      clock.advance(MAX_AGE + 1);
      const direct = await auth.get('/auth/user/', bearer(access));
      expect(direct.status).to.equal(401);
      const response = await client.get('/guarded/login/', bearer(access));
      expect(response.status).to.equal(401);
      expect(response.text).to.equal(direct.text);
      expect(response.body).to.deep.equal({ detail: 'User is inactive', code: 'user_inactive' });
      expect(response.headers.get('www-authenticate')).to.equal('Bearer realm="api"');
    });

    it('refuses a token issued before an upstream password change once the copy is re-synced', async () => {
      const { access } = await client.login('user@test.com');
      const changed = await client.post('/auth/password-change/', { email: 'user@test.com', password: 'user-pass', new_password: 'another-pass-123' });
      expect(changed.status).to.equal(200);
      clock.advance(MAX_AGE + 1);
      const direct = await auth.get('/auth/user/', bearer(access));
      const response = await client.get('/guarded/login/', bearer(access));
      expect(response.status).to.equal(401);
      expect(response.text).to.equal(direct.text);
      expect(response.body.code).to.equal('password_changed');
    });

    it('accepts a user_id claim sent as a string, as simplejwt 5.5.1 and later emit it', async () => {
      const response = await client.get('/guarded/me/', bearer(forgeAccess(String(userId), TEST_KEY)));
      expect(response.status).to.equal(200);
      expect(response.body.id).to.equal(userId);
      expect(await client.service.dataSource.manager.countBy(LocalUser, { id: userId })).to.equal(1);
    });

    it('keeps answering a valid token from a stale copy while the auth-service is down', async () => {
      const { access } = await client.login('user@test.com');
      await stopAuth();
      expect((await client.get('/guarded/login/', bearer(access))).status).to.equal(200);
      clock.advance(MAX_AGE * 3);
      const before = userCalls();
      const response = await client.get('/guarded/me/', bearer(access));
      expect(response.status).to.equal(200);
      expect(response.body).to.include({ id: userId, email: 'user@test.com' });
      expect(userCalls() - before).to.equal(1);
    });

    it('asks a down auth-service once per outage window, not on every request', async () => {
      const { access } = await client.login('user@test.com');
      await stopAuth();
      clock.advance(MAX_AGE * 3);
      const before = userCalls();
      for (let i = 0; i < 5; i++) expect((await client.get('/guarded/login/', bearer(access))).status).to.equal(200);
      expect(userCalls() - before).to.equal(1);
      clock.advance(Math.min(5, MAX_AGE)); // the back-off has passed: the next request asks again
      expect((await client.get('/guarded/login/', bearer(access))).status).to.equal(200);
      expect(userCalls() - before).to.equal(2);
    });

    it('answers 503 while the auth-service is down for a user it has no copy of', async () => {
      const stranger = await auth.createUser({ email: 'stranger@test.com' });
      await stopAuth();
      const response = await client.get('/guarded/login/', bearer(forgeAccess(stranger, TEST_KEY)));
      expect(response.status).to.equal(503);
      expect(response.text).to.equal(JSON.stringify(UNAVAILABLE));
    });

    it('serves a request from the copy in its database after a restart, without asking upstream', async () => {
      // A database that outlives one service: a file for SQLite, the same schema for MariaDB.
      const directory = mkdtempSync(join(tmpdir(), 'easyjwt-client-'));
      const DATABASE_URL = dialect === 'sqlite' ? `sqlite:${join(directory, 'client.sqlite3')}` : await freshDatabaseUrl(dialect);
      const settings = { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY, USER_SYNC_MAX_AGE: MAX_AGE, DATABASE_URL };
      const first = await startClientService(dialect, settings, { controllers: [GuardedController], clock });
      let access: string;
      try {
        ({ access } = await first.login('user@test.com'));
      } finally {
        await first.close();
      }
      const second = await startClientService(dialect, settings, { controllers: [GuardedController], clock });
      try {
        const response = await second.get('/guarded/me/', bearer(access));
        expect(response.status).to.equal(200);
        expect(response.body).to.include({ id: userId, first_name: 'Ada' });
        expect(second.service.upstream.totalCalls).to.equal(0);
      } finally {
        await second.close();
        rmSync(directory, { recursive: true, force: true });
      }
    });
  });
});
