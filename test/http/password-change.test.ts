// POST /auth/password-change/: the new password works, every old token is refused, and failures change nothing.
import { expect } from 'chai';
import { Token, User } from '../../src/entities';
import type { TestAuthService } from '../support/auth-service';
import { startAuthService } from '../support/auth-service';
import { forEachDialect } from '../support/databases';

const NO_ACCOUNT = { detail: 'No active account found with the given credentials' };
// django-easyjwt's password-change serializer refuses wrong credentials as a 400, not a login's 401.
const INVALID_CREDENTIALS = { non_field_errors: ['Invalid credentials.'] };
const PASSWORD_CHANGED = { detail: "The user's password has been changed.", code: 'password_changed' };

forEachDialect((dialect) => {
  let auth: TestAuthService;
  let userId: number;

  beforeEach(async () => {
    auth = await startAuthService(dialect);
    userId = await auth.createUser({ email: 'user@test.com' });
  });
  afterEach(async () => auth.close());

  const change = (body: object) => auth.post('/auth/password-change/', body);
  const userRow = () => auth.service.dataSource.manager.findOneByOrFail(User, { id: userId });
  const bearer = (access: string) => ({ Authorization: `Bearer ${access}` });

  describe('POST /auth/password-change/', () => {
    it('answers {} and from then on only the new password logs in', async () => {
      const response = await change({ email: 'user@test.com', password: 'user-pass', new_password: 'brand-new-pass' });
      expect(response.status).to.equal(200);
      expect(response.text).to.equal('{}');
      expect(response.headers.get('content-type')).to.equal('application/json');

      const old = await auth.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' });
      expect(old.status).to.equal(401);
      expect(old.body).to.deep.equal(NO_ACCOUNT);

      const fresh = await auth.post('/auth/token/', { email: 'user@test.com', password: 'brand-new-pass' });
      expect(fresh.status).to.equal(200);
      // Tokens issued after the change are good everywhere.
      expect((await auth.get('/auth/user/', bearer(fresh.body.access))).status).to.equal(200);
      expect((await auth.post('/auth/token/refresh/', { refresh: fresh.body.refresh })).status).to.equal(200);
    });

    it('stores a new scrypt hash and records when the password changed', async () => {
      const before = await userRow();
      await change({ email: 'user@test.com', password: 'user-pass', new_password: 'brand-new-pass' });
      const after = await userRow();
      expect(after.password).to.match(/^scrypt\$/);
      expect(after.password).not.to.equal(before.password);
      expect(before.passwordChangedAt).to.equal(null);
      expect(after.passwordChangedAt).to.be.instanceOf(Date);
    });

    it('refuses the old access token on /auth/user/ with password_changed', async () => {
      const { access } = await auth.login('user@test.com');
      expect((await auth.get('/auth/user/', bearer(access))).status).to.equal(200);
      await change({ email: 'user@test.com', password: 'user-pass', new_password: 'brand-new-pass' });
      const response = await auth.get('/auth/user/', bearer(access));
      expect(response.status).to.equal(401);
      expect(response.text).to.equal(JSON.stringify(PASSWORD_CHANGED));
      expect(response.headers.get('www-authenticate')).to.equal('Bearer realm="api"');
    });

    it('refuses the old refresh token and revokes every token of the user in the registry', async () => {
      const first = await auth.login('user@test.com');
      const second = await auth.login('user@test.com');
      await change({ email: 'user@test.com', password: 'user-pass', new_password: 'brand-new-pass' });
      for (const { refresh } of [first, second]) {
        const response = await auth.post('/auth/token/refresh/', { refresh });
        expect(response.status).to.equal(401);
        expect(response.body).to.deep.equal(PASSWORD_CHANGED);
      }
      const tokens = await auth.service.dataSource.manager.find(Token);
      expect(tokens).to.have.length(4);
      for (const token of tokens) expect(token.revokedAt, token.tokenType).to.be.instanceOf(Date);
    });

    it("leaves other users' tokens alone", async () => {
      await auth.createUser({ email: 'other@test.com' });
      const other = await auth.login('other@test.com');
      await change({ email: 'user@test.com', password: 'user-pass', new_password: 'brand-new-pass' });
      expect((await auth.get('/auth/user/', bearer(other.access))).status).to.equal(200);
      expect((await auth.post('/auth/token/refresh/', { refresh: other.refresh })).status).to.equal(200);
    });

    it('refuses a wrong current password with 400 and leaves the hash and the tokens as they were', async () => {
      const { access } = await auth.login('user@test.com');
      const before = await userRow();
      const response = await change({ email: 'user@test.com', password: 'not-my-pass', new_password: 'brand-new-pass' });
      expect(response.status).to.equal(400);
      expect(response.text).to.equal(JSON.stringify(INVALID_CREDENTIALS));
      expect(response.headers.get('www-authenticate')).to.equal(null);
      const after = await userRow();
      expect(after.password).to.equal(before.password);
      expect(after.passwordChangedAt).to.equal(null);
      expect((await auth.get('/auth/user/', bearer(access))).status).to.equal(200);
    });

    it('refuses an unknown or inactive user with the wrong-password answer', async () => {
      await auth.createUser({ email: 'inactive@test.com', isActive: false });
      for (const email of ['nobody@test.com', 'inactive@test.com']) {
        const response = await change({ email, password: 'user-pass', new_password: 'brand-new-pass' });
        expect(response.status).to.equal(400);
        expect(response.body).to.deep.equal(INVALID_CREDENTIALS);
      }
    });

    it('refuses a weak new password with Django messages and changes nothing', async () => {
      const { access } = await auth.login('user@test.com');
      const before = await userRow();
      const numeric = await change({ email: 'user@test.com', password: 'user-pass', new_password: '123' });
      expect(numeric.status).to.equal(400);
      expect(numeric.text).to.equal(
        JSON.stringify({
          new_password: ['This password is too short. It must contain at least 8 characters.', 'This password is entirely numeric.'],
        }),
      );
      const common = await change({ email: 'user@test.com', password: 'user-pass', new_password: 'password123' });
      expect(common.status).to.equal(400);
      expect(common.body).to.deep.equal({ new_password: ['This password is too common.'] });

      const after = await userRow();
      expect(after.password).to.equal(before.password);
      expect(after.passwordChangedAt).to.equal(null);
      expect((await auth.get('/auth/user/', bearer(access))).status).to.equal(200);
      expect((await auth.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' })).status).to.equal(200);
    });

    // Each refused with the messages a Django client shows, and nothing changed.
    const WEAK: readonly [string, string, string[]][] = [
      ['the email itself', 'user@test.com', ['The password is too similar to the email address.']],
      ['one letter repeated', 'aaaaaaaa', ['This password is too common.']],
      ['eight spaces', ' '.repeat(8), ['This field may not be blank.']],
      ['a keyboard row', 'qwertyui', ['This password is too common.']],
      ['a keyboard zigzag', '1q2w3e4r', ['This password is too common.']],
      ['60,000 characters', 'Zq7-'.repeat(15000), ['Ensure this field has no more than 4096 characters.']],
      [
        'short, common and numeric',
        '1234567',
        ['This password is too short. It must contain at least 8 characters.', 'This password is too common.', 'This password is entirely numeric.'],
      ],
    ];
    for (const [what, newPassword, messages] of WEAK) {
      it(`refuses ${what} as the new password with 400 and Django's messages`, async () => {
        const before = await userRow();
        const response = await change({ email: 'user@test.com', password: 'user-pass', new_password: newPassword });
        expect(response.status).to.equal(400);
        expect(response.body).to.deep.equal({ new_password: messages });
        const after = await userRow();
        expect(after.password).to.equal(before.password);
        expect(after.passwordChangedAt).to.equal(null);
      });
    }

    it('refuses a password too similar to the first name, last name or username by their verbose names', async () => {
      await auth.createUser({ email: 'ann@test.com', firstName: 'Annabelle', lastName: 'Fitzgerald', username: 'stardust42' });
      const cases: [string, string][] = [
        ['annabelle1', 'first name'],
        ['fitzgerald!', 'last name'],
        ['Stardust42?', 'username'],
      ];
      for (const [newPassword, verbose] of cases) {
        const response = await change({ email: 'ann@test.com', password: 'user-pass', new_password: newPassword });
        expect(response.body, newPassword).to.deep.equal({ new_password: [`The password is too similar to the ${verbose}.`] });
      }
    });

    it('refuses a password over 4096 characters before checking the credentials, so nothing is hashed', async () => {
      const response = await change({ email: 'user@test.com', password: 'not-my-pass', new_password: 'k'.repeat(4097) });
      expect(response.status).to.equal(400);
      expect(response.body).to.deep.equal({ new_password: ['Ensure this field has no more than 4096 characters.'] });
      const longest = await change({ email: 'user@test.com', password: 'user-pass', new_password: 'Zq7-'.repeat(1024) });
      expect(longest.status).to.equal(200);
    });

    it('compares the new password with the user only once the credentials are right', async () => {
      // A stranger must not learn whether a guess resembles someone's name: wrong credentials are refused first.
      const response = await change({ email: 'user@test.com', password: 'not-my-pass', new_password: 'user@test.com' });
      expect(response.status).to.equal(400);
      expect(response.body).to.deep.equal(INVALID_CREDENTIALS);
    });

    it("lists every missing field as required, in easyjwt's serializer order", async () => {
      const response = await change({});
      expect(response.status).to.equal(400);
      expect(response.text).to.equal(
        JSON.stringify({
          password: ['This field is required.'],
          new_password: ['This field is required.'],
          email: ['This field is required.'],
        }),
      );
    });

    it('is a POST-only endpoint', async () => {
      const response = await auth.get('/auth/password-change/');
      expect(response.status).to.equal(405);
      expect(response.body).to.deep.equal({ detail: 'Method "GET" not allowed.' });
    });
  });
});
