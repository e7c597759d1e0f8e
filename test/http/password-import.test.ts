// Users imported from Django: their PBKDF2 and scrypt hashes log in and are upgraded to this service's scrypt.
import { expect } from 'chai';
import { pbkdf2Sync, scryptSync } from 'node:crypto';
import { User } from '../../src/entities';
import type { TestAuthService } from '../support/auth-service';
import { startAuthService } from '../support/auth-service';
import { forEachDialect } from '../support/databases';

/** What Django 3.2's PBKDF2PasswordHasher stores for `password`. */
const djangoPbkdf2 = (password: string, salt: string, iterations = 260000): string =>
  `pbkdf2_sha256$${iterations}$${salt}$${pbkdf2Sync(password, salt, iterations, 32, 'sha256').toString('base64')}`;

/** What Django 4's ScryptPasswordHasher stores (N=2**14, r=8, p=1, 64-byte key). */
const djangoScrypt = (password: string, salt: string): string =>
  `scrypt$16384$${salt}$8$1$${scryptSync(password, salt, 64, { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }).toString('base64')}`;

forEachDialect((dialect) => {
  describe('logging in with a password hash imported from Django', () => {
    let auth: TestAuthService;
    let userId: number;

    beforeEach(async () => {
      auth = await startAuthService(dialect);
      userId = await auth.createUser({ email: 'django@test.com', password: 'placeholder-pass' });
    });
    afterEach(async () => auth.close());

    const setHash = (password: string) => auth.service.dataSource.manager.update(User, { id: userId }, { password });
    const storedHash = async () => (await auth.service.dataSource.manager.findOneByOrFail(User, { id: userId })).password;

    it('accepts a pbkdf2_sha256 hash and replaces it with scrypt, without logging the user out', async () => {
      await setHash(djangoPbkdf2('django-pass', 'c2FsdHNhbHRzYWx0'));
      const response = await auth.post('/auth/token/', { email: 'django@test.com', password: 'django-pass' });
      expect(response.status).to.equal(200);
      expect(Object.keys(response.body)).to.deep.equal(['refresh', 'access']);

      const upgraded = await storedHash();
      expect(upgraded.startsWith('scrypt$')).to.equal(true);
      const row = await auth.service.dataSource.manager.findOneByOrFail(User, { id: userId });
      expect(row.passwordChangedAt).to.equal(null); // a rehash is not a password change

      // The tokens of that very login still work, and the password still logs in against the new hash.
      expect((await auth.get('/auth/user/', { Authorization: `Bearer ${response.body.access}` })).status).to.equal(200);
      expect((await auth.post('/auth/token/refresh/', { refresh: response.body.refresh })).status).to.equal(200);
      expect((await auth.post('/auth/token/', { email: 'django@test.com', password: 'django-pass' })).status).to.equal(200);
      expect(await storedHash()).to.equal(upgraded);
    });

    it('refuses a wrong password against a pbkdf2_sha256 hash and leaves the hash alone', async () => {
      const hash = djangoPbkdf2('django-pass', 'c2FsdHNhbHRzYWx0');
      await setHash(hash);
      const response = await auth.post('/auth/token/', { email: 'django@test.com', password: 'django-pass!' });
      expect(response.status).to.equal(401);
      expect(response.body).to.deep.equal({ detail: 'No active account found with the given credentials' });
      expect(await storedHash()).to.equal(hash);
    });

    it("accepts Django's own scrypt hash and re-hashes it with this service's parameters", async () => {
      await setHash(djangoScrypt('django-pass', 'aBcDeFgHiJkLmNoPqRsTuV'));
      expect((await auth.post('/auth/token/', { email: 'django@test.com', password: 'django-pass' })).status).to.equal(200);
      // testSettings() uses N=1024, p=1.
      expect(await storedHash()).to.match(/^scrypt\$1024\$[A-Za-z0-9]{22}\$8\$1\$[A-Za-z0-9+/]+=*$/);
    });

    it('never matches an unusable hash such as Django\'s "!"', async () => {
      await setHash('!unusable');
      const response = await auth.post('/auth/token/', { email: 'django@test.com', password: '!unusable' });
      expect(response.status).to.equal(401);
    });

    it('lets an imported user change their password through POST /auth/password-change/', async () => {
      await setHash(djangoPbkdf2('django-pass', 'c2FsdHNhbHRzYWx0', 1000));
      const response = await auth.post('/auth/password-change/', {
        email: 'django@test.com',
        password: 'django-pass',
        new_password: 'a-new-node-pass',
      });
      expect(response.status).to.equal(200);
      expect(await storedHash()).to.match(/^scrypt\$/);
      expect((await auth.post('/auth/token/', { email: 'django@test.com', password: 'a-new-node-pass' })).status).to.equal(200);
    });
  });
});
