// GET /auth/user/: the user JSON, the Authorization header rules and every refusal of a Bearer token.
import { expect } from 'chai';
import { FrozenClock } from '../../src/core/clock';
import { User } from '../../src/entities';
import type { SettingsInput } from '../../src/settings';
import type { TestAuthService } from '../support/auth-service';
import { startAuthService } from '../support/auth-service';
import { forEachDialect } from '../support/databases';

const USER_KEYS = ['id', 'first_name', 'email', 'last_name', 'date_joined', 'last_login', 'is_active', 'is_staff', 'is_superuser'];
const NOT_PROVIDED = { detail: 'Authentication credentials were not provided.' };
const BAD_HEADER = { detail: 'Authorization header must contain two space-delimited values', code: 'bad_authorization_header' };
const rejected = (message: string) => ({
  detail: 'Given token not valid for any token type',
  code: 'token_not_valid',
  messages: [{ token_class: 'AccessToken', token_type: 'access', message }],
});
const PASSWORD_CHANGED = { detail: "The user's password has been changed.", code: 'password_changed' };

// Milliseconds included on purpose: MariaDB's plain datetime would drop them.
const JOINED = Date.UTC(2026, 10, 22, 12, 7, 38, 574);

forEachDialect((dialect) => {
  let auth: TestAuthService;
  let clock: FrozenClock;
  let userId: number;

  const start = async (overrides: SettingsInput = {}) => {
    clock = new FrozenClock(JOINED);
    auth = await startAuthService(dialect, overrides, { clock });
    userId = await auth.createUser({ email: 'User@Test.com', firstName: 'Ada', lastName: 'Lovelace' });
  };
  const me = (authorization?: string) => auth.get('/auth/user/', authorization === undefined ? {} : { Authorization: authorization });
  const expect401 = (response: { status: number; text: string; headers: Headers }, body: object) => {
    expect(response.status).to.equal(401);
    expect(response.text).to.equal(JSON.stringify(body));
    expect(response.headers.get('www-authenticate')).to.equal('Bearer realm="api"');
    expect(response.headers.get('content-type')).to.equal('application/json');
  };

  afterEach(async () => auth.close());

  describe('GET /auth/user/', () => {
    beforeEach(async () => start());

    it('answers the user with easyjwt keys in easyjwt order, as exact application/json', async () => {
      const { access } = await auth.login('user@test.com');
      const response = await me(`Bearer ${access}`);
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.equal('application/json');
      expect(response.headers.get('cache-control')).to.equal('no-store');
      expect(Object.keys(response.body)).to.deep.equal(USER_KEYS);
      expect(response.text).to.equal(
        JSON.stringify({
          id: userId,
          first_name: 'Ada',
          email: 'user@test.com',
          last_name: 'Lovelace',
          date_joined: '2026-11-22T12:07:38.574Z',
          last_login: null,
          is_active: true,
          is_staff: false,
          is_superuser: false,
        }),
      );
    });

    it('treats a missing header, another scheme and a lower-case "bearer" as no credentials', async () => {
      const { access } = await auth.login('user@test.com');
      expect401(await me(), NOT_PROVIDED);
      expect401(await me('Basic x'), NOT_PROVIDED);
      expect401(await me(`bearer ${access}`), NOT_PROVIDED);
      expect401(await me('Token x'), NOT_PROVIDED);
    });

    it('refuses "Bearer" alone and "Bearer a b" as a bad header', async () => {
      expect401(await me('Bearer'), BAD_HEADER);
      expect401(await me('Bearer a b'), BAD_HEADER);
    });

    it('refuses a bad token in simplejwt envelope, naming AccessToken', async () => {
      expect401(await me('Bearer garbage'), rejected('Token is invalid or expired'));
    });

    it('refuses an expired access token the same way', async () => {
      const { access } = await auth.login('user@test.com');
      clock.advance(300);
      expect401(await me(`Bearer ${access}`), rejected('Token is invalid or expired'));
    });

    it('refuses a refresh token sent as Bearer as having the wrong type', async () => {
      const { refresh } = await auth.login('user@test.com');
      expect401(await me(`Bearer ${refresh}`), rejected('Token has wrong type'));
    });

    it('sees a password change through POST /auth/password-change/ at once, even with the user cached', async () => {
      const { access } = await auth.login('user@test.com');
      expect((await me(`Bearer ${access}`)).status).to.equal(200); // now cached for USER_CACHE_TTL
      const changed = await auth.post('/auth/password-change/', {
        email: 'user@test.com',
        password: 'user-pass',
        new_password: 'a-brand-new-pass',
      });
      expect(changed.status).to.equal(200);
      expect401(await me(`Bearer ${access}`), PASSWORD_CHANGED);
    });

    it('serves a cached user for USER_CACHE_TTL seconds after a change made behind its back, then sees it', async () => {
      const { access } = await auth.login('user@test.com');
      expect((await me(`Bearer ${access}`)).status).to.equal(200);
      await auth.service.dataSource.manager.update(User, { id: userId }, { isActive: false });
      clock.advance(4);
      expect((await me(`Bearer ${access}`)).status).to.equal(200);
      clock.advance(1);
      expect401(await me(`Bearer ${access}`), { detail: 'User is inactive', code: 'user_inactive' });
    });
  });

  describe('GET /auth/user/ with USER_CACHE_TTL 0 and changes made through the DataSource', () => {
    beforeEach(async () => start({ USER_CACHE_TTL: 0 }));

    it('answers user_not_found once the user is deleted', async () => {
      const { access } = await auth.login('user@test.com');
      expect((await me(`Bearer ${access}`)).status).to.equal(200);
      await auth.service.dataSource.manager.delete(User, { id: userId });
      expect401(await me(`Bearer ${access}`), { detail: 'User not found', code: 'user_not_found' });
    });

    it('answers user_inactive once the user is deactivated', async () => {
      const { access } = await auth.login('user@test.com');
      expect((await me(`Bearer ${access}`)).status).to.equal(200);
      await auth.service.dataSource.manager.update(User, { id: userId }, { isActive: false });
      expect401(await me(`Bearer ${access}`), { detail: 'User is inactive', code: 'user_inactive' });
    });

    it('answers password_changed once a password change is recorded after the token was issued', async () => {
      const { access } = await auth.login('user@test.com');
      expect((await me(`Bearer ${access}`)).status).to.equal(200);
      clock.advance(2);
      const hash = await auth.service.hasher.hash('another-pass-1');
      await auth.service.dataSource.manager.update(User, { id: userId }, { password: hash, passwordChangedAt: new Date(clock.now()) });
      expect401(await me(`Bearer ${access}`), PASSWORD_CHANGED);
    });

    it('shows other changes made behind its back on the next request', async () => {
      const { access } = await auth.login('user@test.com');
      await auth.service.dataSource.manager.update(User, { id: userId }, { firstName: 'Grace', isStaff: true });
      const response = await me(`Bearer ${access}`);
      expect(response.body).to.include({ first_name: 'Grace', is_staff: true });
    });
  });

  describe('GET /auth/user/ with CHECK_REVOKE_TOKEN and USER_CACHE_TTL 0', () => {
    beforeEach(async () => start({ CHECK_REVOKE_TOKEN: true, USER_CACHE_TTL: 0 }));

    it('answers password_changed when only the hash was replaced, as simplejwt does', async () => {
      const { access } = await auth.login('user@test.com');
      expect((await me(`Bearer ${access}`)).status).to.equal(200);
      const hash = await auth.service.hasher.hash('another-pass-1');
      await auth.service.dataSource.manager.update(User, { id: userId }, { password: hash });
      expect401(await me(`Bearer ${access}`), PASSWORD_CHANGED);
    });
  });
});
