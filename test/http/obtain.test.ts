// POST /auth/token/: obtaining a pair, the login failures, field validation and what is recorded.
import { expect } from 'chai';
import { Token, TokenUserConnection, User } from '../../src/entities';
import type { TestAuthService } from '../support/auth-service';
import { payloadOf, startAuthService } from '../support/auth-service';
import { forEachDialect } from '../support/databases';

const NO_ACCOUNT = { detail: 'No active account found with the given credentials' };

forEachDialect((dialect) => {
  describe('POST /auth/token/', () => {
    let auth: TestAuthService;
    let userId: number;

    beforeEach(async () => {
      auth = await startAuthService(dialect);
      userId = await auth.createUser({ email: 'user@test.com' });
    });
    afterEach(async () => auth.close());

    const countTokens = () => auth.service.dataSource.manager.count(Token);

    it('answers a refresh and an access token, in that order, as exact application/json that is not cached', async () => {
      const response = await auth.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' });
      expect(response.status).to.equal(200);
      expect(Object.keys(response.body)).to.deep.equal(['refresh', 'access']);
      expect(response.headers.get('content-type')).to.equal('application/json');
      expect(response.headers.get('cache-control')).to.equal('no-store');
      expect(payloadOf(response.body.refresh)).to.include({ token_type: 'refresh', user_id: userId });
      expect(payloadOf(response.body.access)).to.include({ token_type: 'access', user_id: userId });
    });

    it('refuses a wrong password with 401, the one login message, no code and a Bearer challenge', async () => {
      const response = await auth.post('/auth/token/', { email: 'user@test.com', password: 'wrong-pass' });
      expect(response.status).to.equal(401);
      expect(response.text).to.equal(JSON.stringify(NO_ACCOUNT));
      expect(response.headers.get('www-authenticate')).to.equal('Bearer realm="api"');
      expect(response.headers.get('content-type')).to.equal('application/json');
    });

    it('refuses an unknown user with the same answer as a wrong password', async () => {
      const response = await auth.post('/auth/token/', { email: 'nobody@test.com', password: 'user-pass' });
      expect(response.status).to.equal(401);
      expect(response.text).to.equal(JSON.stringify(NO_ACCOUNT));
      expect(response.headers.get('www-authenticate')).to.equal('Bearer realm="api"');
    });

    it('refuses an inactive user with the same answer, even with the right password', async () => {
      await auth.createUser({ email: 'inactive@test.com', isActive: false });
      const response = await auth.post('/auth/token/', { email: 'inactive@test.com', password: 'user-pass' });
      expect(response.status).to.equal(401);
      expect(response.text).to.equal(JSON.stringify(NO_ACCOUNT));
      expect(response.headers.get('www-authenticate')).to.equal('Bearer realm="api"');
    });

    it('lists every missing field as required, and records nothing', async () => {
      const response = await auth.post('/auth/token/', {});
      expect(response.status).to.equal(400);
      expect(response.text).to.equal(JSON.stringify({ email: ['This field is required.'], password: ['This field is required.'] }));
      expect(response.headers.get('content-type')).to.equal('application/json');
      expect(await countTokens()).to.equal(0);
    });

    it('names a blank password, and a blank (or whitespace-only) email, as blank', async () => {
      const blankPassword = await auth.post('/auth/token/', { email: 'user@test.com', password: '' });
      expect(blankPassword.status).to.equal(400);
      expect(blankPassword.body).to.deep.equal({ password: ['This field may not be blank.'] });

      const blankBoth = await auth.post('/auth/token/', { email: '   ', password: '' });
      expect(blankBoth.status).to.equal(400);
      expect(blankBoth.text).to.equal(JSON.stringify({ email: ['This field may not be blank.'], password: ['This field may not be blank.'] }));
    });

    it('compares the email case-insensitively and ignores surrounding spaces', async () => {
      const response = await auth.post('/auth/token/', { email: '  USER@Test.COM ', password: 'user-pass' });
      expect(response.status).to.equal(200);
      expect(payloadOf(response.body.access).user_id).to.equal(userId);
    });

    it('matches the email exactly after trimming and lower-casing, on every database: no accent or dotless-i folding', async () => {
      for (const email of ['usér@test.com', 'üser@test.com', 'user@tést.com', 'usır@test.com', 'user@test.comx']) {
        const response = await auth.post('/auth/token/', { email, password: 'user-pass' });
        expect([email, response.status, response.body]).to.deep.equal([email, 401, NO_ACCOUNT]);
      }
      // Another account may hold the accented address; the unique index still refuses a case variant.
      const accented = await auth.createUser({ email: 'usér@test.com', password: 'other-pass' });
      expect(accented).to.not.equal(userId);
      const theirs = await auth.post('/auth/token/', { email: 'USÉR@test.com', password: 'other-pass' });
      expect(payloadOf(theirs.body.access).user_id).to.equal(accented);
      const mine = await auth.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' });
      expect(payloadOf(mine.body.access).user_id).to.equal(userId);
      let duplicate: unknown = null;
      await auth.createUser({ email: 'User@Test.com' }).catch((error: unknown) => (duplicate = error));
      expect(String(duplicate)).to.include('already exists');
    });

    it('does not trim or case-fold the password', async () => {
      expect((await auth.post('/auth/token/', { email: 'user@test.com', password: ' user-pass' })).status).to.equal(401);
      expect((await auth.post('/auth/token/', { email: 'user@test.com', password: 'USER-PASS' })).status).to.equal(401);
    });

    it('accepts a form-urlencoded body as DRF does', async () => {
      const response = await auth.post('/auth/token/', 'email=user%40test.com&password=user-pass', {
        'Content-Type': 'application/x-www-form-urlencoded',
      });
      expect(response.status).to.equal(200);
      expect(Object.keys(response.body)).to.deep.equal(['refresh', 'access']);
    });

    it('answers GET with 405 in DRF words', async () => {
      const response = await auth.get('/auth/token/');
      expect(response.status).to.equal(405);
      expect(response.text).to.equal(JSON.stringify({ detail: 'Method "GET" not allowed.' }));
      expect(response.headers.get('content-type')).to.equal('application/json');
    });

    it('records both tokens with their jti, the access token as the child of the refresh token, both linked to the user', async () => {
      const { refresh, access } = await auth.login('user@test.com');
      const manager = auth.service.dataSource.manager;
      const tokens = await manager.find(Token, { order: { id: 'ASC' } });
      expect(tokens).to.have.length(2);
      const [refreshRow, accessRow] = tokens;
      expect(refreshRow).to.include({ jti: payloadOf(refresh).jti, tokenType: 'refresh', parentId: null, revokedAt: null });
      expect(accessRow).to.include({ jti: payloadOf(access).jti, tokenType: 'access', parentId: refreshRow.id, revokedAt: null });
      expect(refreshRow.issuedAt.getTime()).to.equal((payloadOf(refresh).iat as number) * 1000);
      expect(refreshRow.expiresAt.getTime()).to.equal((payloadOf(refresh).exp as number) * 1000);
      expect(accessRow.expiresAt.getTime()).to.equal((payloadOf(access).exp as number) * 1000);

      const links = await manager.find(TokenUserConnection, { order: { tokenId: 'ASC' } });
      expect(links.map((link) => [link.userId, link.tokenId])).to.deep.equal([
        [userId, refreshRow.id],
        [userId, accessRow.id],
      ]);
    });

    it('records nothing for a failed login', async () => {
      await auth.post('/auth/token/', { email: 'user@test.com', password: 'wrong-pass' });
      await auth.post('/auth/token/', { email: 'nobody@test.com', password: 'user-pass' });
      expect(await countTokens()).to.equal(0);
      expect(await auth.service.dataSource.manager.count(TokenUserConnection)).to.equal(0);
    });

    it('leaves last_login null by default (UPDATE_LAST_LOGIN false)', async () => {
      await auth.login('user@test.com');
      const user = await auth.service.dataSource.manager.findOneByOrFail(User, { id: userId });
      expect(user.lastLogin).to.equal(null);
    });
  });

  describe('POST /auth/token/ with UPDATE_LAST_LOGIN', () => {
    let auth: TestAuthService;
    afterEach(async () => auth.close());

    it('sets last_login to the time of the login', async () => {
      auth = await startAuthService(dialect, { UPDATE_LAST_LOGIN: true });
      const userId = await auth.createUser({ email: 'user@test.com' });
      const before = Date.now();
      const { access } = await auth.login('user@test.com');
      const user = await auth.service.dataSource.manager.findOneByOrFail(User, { id: userId });
      expect(user.lastLogin).to.be.instanceOf(Date);
      expect(user.lastLogin!.getTime()).to.be.within(before - 1000, Date.now() + 1000);

      // ...and /auth/user/ shows it at once.
      const me = await auth.get('/auth/user/', { Authorization: `Bearer ${access}` });
      expect(me.body.last_login).to.equal(user.lastLogin!.toISOString());
    });
  });

  describe('POST /auth/token/ with LOGIN_FIELD username', () => {
    let auth: TestAuthService;
    let userId: number;

    beforeEach(async () => {
      auth = await startAuthService(dialect, { LOGIN_FIELD: 'username' });
      userId = await auth.createUser({ email: 'user@test.com', username: 'jdoe' });
    });
    afterEach(async () => auth.close());

    it('takes a username and a password', async () => {
      const response = await auth.post('/auth/token/', { username: 'jdoe', password: 'user-pass' });
      expect(response.status).to.equal(200);
      expect(Object.keys(response.body)).to.deep.equal(['refresh', 'access']);
      expect(payloadOf(response.body.access).user_id).to.equal(userId);
    });

    it('matches the username exactly: no case or accent folding on any database', async () => {
      for (const username of ['JDOE', 'jdöe', 'jdoé', 'jdoe\u200b']) {
        const response = await auth.post('/auth/token/', { username, password: 'user-pass' });
        expect([username, response.status, response.body]).to.deep.equal([username, 401, NO_ACCOUNT]);
      }
    });

    it('requires the username field, not the email', async () => {
      const response = await auth.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' });
      expect(response.status).to.equal(400);
      expect(response.body).to.deep.equal({ username: ['This field is required.'] });
    });

    it('refuses a wrong password for the username with the login message', async () => {
      const response = await auth.post('/auth/token/', { username: 'jdoe', password: 'nope-nope' });
      expect(response.status).to.equal(401);
      expect(response.body).to.deep.equal(NO_ACCOUNT);
    });
  });
});
