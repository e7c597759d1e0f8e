// POST /auth/token/verify/ and /auth/token/blacklist/: any valid token verifies, a blacklisted refresh token never again.
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { FrozenClock } from '../../src/core/clock';
import { Token, TokenUserConnection } from '../../src/entities';
import type { TestAuthService } from '../support/auth-service';
import { payloadOf, startAuthService, TEST_KEY } from '../support/auth-service';
import { forEachDialect } from '../support/databases';

const INVALID = { detail: 'Token is invalid or expired', code: 'token_not_valid' };
const WRONG_TYPE = { detail: 'Token has wrong type', code: 'token_not_valid' };
const BLACKLISTED = { detail: 'Token is blacklisted', code: 'token_not_valid' };
const PASSWORD_CHANGED = { detail: "The user's password has been changed.", code: 'password_changed' };

forEachDialect((dialect) => {
  let auth: TestAuthService;
  let clock: FrozenClock;
  let userId: number;

  beforeEach(async () => {
    clock = new FrozenClock();
    auth = await startAuthService(dialect, {}, { clock });
    userId = await auth.createUser({ email: 'user@test.com' });
  });
  afterEach(async () => auth.close());

  const verify = (token: unknown) => auth.post('/auth/token/verify/', { token });
  const blacklist = (token: unknown) => auth.post('/auth/token/blacklist/', { refresh: token });
  const expect401 = (response: { status: number; text: string; headers: Headers }, body: object) => {
    expect(response.status).to.equal(401);
    expect(response.text).to.equal(JSON.stringify(body));
    expect(response.headers.get('www-authenticate')).to.equal('Bearer realm="api"');
    expect(response.headers.get('content-type')).to.equal('application/json');
  };
  const rowOf = (token: string) => auth.service.dataSource.manager.findOneBy(Token, { jti: payloadOf(token).jti as string });

  describe('POST /auth/token/verify/', () => {
    it('answers {} for an access token and for a refresh token', async () => {
      const { refresh, access } = await auth.login('user@test.com');
      for (const token of [access, refresh]) {
        const response = await verify(token);
        expect(response.status).to.equal(200);
        expect(response.text).to.equal('{}');
        expect(response.headers.get('content-type')).to.equal('application/json');
      }
    });

    it('refuses garbage, a tampered token and a token signed with another key as invalid', async () => {
      const { access } = await auth.login('user@test.com');
      const [header, payload, signature] = access.split('.');
      const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
      const wrongKey = jwt.sign(payloadOf(access), 'another-signing-key-that-is-also-32-bytes-long');
      for (const token of ['garbage', `${header}.${payload}.${flipped}`, wrongKey]) expect401(await verify(token), INVALID);
    });

    it('refuses an access token once it has expired', async () => {
      const { access } = await auth.login('user@test.com');
      clock.advance(299);
      expect((await verify(access)).status).to.equal(200);
      clock.advance(1);
      expect401(await verify(access), INVALID);
    });

    it('refuses a blacklisted refresh token as blacklisted', async () => {
      const { refresh } = await auth.login('user@test.com');
      expect((await blacklist(refresh)).status).to.equal(200);
      expect401(await verify(refresh), BLACKLISTED);
    });

    it('still verifies the access token of a blacklisted refresh token, as simplejwt does', async () => {
      const { refresh, access } = await auth.login('user@test.com');
      await blacklist(refresh);
      expect((await verify(access)).status).to.equal(200);
    });

    it('refuses a refresh token voided by a password change with the body refresh answers', async () => {
      const { refresh, access } = await auth.login('user@test.com');
      const changed = await auth.post('/auth/password-change/', { email: 'user@test.com', password: 'user-pass', new_password: 'brand-new-pass' });
      expect(changed.status).to.equal(200);
      // One reason, one message: verify says what refresh says, not that the token is blacklisted.
      const refused = await auth.post('/auth/token/refresh/', { refresh });
      expect401(refused, PASSWORD_CHANGED);
      expect401(await verify(refresh), PASSWORD_CHANGED);
      expect401(await verify(access), PASSWORD_CHANGED);
    });

    it('requires the token field', async () => {
      const response = await auth.post('/auth/token/verify/', { refresh: 'x' });
      expect(response.status).to.equal(400);
      expect(response.text).to.equal(JSON.stringify({ token: ['This field is required.'] }));
    });

    it('writes nothing to the registry', async () => {
      const { access } = await auth.login('user@test.com');
      await verify(access);
      await verify('garbage');
      expect(await auth.service.dataSource.manager.count(Token)).to.equal(2);
    });
  });

  describe('POST /auth/token/blacklist/', () => {
    it('answers {}, sets revoked_at on the token row, and the refresh token is refused afterwards', async () => {
      const { refresh } = await auth.login('user@test.com');
      clock.advance(30);
      const response = await blacklist(refresh);
      expect(response.status).to.equal(200);
      expect(response.text).to.equal('{}');
      expect(response.headers.get('content-type')).to.equal('application/json');

      const row = await rowOf(refresh);
      expect(row!.revokedAt).to.be.instanceOf(Date);
      expect(row!.revokedAt!.getTime()).to.equal(clock.now());

      expect401(await auth.post('/auth/token/refresh/', { refresh }), BLACKLISTED);
    });

    it('refuses to blacklist the same token twice', async () => {
      const { refresh } = await auth.login('user@test.com');
      expect((await blacklist(refresh)).status).to.equal(200);
      const revokedAt = (await rowOf(refresh))!.revokedAt!.getTime();
      clock.advance(10);
      expect401(await blacklist(refresh), BLACKLISTED);
      expect((await rowOf(refresh))!.revokedAt!.getTime()).to.equal(revokedAt);
    });

    it('refuses an access token as having the wrong type and leaves it unrevoked', async () => {
      const { access } = await auth.login('user@test.com');
      expect401(await blacklist(access), WRONG_TYPE);
      expect((await rowOf(access))!.revokedAt).to.equal(null);
    });

    it('refuses a bad or expired refresh token as invalid', async () => {
      const { refresh } = await auth.login('user@test.com');
      expect401(await blacklist('garbage'), INVALID);
      clock.advance(86400);
      expect401(await blacklist(refresh), INVALID);
      expect((await rowOf(refresh))!.revokedAt).to.equal(null);
    });

    it('leaves the other logins of the same user working', async () => {
      const first = await auth.login('user@test.com');
      const second = await auth.login('user@test.com');
      await blacklist(first.refresh);
      expect((await auth.post('/auth/token/refresh/', { refresh: second.refresh })).status).to.equal(200);
    });

    it('records and revokes a refresh token signed elsewhere with the same key', async () => {
      const now = Math.floor(clock.now() / 1000);
      const jti = 'b'.repeat(32);
      const foreign = jwt.sign({ token_type: 'refresh', exp: now + 600, iat: now, jti, user_id: userId }, TEST_KEY);
      expect((await blacklist(foreign)).status).to.equal(200);
      const row = await auth.service.dataSource.manager.findOneByOrFail(Token, { jti });
      expect(row.revokedAt).to.be.instanceOf(Date);
      expect(await auth.service.dataSource.manager.countBy(TokenUserConnection, { tokenId: row.id, userId })).to.equal(1);
      expect401(await auth.post('/auth/token/refresh/', { refresh: foreign }), BLACKLISTED);
    });

    it('blacklists a token not yet recorded once when asked concurrently, refusing the others', async () => {
      const now = Math.floor(clock.now() / 1000);
      const jti = 'c'.repeat(32);
      const foreign = jwt.sign({ token_type: 'refresh', exp: now + 600, iat: now, jti, user_id: userId }, TEST_KEY);
      const answers = await Promise.all([1, 2, 3, 4].map(() => blacklist(foreign)));
      expect(answers.map((answer) => answer.status).sort()).to.deep.equal([200, 401, 401, 401]);
      for (const answer of answers.filter((a) => a.status === 401)) expect(answer.body).to.deep.equal(BLACKLISTED);
      expect(await auth.service.dataSource.manager.countBy(Token, { jti })).to.equal(1);
    });

    it('requires the refresh field', async () => {
      const response = await auth.post('/auth/token/blacklist/', {});
      expect(response.status).to.equal(400);
      expect(response.text).to.equal(JSON.stringify({ refresh: ['This field is required.'] }));
    });
  });
});
