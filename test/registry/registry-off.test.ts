// REGISTRY_ENABLED=false: the endpoints that only the registry could honour are not there (the
// contract's 404, like any unknown path) instead of answering 200 and changing nothing; logout-all
// stays, because the user's tokens_valid_after voids the tokens without the registry.
import { expect } from 'chai';
import type { SettingsInput } from '../../src/settings';
import type { TestAuthService, TestResponse } from '../support/auth-service';
import { call, startAuthService } from '../support/auth-service';
import { forEachDialect } from '../support/databases';

const NOT_FOUND = { detail: 'Not found.' };
const EXPIRED = { detail: 'Token has been expired.', code: 'token_expired_by_registry' };

forEachDialect((dialect) => {
  describe('the registry endpoints', () => {
    let auth: TestAuthService;
    let staffAccess: string;

    const start = async (overrides: SettingsInput) => {
      auth = await startAuthService(dialect, overrides);
      await auth.createUser({ email: 'user@test.com' });
      await auth.createUser({ email: 'staff@test.com', isStaff: true });
      staffAccess = (await auth.login('staff@test.com')).access;
    };
    const bearer = (access: string) => ({ Authorization: `Bearer ${access}` });
    const del = (path: string, access: string) => call(auth.url + path, { method: 'DELETE', headers: bearer(access) });
    const expectNotFound = (response: TestResponse) => {
      expect(response.status).to.equal(404);
      expect(response.text).to.equal(JSON.stringify(NOT_FOUND));
      expect(response.headers.get('content-type')).to.equal('application/json');
    };

    afterEach(async () => auth.close());

    describe('with REGISTRY_ENABLED off', () => {
      beforeEach(async () => start({ REGISTRY_ENABLED: false }));

      it('are not mounted: token/expire and sessions answer the 404 of an unknown path', async () => {
        const login = await auth.login('user@test.com');
        expectNotFound(await auth.get('/auth/no-such-endpoint/', bearer(login.access)));
        expectNotFound(await auth.post('/auth/token/expire/', { token: login.access }, bearer(login.access)));
        expectNotFound(await auth.post('/auth/token/expire/', { token: login.refresh, affect_tree: true }, bearer(staffAccess)));
        expectNotFound(await auth.get('/auth/sessions/', bearer(login.access)));
        expectNotFound(await auth.get('/auth/sessions/?user=1', bearer(staffAccess)));
        expectNotFound(await del('/auth/sessions/1/', login.access));
        expectNotFound(await del('/auth/sessions/1/', staffAccess));
        // The token they would have expired keeps working, as nothing claimed otherwise.
        expect((await auth.get('/auth/user/', bearer(login.access))).status).to.equal(200);
      });

      it('keep logout-all, which voids every token of the user through tokens_valid_after', async () => {
        const first = await auth.login('user@test.com');
        const second = await auth.login('user@test.com');
        const refreshed = await auth.post('/auth/token/refresh/', { refresh: second.refresh });
        expect(refreshed.status).to.equal(200);
        const other = await auth.login('staff@test.com');

        const logoutAll = await auth.post('/auth/logout-all/', {}, bearer(first.access));
        expect(logoutAll.status).to.equal(200);
        expect(logoutAll.body).to.deep.equal({});

        for (const access of [first.access, second.access, refreshed.body.access]) {
          const user = await auth.get('/auth/user/', bearer(access));
          expect(user.status).to.equal(401);
          expect(user.body).to.deep.equal(EXPIRED);
        }
        for (const token of [first.access, first.refresh, second.refresh, refreshed.body.access]) {
          const verify = await auth.post('/auth/token/verify/', { token });
          expect(verify.status).to.equal(401);
          expect(verify.body).to.deep.equal(EXPIRED);
        }
        for (const refresh of [first.refresh, second.refresh]) {
          const refused = await auth.post('/auth/token/refresh/', { refresh });
          expect(refused.status).to.equal(401);
          expect(refused.body).to.deep.equal(EXPIRED);
        }
        // Another user's tokens are untouched, and the user can log in again.
        expect((await auth.get('/auth/user/', bearer(other.access))).status).to.equal(200);
        const again = await auth.login('user@test.com');
        expect((await auth.get('/auth/user/', bearer(again.access))).status).to.equal(200);
      });
    });

    describe('with REGISTRY_ENABLED on', () => {
      beforeEach(async () => start({ REGISTRY_ENABLED: true }));

      it('are mounted', async () => {
        const login = await auth.login('user@test.com');
        expect((await auth.get('/auth/sessions/', bearer(login.access))).status).to.equal(200);
        expect((await auth.post('/auth/token/expire/', { token: login.refresh }, bearer(login.access))).status).to.equal(200);
        expect((await del('/auth/sessions/1/', staffAccess)).status).to.equal(200);
      });
    });
  });
});
