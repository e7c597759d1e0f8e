// The example client-service in front of the example auth-service, both as examples/ runs them:
// login through the client, routes guarded by permission and by access level, and the nested
// `accessgroup` kept in the client's own table.
import { expect } from 'chai';
import { main as startAuth } from '../../examples/auth-service/main';
import { AccessGroup, main as startClient } from '../../examples/client-service/main';
import { LocalUser } from '../../src';
import type { TestResponse } from '../support/auth-service';
import { call } from '../support/auth-service';
import { dialects, freshDatabaseUrl } from '../support/databases';

const KEY = 'example-test-key-that-is-longer-than-32-bytes';

for (const dialect of dialects) {
  for (const verification of ['local', 'remote'] as const) {
    describe(`the example client-service (${verification} verification, ${dialect})`, function () {
      this.timeout(30000);

      let auth: Awaited<ReturnType<typeof startAuth>>;
      let client: Awaited<ReturnType<typeof startClient>>;
      before(async () => {
        auth = await startAuth({ EASYJWT_SIGNING_KEY: KEY, EASYJWT_DATABASE_URL: 'sqlite::memory:', PORT: '0', EASYJWT_LOG_LEVEL: 'silent' });
        client = await startClient({
          EASYJWT_AUTH_URL: auth.listening.url,
          ...(verification === 'local' ? { EASYJWT_SIGNING_KEY: KEY } : {}),
          EASYJWT_CLIENT_DATABASE_URL: await freshDatabaseUrl(dialect),
          PORT: '0',
          EASYJWT_LOG_LEVEL: 'silent',
        });
      });
      after(async () => {
        await client?.listening.close();
        await client?.service.close();
        await auth?.listening.close();
        await auth?.service.close();
      });

      const login = async (email: string, password: string): Promise<string> => {
        const answer = await call(`${client.listening.url}/auth/token/`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email, password }),
        });
        expect(answer.status, answer.text).to.equal(200);
        expect(Object.keys(answer.body)).to.deep.equal(['refresh', 'access']);
        return answer.body.access;
      };
      const get = (path: string, access?: string): Promise<TestResponse> =>
        call(`${client.listening.url}${path}`, access ? { headers: { Authorization: `Bearer ${access}` } } : {});

      it(`verifies ${verification}ly, as configured`, () => {
        expect(client.service.verification).to.equal(verification);
      });

      it('logs in through the client and stores the access level in example_access_group', async () => {
        await login('gold@test.com', 'gold-pass');
        const copy = await client.service.dataSource.manager.findOneByOrFail(LocalUser, { email: 'gold@test.com' });
        expect(copy.permissions).to.deep.equal(['reports.view']);
        const row = await client.service.dataSource.manager.findOneByOrFail(AccessGroup, { userId: copy.id });
        expect(row.user_type).to.equal('gold-plus');
        const raw = await client.service.dataSource.query('SELECT user_id, user_type FROM example_access_group WHERE user_id = ?', [copy.id]);
        expect(raw).to.deep.equal([{ user_id: copy.id, user_type: 'gold-plus' }]);
      });

      it('answers 200 on a route the user holds the permission and the access level for', async () => {
        const access = await login('gold@test.com', 'gold-pass');
        const gold = await get('/reports/gold/', access);
        expect(gold.status, gold.text).to.equal(200);
        expect(gold.body).to.deep.equal([{ id: 2, title: 'Churn forecast', level: 'gold' }]);
        expect((await get('/reports/', access)).status).to.equal(200);
        const me = await get('/me/', access);
        expect(me.body.accessgroup).to.deep.equal({ user_type: 'gold-plus' });
        expect(me.body).not.to.have.property('groups'); // not declared by the serializer: dropped
      });

      it('answers 403 with the access-level message to a user whose level does not start with the route level', async () => {
        const access = await login('silver@test.com', 'silver-pass-1');
        expect((await get('/reports/silver/', access)).status).to.equal(200);
        const gold = await get('/reports/gold/', access);
        expect(gold.status).to.equal(403);
        expect(gold.body).to.deep.equal({ detail: 'Your access level does not include gold reports.' });
      });

      it('answers 403 without the permission, before looking at the access level', async () => {
        const access = await login('guest@test.com', 'guest-pass'); // gold level, no reports.view
        for (const path of ['/reports/', '/reports/gold/']) {
          const answer = await get(path, access);
          expect(answer.status).to.equal(403);
          expect(answer.body).to.deep.equal({ detail: 'You do not have permission to perform this action.' });
        }
        expect((await get('/me/', access)).status).to.equal(200);
      });

      it('answers 401 without a token', async () => {
        for (const path of ['/reports/', '/reports/gold/', '/me/']) {
          const answer = await get(path);
          expect(answer.status).to.equal(401);
          expect(answer.body).to.deep.equal({ detail: 'Authentication credentials were not provided.' });
        }
      });
    });
  }
}
