// The example auth-service in examples/ starts, creates its example users, and its serializer adds
// the user's groups, permissions and access level (`accessgroup: {user_type}`).
import { expect } from 'chai';
import { main, setAccessLevel } from '../../examples/auth-service/main';
import { Group, User } from '../../src';
import { call } from '../support/auth-service';

const KEY = 'example-test-key-that-is-longer-than-32-bytes';

describe('the example auth-service', function () {
  this.timeout(30000);

  let started: Awaited<ReturnType<typeof main>>;
  before(async () => {
    started = await main({ EASYJWT_SIGNING_KEY: KEY, EASYJWT_DATABASE_URL: 'sqlite::memory:', PORT: '0', EASYJWT_LOG_LEVEL: 'silent' });
  });
  after(async () => {
    await started?.listening.close();
    await started?.service.close();
  });

  const login = async (email: string, password: string) => {
    const answer = await call(`${started.listening.url}/auth/token/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    expect(answer.status, answer.text).to.equal(200);
    return answer.body.access as string;
  };
  const me = async (access: string) => (await call(`${started.listening.url}/auth/user/`, { headers: { Authorization: `Bearer ${access}` } })).body;

  it('serves the example users with their permissions and access level after the standard fields', async () => {
    const user = await me(await login('gold@test.com', 'gold-pass'));
    expect(Object.keys(user).slice(0, 9)).to.deep.equal([
      'id',
      'first_name',
      'email',
      'last_name',
      'date_joined',
      'last_login',
      'is_active',
      'is_staff',
      'is_superuser',
    ]);
    expect(user.groups).to.deep.equal(['access:gold-plus']);
    expect(user.permissions).to.deep.equal(['reports.view']);
    expect(user.accessgroup).to.deep.equal({ user_type: 'gold-plus' });
    expect(user.last_login).to.be.a('string'); // UPDATE_LAST_LOGIN is on in the example
    expect((await me(await login('guest@test.com', 'guest-pass'))).permissions).to.deep.equal([]);
  });

  it('adds permissions granted through groups, and a null accessgroup for a user without a level', async () => {
    const { service } = started;
    const created = await service.users.create({ email: 'member@test.com', password: 'member-pass-1' });
    const manager = service.dataSource.manager;
    const group = await manager.save(manager.create(Group, { name: 'editors', permissions: [] }));
    await manager.createQueryBuilder().relation(User, 'groups').of(created.id).add(group.id);
    await manager.query(
      "INSERT INTO easyjwt_group_permissions (group_id, permission_id) SELECT ?, id FROM easyjwt_permission WHERE app_label = 'reports' AND codename = 'view'",
      [group.id],
    );

    const user = await me(await login('member@test.com', 'member-pass-1'));
    expect(user.groups).to.deep.equal(['editors']);
    expect(user.permissions).to.deep.equal(['reports.view']);
    expect(user.accessgroup).to.equal(null);
  });

  it('setAccessLevel replaces the level, and the next request sees it', async () => {
    const { service } = started;
    const access = await login('silver@test.com', 'silver-pass-1');
    expect((await me(access)).accessgroup).to.deep.equal({ user_type: 'silver' });
    const silver = (await service.users.findByLogin('email', 'silver@test.com'))!;
    await setAccessLevel(service, silver.id, 'gold');
    const after = await me(access);
    expect(after.accessgroup).to.deep.equal({ user_type: 'gold' });
    expect(after.groups).to.deep.equal(['access:gold']);
  });
});
