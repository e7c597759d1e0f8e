// Route guards on a client-service: 401 when not logged in, 403 when not allowed, permissions from the upstream user JSON.
import { expect } from 'chai';
import type { TestAuthService, TestResponse } from '../support/auth-service';
import { TEST_KEY } from '../support/auth-service';
import type { Extras, TestClientService } from '../support/client-service';
import {
  bearer,
  FORBIDDEN,
  GuardedController,
  NOT_PROVIDED,
  StaffAreaController,
  startClientService,
  startExtraDataAuthService,
  withAccessGroups,
} from '../support/client-service';
import { forEachDialect } from '../support/databases';

const ROUTES = ['/guarded/login/', '/guarded/view/', '/guarded/view-and-edit/', '/guarded/view-or-edit/', '/guarded/gold/', '/guarded/staff/', '/guarded/me/'];
const TOO_LOW = { detail: 'Your access level is too low.' };

const expectOk = (response: TestResponse) => {
  expect(response.status, response.text).to.equal(200);
};
const expectForbidden = (response: TestResponse, body: object = FORBIDDEN) => {
  expect(response.status).to.equal(403);
  expect(response.text).to.equal(JSON.stringify(body));
  expect(response.headers.get('content-type')).to.equal('application/json');
  expect(response.headers.get('www-authenticate')).to.equal(null);
};

