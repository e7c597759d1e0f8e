// The example auth-service in examples/ starts, and its serializer adds the user's groups.
import { expect } from 'chai';
import { main } from '../../examples/auth-service/main';
import { Group, User } from '../../src';
import { call } from '../support/auth-service';

describe('the example auth-service', function () {
  this.timeout(30000);

  it('serves users with their group names added by GroupsSerializer', async () => {
    const { service, listening } = await main({
      EASYJWT_SIGNING_KEY: 'example-test-key-that-is-longer-than-32-bytes',
      EASYJWT_DATABASE_URL: 'sqlite::memory:',
      PORT: '0',
      EASYJWT_LOG_LEVEL: 'silent',
    });
    try {
      const user = await service.users.create({ email: 'member@test.com', password: 'member-pass' });
      const group = await service.dataSource.manager.save(service.dataSource.manager.create(Group, { name: 'editors', permissions: [] }));
      await service.dataSource.manager.createQueryBuilder().relation(User, 'groups').of(user.id).add(group.id);

      const login = await call(`${listening.url}/auth/token/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: 'member@test.com', password: 'member-pass' }),
      });
      expect(login.status).to.equal(200);
      const me = await call(`${listening.url}/auth/user/`, { headers: { Authorization: `Bearer ${login.body.access}` } });
      expect(me.status).to.equal(200);
      expect(me.body.groups).to.deep.equal(['editors']);
      expect(me.body.last_login).to.be.a('string'); // UPDATE_LAST_LOGIN is on in the example
    } finally {
      await listening.close();
      await service.close();
    }
  });
});
