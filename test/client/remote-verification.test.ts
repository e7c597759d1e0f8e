// Remote verification (no shared key): easyjwt's verify-then-user protocol, cached per token for REMOTE_VERIFY_CACHE_TTL.
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import type { FrozenClock } from '../../src/core/clock';
import { LocalUser, User } from '../../src/entities';
import type { TestAuthService } from '../support/auth-service';
import { TEST_KEY } from '../support/auth-service';
import type { TestClientService } from '../support/client-service';
import { bearer, frozenNow, GuardedController, startClientService, startExtraDataAuthService } from '../support/client-service';
import { forEachDialect } from '../support/databases';

const CACHE_TTL = 30;
const VERIFY = '/auth/token/verify/';
const USER = '/auth/user/';

forEachDialect((dialect) => {
  describe('a client-service verifying tokens remotely', () => {
    let auth: TestAuthService;
    let client: TestClientService;
    let clock: FrozenClock;
    let userId: number;

    beforeEach(async () => {
      ({ auth } = await startExtraDataAuthService(dialect));
      userId = await auth.createUser({ email: 'user@test.com', firstName: 'Ada' });
      clock = frozenNow();
      client = await startClientService(
        dialect,
        { REMOTE_AUTH_SERVICE_URL: auth.url, TOKEN_VERIFICATION: 'remote', REMOTE_VERIFY_CACHE_TTL: CACHE_TTL },
        { controllers: [GuardedController], clock },
      );
    });
    afterEach(async () => {
      await client.close();
      await auth.close();
    });

    const calls = () => client.service.upstream.totalCalls;

    it('costs exactly two upstream calls for a new token: verify, then user', async () => {
      const { access } = await auth.login('user@test.com');
      const response = await client.get('/guarded/me/', bearer(access));
      expect(response.status).to.equal(200);
      expect(response.body).to.include({ id: userId, email: 'user@test.com', first_name: 'Ada' });
      // Map keys keep first-insertion order: the verify call came first.
      expect([...client.service.upstream.calls.entries()]).to.deep.equal([
        [VERIFY, 1],
        [USER, 1],
      ]);
    });

    it('keeps the user copy under the auth-service id', async () => {
      const { access } = await auth.login('user@test.com');
      await client.get('/guarded/login/', bearer(access));
      const copy = await client.service.dataSource.manager.findOneByOrFail(LocalUser, { id: userId });
      expect(copy).to.include({ email: 'user@test.com', firstName: 'Ada' });
    });

    it('costs no upstream call for a repeated token until REMOTE_VERIFY_CACHE_TTL has passed, then two again', async () => {
      const { access } = await auth.login('user@test.com');
      expect((await client.get('/guarded/login/', bearer(access))).status).to.equal(200);
      expect(calls()).to.equal(2);

      for (let i = 0; i < 10; i++) expect((await client.get('/guarded/login/', bearer(access))).status).to.equal(200);
      clock.advance(CACHE_TTL - 1);
      expect((await client.get('/guarded/login/', bearer(access))).status).to.equal(200);
      expect(calls()).to.equal(2);

      clock.advance(2);
      expect((await client.get('/guarded/login/', bearer(access))).status).to.equal(200);
      expect(Object.fromEntries(client.service.upstream.calls)).to.deep.equal({ [VERIFY]: 2, [USER]: 2 });
      expect((await client.get('/guarded/login/', bearer(access))).status).to.equal(200);
      expect(calls()).to.equal(4);
    });

    it('asks again for a different token of the same user', async () => {
      const first = await auth.login('user@test.com');
      const second = await auth.login('user@test.com');
      await client.get('/guarded/login/', bearer(first.access));
      await client.get('/guarded/login/', bearer(second.access));
      expect(calls()).to.equal(4);
    });

    it('sees upstream changes to the user once the cached verdict has expired', async () => {
      const { access } = await auth.login('user@test.com');
      expect((await client.get('/guarded/me/', bearer(access))).body.first_name).to.equal('Ada');
      await auth.service.dataSource.manager.update(User, { id: userId }, { firstName: 'Grace' });
      expect((await client.get('/guarded/me/', bearer(access))).body.first_name).to.equal('Ada');
      clock.advance(CACHE_TTL + 1);
      expect((await client.get('/guarded/me/', bearer(access))).body.first_name).to.equal('Grace');
    });

    it('passes the upstream 401 body on for a token that is not a JWT, after one verify call', async () => {
      const direct = await auth.post(VERIFY, { token: 'not-a-token' });
      const response = await client.get('/guarded/login/', bearer('not-a-token'));
      expect(response.status).to.equal(401);
      expect(response.text).to.equal(direct.text);
      expect(response.body).to.deep.equal({ detail: 'Token is invalid or expired', code: 'token_not_valid' });
      expect(response.headers.get('www-authenticate')).to.equal('Bearer realm="api"');
      expect(response.headers.get('content-type')).to.equal('application/json');
      expect(Object.fromEntries(client.service.upstream.calls)).to.deep.equal({ [VERIFY]: 1 });
    });

    it('passes the upstream 401 body on for an expired token', async () => {
      const now = Math.floor(Date.now() / 1000);
      const expired = jwt.sign({ token_type: 'access', exp: now - 10, iat: now - 310, jti: 'b'.repeat(32), user_id: userId }, TEST_KEY, {
        algorithm: 'HS256',
        noTimestamp: true,
      });
      const response = await client.get('/guarded/login/', bearer(expired));
      expect(response.status).to.equal(401);
      expect(response.text).to.equal(JSON.stringify({ detail: 'Token is invalid or expired', code: 'token_not_valid' }));
    });

    it('never caches a refusal: the same bad token asks again', async () => {
      await client.get('/guarded/login/', bearer('not-a-token'));
      await client.get('/guarded/login/', bearer('not-a-token'));
      expect(client.service.upstream.calls.get(VERIFY)).to.equal(2);
    });

    it("refuses a refresh token as Bearer with the upstream user step's 401, keeping no copy", async () => {
      const { refresh } = await auth.login('user@test.com');
      const direct = await auth.get(USER, bearer(refresh));
      const response = await client.get('/guarded/login/', bearer(refresh));
      expect(response.status).to.equal(401);
      expect(response.text).to.equal(direct.text);
      expect(response.body.messages).to.deep.equal([{ token_class: 'AccessToken', token_type: 'access', message: 'Token has wrong type' }]);
      expect(Object.fromEntries(client.service.upstream.calls)).to.deep.equal({ [VERIFY]: 1, [USER]: 1 });
      expect(await client.service.dataSource.manager.count(LocalUser)).to.equal(0);
    });

    it('refuses a deactivated user once the cached verdict has expired, with the upstream body', async () => {
      const { access } = await auth.login('user@test.com');
      expect((await client.get('/guarded/login/', bearer(access))).status).to.equal(200);
      await auth.service.dataSource.manager.update(User, { id: userId }, { isActive: false });
      clock.advance(CACHE_TTL + 1);
      const response = await client.get('/guarded/login/', bearer(access));
      expect(response.status).to.equal(401);
      expect(response.text).to.equal(JSON.stringify({ detail: 'User is inactive', code: 'user_inactive' }));
    });

    it('answers 401 without credentials and asks nobody', async () => {
      const response = await client.get('/guarded/login/');
      expect(response.status).to.equal(401);
      expect(response.text).to.equal(JSON.stringify({ detail: 'Authentication credentials were not provided.' }));
      expect(calls()).to.equal(0);
    });
  });
});