forEachDialect((dialect) => {
  for (const verification of ['local', 'remote'] as const) {
    describe(`guards on a client-service verifying ${verification}ly`, () => {
      let auth: TestAuthService;
      let extras: Map<number, Extras>;
      let client: TestClientService;

      /** Creates a user upstream with these extras and logs them in through the client. */
      const userWith = async (email: string, extra: Extras, flags: { isStaff?: boolean; isSuperuser?: boolean } = {}) => {
        const id = await auth.createUser({ email, ...flags });
        extras.set(id, extra);
        return (await client.login(email)).access;
      };

      beforeEach(async () => {
        ({ auth, extras } = await startExtraDataAuthService(dialect));
        const keys = verification === 'local' ? { SIGNING_KEY: TEST_KEY } : { TOKEN_VERIFICATION: 'remote' as const };
        client = await startClientService(
          dialect,
          { REMOTE_AUTH_SERVICE_URL: auth.url, ...keys },
          { controllers: [GuardedController, StaffAreaController], ...withAccessGroups() },
        );
      });
      afterEach(async () => {
        await client.close();
        await auth.close();
      });

      it('answers every guarded route with 401 and the exact body when not logged in', async () => {
        for (const route of ROUTES) {
          const response = await client.get(route);
          expect(response.status, route).to.equal(401);
          expect(response.text, route).to.equal(JSON.stringify(NOT_PROVIDED));
          expect(response.headers.get('www-authenticate'), route).to.equal('Bearer realm="api"');
          expect(response.headers.get('content-type'), route).to.equal('application/json');
        }
      });

      it('answers 401, not 403, to a bad token on a permission route', async () => {
        const response = await client.get('/guarded/view/', bearer('not-a-token'));
        expect(response.status).to.equal(401);
      });

      it('lets any logged-in user through the login guard', async () => {
        const access = await userWith('user@test.com', {});
        const response = await client.get('/guarded/login/', bearer(access));
        expectOk(response);
        expect(response.body).to.deep.equal({ ok: true });
      });

      it('answers 403 with the exact body to a logged-in user without the permission', async () => {
        const access = await userWith('user@test.com', { permissions: ['app.other'] });
        for (const route of ['/guarded/view/', '/guarded/view-and-edit/', '/guarded/view-or-edit/']) expectForbidden(await client.get(route, bearer(access)));
      });

      it('lets a user through whose permission was granted in the upstream user JSON', async () => {
        const access = await userWith('viewer@test.com', { permissions: ['app.view'] });
        expectOk(await client.get('/guarded/view/', bearer(access)));
      });

      it('requires all the listed permissions by default', async () => {
        const viewer = await userWith('viewer@test.com', { permissions: ['app.view'] });
        const editor = await userWith('editor@test.com', { permissions: ['app.edit'] });
        const both = await userWith('both@test.com', { permissions: ['app.edit', 'app.view'] });
        expectForbidden(await client.get('/guarded/view-and-edit/', bearer(viewer)));
        expectForbidden(await client.get('/guarded/view-and-edit/', bearer(editor)));
        expectOk(await client.get('/guarded/view-and-edit/', bearer(both)));
      });

      it('requires one of the listed permissions in any mode', async () => {
        const viewer = await userWith('viewer@test.com', { permissions: ['app.view'] });
        const editor = await userWith('editor@test.com', { permissions: ['app.edit'] });
        const neither = await userWith('neither@test.com', { permissions: ['app.delete'] });
        expectOk(await client.get('/guarded/view-or-edit/', bearer(viewer)));
        expectOk(await client.get('/guarded/view-or-edit/', bearer(editor)));
        expectForbidden(await client.get('/guarded/view-or-edit/', bearer(neither)));
      });

      it('lets a superuser without any listed permission pass every permission check', async () => {
        const access = await userWith('admin@test.com', {}, { isSuperuser: true });
        for (const route of ['/guarded/view/', '/guarded/view-and-edit/', '/guarded/view-or-edit/']) expectOk(await client.get(route, bearer(access)));
      });

      it("answers the predicate guard's own 403 message when the access level is too low", async () => {
        const silver = await userWith('silver@test.com', { user_type: 'silver' });
        const none = await userWith('none@test.com', {});
        expectForbidden(await client.get('/guarded/gold/', bearer(silver)), TOO_LOW);
        expectForbidden(await client.get('/guarded/gold/', bearer(none)), TOO_LOW);
      });

      it("lets a user through the predicate guard whose access level starts with the route's level", async () => {
        const gold = await userWith('gold@test.com', { user_type: 'gold' });
        const goldPlus = await userWith('goldplus@test.com', { user_type: 'gold-plus' });
        expectOk(await client.get('/guarded/gold/', bearer(gold)));
        expectOk(await client.get('/guarded/gold/', bearer(goldPlus)));
      });

      it('lets staff through the staff guard and answers 403 to everyone else, superusers included', async () => {
        const staff = await userWith('staff@test.com', {}, { isStaff: true });
        const user = await userWith('user@test.com', { permissions: ['app.view'] });
        const admin = await userWith('admin@test.com', {}, { isSuperuser: true });
        expectOk(await client.get('/guarded/staff/', bearer(staff)));
        expectForbidden(await client.get('/guarded/staff/', bearer(user)));
        expectForbidden(await client.get('/guarded/staff/', bearer(admin)));
      });

      it('guards every route of a controller decorated as a whole', async () => {
        const staff = await userWith('staff@test.com', {}, { isStaff: true });
        const user = await userWith('user@test.com', {});
        for (const route of ['/staff-area/reports/', '/staff-area/me/']) {
          expect((await client.get(route)).status, route).to.equal(401);
          expectForbidden(await client.get(route, bearer(user)));
          expectOk(await client.get(route, bearer(staff)));
        }
      });

      it('hands the principal data to @AuthUser', async () => {
        const access = await userWith('gold@test.com', { user_type: 'gold', permissions: ['app.view'] }, { isStaff: true });
        const response = await client.get('/guarded/me/', bearer(access));
        expectOk(response);
        expect(response.body).to.include({ email: 'gold@test.com', is_staff: true, is_superuser: false, is_active: true });
        expect(response.body.id).to.be.a('number');
        expect(response.body.permissions).to.deep.equal(['app.view']);
        expect(response.body.accessgroup).to.deep.equal({ user_type: 'gold' });
      });
    });
  }
});
