// GET /auth/users/{id}/ and GET /auth/users/: your own user for everyone, anyone (and the list) for staff only.
import { expect } from 'chai';
import type { TestAuthService } from '../support/auth-service';
import { startAuthService } from '../support/auth-service';
import { forEachDialect } from '../support/databases';

const USER_KEYS = ['id', 'first_name', 'email', 'last_name', 'date_joined', 'last_login', 'is_active', 'is_staff', 'is_superuser'];
const FORBIDDEN = { detail: 'You do not have permission to perform this action.' };
const NOT_FOUND = { detail: 'Not found.' };
const NOT_PROVIDED = { detail: 'Authentication credentials were not provided.' };

forEachDialect((dialect) => {
  let auth: TestAuthService;
  let aliceId: number;
  let bobId: number;
  let staffId: number;
  let alice: string;
  let staff: string;

  beforeEach(async () => {
    auth = await startAuthService(dialect);
    aliceId = await auth.createUser({ email: 'alice@test.com', firstName: 'Alice' });
    bobId = await auth.createUser({ email: 'bob@test.com', isActive: false });
    staffId = await auth.createUser({ email: 'staff@test.com', isStaff: true });
    alice = `Bearer ${(await auth.login('alice@test.com')).access}`;
    staff = `Bearer ${(await auth.login('staff@test.com')).access}`;
  });
  afterEach(async () => auth.close());

  const as = (authorization: string | null, path: string) => auth.get(path, authorization ? { Authorization: authorization } : {});
  const expectStatus = (response: { status: number; text: string; headers: Headers }, status: number, body: object) => {
    expect(response.status).to.equal(status);
    expect(response.text).to.equal(JSON.stringify(body));
    expect(response.headers.get('content-type')).to.equal('application/json');
  };

  describe('GET /auth/users/{id}/', () => {
    it('answers your own user, the same JSON as /auth/user/', async () => {
      const response = await as(alice, `/auth/users/${aliceId}/`);
      expect(response.status).to.equal(200);
      expect(Object.keys(response.body)).to.deep.equal(USER_KEYS);
      expect(response.body).to.include({ id: aliceId, email: 'alice@test.com', first_name: 'Alice' });
      expect(response.text).to.equal((await as(alice, '/auth/user/')).text);
    });

    it("refuses someone else's id with 403 for a non-staff user", async () => {
      expectStatus(await as(alice, `/auth/users/${staffId}/`), 403, FORBIDDEN);
      expectStatus(await as(alice, `/auth/users/${bobId}/`), 403, FORBIDDEN);
    });

    it('does not tell a non-staff user which ids exist', async () => {
      expectStatus(await as(alice, '/auth/users/999999/'), 403, FORBIDDEN);
    });

    it('lets staff read anyone, inactive users included', async () => {
      const response = await as(staff, `/auth/users/${bobId}/`);
      expect(response.status).to.equal(200);
      expect(Object.keys(response.body)).to.deep.equal(USER_KEYS);
      expect(response.body).to.include({ id: bobId, email: 'bob@test.com', is_active: false, is_staff: false });
    });

    it('answers 404 to staff for an unknown id', async () => {
      expectStatus(await as(staff, '/auth/users/999999/'), 404, NOT_FOUND);
    });

    it('answers 404 for an id that is not a number', async () => {
      for (const id of ['abc', '1.5', '-1', '1e3', '99999999999999999999']) {
        expectStatus(await as(staff, `/auth/users/${id}/`), 404, NOT_FOUND);
      }
      expectStatus(await as(alice, '/auth/users/abc/'), 404, NOT_FOUND);
    });

    it('answers 401 without a token', async () => {
      const response = await as(null, `/auth/users/${aliceId}/`);
      expectStatus(response, 401, NOT_PROVIDED);
      expect(response.headers.get('www-authenticate')).to.equal('Bearer realm="api"');
    });
  });

  describe('GET /auth/users/', () => {
    it('lists every user by id for staff', async () => {
      const response = await as(staff, '/auth/users/');
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.equal('application/json');
      expect(response.body).to.be.an('array').with.length(3);
      expect(response.body.map((user: { id: number }) => user.id)).to.deep.equal([aliceId, bobId, staffId]);
      expect(response.body.map((user: { email: string }) => user.email)).to.deep.equal(['alice@test.com', 'bob@test.com', 'staff@test.com']);
      for (const user of response.body) expect(Object.keys(user)).to.deep.equal(USER_KEYS);
    });

    it('refuses a non-staff user with 403', async () => {
      expectStatus(await as(alice, '/auth/users/'), 403, FORBIDDEN);
    });

    it('answers 401 to an anonymous request', async () => {
      const response = await as(null, '/auth/users/');
      expectStatus(response, 401, NOT_PROVIDED);
      expect(response.headers.get('www-authenticate')).to.equal('Bearer realm="api"');
    });

    it('answers 401, not 403, to a bad token', async () => {
      const response = await as('Bearer garbage', '/auth/users/');
      expect(response.status).to.equal(401);
      expect(response.body.code).to.equal('token_not_valid');
    });
  });
});
