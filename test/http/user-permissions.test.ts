// GET /auth/user/ with `X-EasyJWT-Include: permissions`: the permissions our client-services ask
// for (direct and through groups, sorted), the exact easyjwt JSON for everyone else, and access
// changes made in this process showing on the very next request despite the user cache.
import { expect } from 'chai';
import { UsageError } from '../../src/errors';
import type { TestAuthService } from '../support/auth-service';
import { startAuthService } from '../support/auth-service';
import { forEachDialect } from '../support/databases';

const USER_KEYS = ['id', 'first_name', 'email', 'last_name', 'date_joined', 'last_login', 'is_active', 'is_staff', 'is_superuser'];
const INCLUDE = { 'X-EasyJWT-Include': 'permissions' };

forEachDialect((dialect) => {
  describe('the permissions in the user JSON', () => {
    let auth: TestAuthService;
    let access: string;
    let userId: number;

    const me = (headers: Record<string, string> = {}) => auth.get('/auth/user/', { Authorization: `Bearer ${access}`, ...headers });
    /** The permission names joined to the user directly, read from the join table. */
    const directRows = async (id: number): Promise<string[]> => {
      const rows: { app_label: string; codename: string }[] = await auth.service.dataSource.query(
        'SELECT p.app_label, p.codename FROM easyjwt_user_permissions up JOIN easyjwt_permission p ON p.id = up.permission_id WHERE up.user_id = ? ORDER BY p.app_label, p.codename',
        [id],
      );
      return rows.map((row) => `${row.app_label}.${row.codename}`);
    };

    beforeEach(async () => {
      // A long user cache: changes made through the store must show at once all the same.
      auth = await startAuthService(dialect, { USER_CACHE_TTL: 300 });
      userId = await auth.createUser({ email: 'user@test.com', permissions: ['reports.view', 'app.edit'] });
      await auth.service.users.changeGroup('auditors', { addPermissions: ['audit.read', 'app.edit'] });
      await auth.service.users.changeAccess('user@test.com', { addGroups: ['auditors'] });
      access = (await auth.login('user@test.com')).access;
    });
    afterEach(async () => auth.close());

    it('answers the exact easyjwt JSON, with no permissions, when they are not asked for', async () => {
      const asked: Record<string, string>[] = [{}, { 'X-EasyJWT-Include': 'groups' }, { 'X-EasyJWT-Include': '' }];
      for (const headers of asked) {
        const response = await me(headers);
        expect(response.status).to.equal(200);
        expect(Object.keys(response.body)).to.deep.equal(USER_KEYS);
      }
    });

    it('adds the sorted direct and group permissions, after the standard keys, when asked', async () => {
      const plain = await me();
      const response = await me(INCLUDE);
      expect(response.status).to.equal(200);
      expect(Object.keys(response.body)).to.deep.equal([...USER_KEYS, 'permissions']);
      expect(response.text).to.equal(JSON.stringify({ ...plain.body, permissions: ['app.edit', 'audit.read', 'reports.view'] }));
      // A list of parts, in any case, asks as well.
      expect((await me({ 'X-EasyJWT-Include': 'groups, Permissions' })).body.permissions).to.deep.equal(['app.edit', 'audit.read', 'reports.view']);
    });

    it('shows a change of the user or of their group on the next request, cache or not', async () => {
      expect((await me(INCLUDE)).body.permissions).to.deep.equal(['app.edit', 'audit.read', 'reports.view']);
      const removed = await auth.service.users.changeAccess('USER@test.com', {
        removePermissions: ['reports.view', 'app.edit'],
        addPermissions: ['demo.view'],
      });
      expect(removed.changes).to.deep.equal([
        'removed permission reports.view from user@test.com',
        'removed permission app.edit from user@test.com',
        'added permission demo.view to user@test.com',
      ]);
      expect(await directRows(userId)).to.deep.equal(['demo.view']);
      // app.edit still comes through the group.
      expect((await me(INCLUDE)).body.permissions).to.deep.equal(['app.edit', 'audit.read', 'demo.view']);

      const group = await auth.service.users.changeGroup('auditors', { removePermissions: ['audit.read'] });
      expect(group).to.deep.equal({ changes: ['removed permission audit.read from group auditors'], userIds: [userId], changedUserIds: [userId] });
      expect((await me(INCLUDE)).body.permissions).to.deep.equal(['app.edit', 'demo.view']);

      await auth.service.users.changeAccess('user@test.com', { removeGroups: ['auditors'], isStaff: true });
      const response = await me(INCLUDE);
      expect(response.body.permissions).to.deep.equal(['demo.view']);
      expect(response.body.is_staff).to.equal(true);
      const memberships: unknown[] = await auth.service.dataSource.query('SELECT * FROM easyjwt_user_groups WHERE user_id = ?', [userId]);
      expect(memberships).to.deep.equal([]);
    });

    it('says so when a change changes nothing, and refuses unknown users and groups and bad names', async () => {
      const again = await auth.service.users.changeAccess('user@test.com', {
        addPermissions: ['reports.view'],
        removePermissions: ['x.y'],
        addGroups: ['auditors'],
        isActive: true,
      });
      expect(again.changes).to.deep.equal([
        'user@test.com did not hold permission x.y directly: nothing removed',
        'user@test.com already holds permission reports.view',
        'user@test.com is already in group auditors',
        'user@test.com is already active',
      ]);
      // One at a time: each is a transaction of its own.
      const refusals: [() => Promise<unknown>, string][] = [
        [() => auth.service.users.changeAccess('nobody@test.com', { addPermissions: ['a.b'] }), 'no user with email nobody@test.com'],
        [
          () => auth.service.users.changeAccess('user@test.com', { addPermissions: ['reports'] }),
          'permission must look like app_label.codename, got "reports"',
        ],
        [() => auth.service.users.changeAccess('user@test.com', { addGroups: ['nope'] }), 'no group named nope (create it with: easyjwt group --name "nope")'],
        [
          () => auth.service.users.changeAccess('user@test.com', { addPermissions: ['a.b'], removePermissions: ['a.b'] }),
          'permission a.b is both added and removed',
        ],
        [() => auth.service.users.changeGroup('  ', {}), 'a group name must be 1 to 150 characters, got "  "'],
      ];
      for (const [attempt, message] of refusals) {
        const error = await attempt().then(
          () => null,
          (failure: unknown) => failure,
        );
        expect(error).to.be.instanceOf(UsageError);
        expect((error as Error).message).to.equal(message);
      }
      // Nothing of the refused changes was written.
      expect(await directRows(userId)).to.deep.equal(['app.edit', 'reports.view']);
      const groups: unknown[] = await auth.service.dataSource.query('SELECT name FROM easyjwt_group ORDER BY name');
      expect(groups).to.deep.equal([{ name: 'auditors' }]);
    });
  });
});
