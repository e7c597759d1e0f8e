// Permissions granted at the stock auth-service reach a stock client-service's guards with no
// custom serializer on either side: the client asks for them in the user JSON and keeps them in
// its local user copy, whether it verifies tokens locally or remotely.
import { expect } from 'chai';
import type { TestAuthService } from '../support/auth-service';
import { TEST_KEY, startAuthService } from '../support/auth-service';
import type { TestClientService } from '../support/client-service';
import { bearer, FORBIDDEN, GuardedController, startClientService } from '../support/client-service';
import { forEachDialect } from '../support/databases';

forEachDialect((dialect) => {
  for (const verification of ['local', 'remote'] as const) {
    describe(`stock permissions on a client-service verifying ${verification}ly`, () => {
      let auth: TestAuthService;
      let client: TestClientService;

      /** The permissions column of the client's copy of `id`. */
      const copied = async (id: number): Promise<unknown> => {
        const rows: { permissions: string }[] = await client.service.dataSource.query('SELECT permissions FROM easyjwt_local_user WHERE id = ?', [id]);
        return rows.map((row) => JSON.parse(row.permissions));
      };

      beforeEach(async () => {
        auth = await startAuthService(dialect);
        const keys = verification === 'local' ? { SIGNING_KEY: TEST_KEY } : { TOKEN_VERIFICATION: 'remote' as const, REMOTE_VERIFY_CACHE_TTL: 0 };
        // USER_SYNC_MAX_AGE 0: every request refreshes the copy, so a change shows on the next one.
        client = await startClientService(dialect, { REMOTE_AUTH_SERVICE_URL: auth.url, USER_SYNC_MAX_AGE: 0, ...keys }, { controllers: [GuardedController] });
      });
      afterEach(async () => {
        await client.close();
        await auth.close();
      });

      it('lets a user through @JwtPermRequired with a permission granted directly, then refuses them once it is revoked', async () => {
        const id = await auth.createUser({ email: 'viewer@test.com', permissions: ['app.view'] });
        const { access } = await client.login('viewer@test.com');
        const allowed = await client.get('/guarded/view/', bearer(access));
        expect(allowed.status, allowed.text).to.equal(200);
        expect(allowed.body).to.deep.equal({ ok: true });
        expect(await copied(id)).to.deep.equal([['app.view']]);

        await auth.service.users.changeAccess('viewer@test.com', { removePermissions: ['app.view'] });
        const refused = await client.get('/guarded/view/', bearer(access));
        expect(refused.status).to.equal(403);
        expect(refused.text).to.equal(JSON.stringify(FORBIDDEN));
        expect(await copied(id)).to.deep.equal([[]]);
      });

      it('lets a user through with permissions that come from a group', async () => {
        await auth.service.users.changeGroup('editors', { addPermissions: ['app.edit', 'app.view'] });
        const id = await auth.createUser({ email: 'editor@test.com' });
        await auth.service.users.changeAccess('editor@test.com', { addGroups: ['editors'] });
        const { access } = await client.login('editor@test.com');
        const response = await client.get('/guarded/view-and-edit/', bearer(access));
        expect(response.status, response.text).to.equal(200);
        expect(await copied(id)).to.deep.equal([['app.edit', 'app.view']]);
        // What handlers see of the user carries them too.
        expect((await client.get('/guarded/me/', bearer(access))).body.permissions).to.deep.equal(['app.edit', 'app.view']);
      });
    });
  }
});
