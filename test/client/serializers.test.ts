// Client user serializers: declared fields only, nested extra data in its own table, replaced by the latest truth on every sync.
import { expect } from 'chai';
import type { FrozenClock } from '../../src/core/clock';
import { LocalUser } from '../../src/entities';
import { ClientUserSerializer } from '../../src/serializers/client-user-serializer';
import type { TestAuthService } from '../support/auth-service';
import { TEST_KEY } from '../support/auth-service';
import type { ClientExtras, Extras, TestClientService } from '../support/client-service';
import { AccessGroup, bearer, frozenNow, GuardedController, startClientService, startExtraDataAuthService, withAccessGroups } from '../support/client-service';
import { forEachDialect } from '../support/databases';

const MAX_AGE = 60;
const STANDARD = ['id', 'email', 'first_name', 'last_name', 'is_active', 'is_staff', 'is_superuser', 'date_joined', 'last_login', 'permissions'];

/** Keeps two standard fields and nothing else. */
class SlimSerializer extends ClientUserSerializer {
  override readonly fields = ['email', 'is_staff'] as const;
}

forEachDialect((dialect) => {
  describe('client user serializers', () => {
    let auth: TestAuthService;
    let extras: Map<number, Extras>;
    let client: TestClientService | undefined;
    let clock: FrozenClock;
    let userId: number;

    beforeEach(async () => {
      ({ auth, extras } = await startExtraDataAuthService(dialect));
      userId = await auth.createUser({ email: 'user@test.com', firstName: 'Ada', lastName: 'Lovelace' });
      extras.set(userId, { user_type: 'gold', permissions: ['app.view'] });
      clock = frozenNow();
    });
    afterEach(async () => {
      await client?.close();
      client = undefined;
      await auth.close();
    });

    const start = async (extra: ClientExtras, verification: 'local' | 'remote' = 'local') => {
      const keys = verification === 'local' ? { SIGNING_KEY: TEST_KEY } : { TOKEN_VERIFICATION: 'remote' as const };
      client = await startClientService(
        dialect,
        { REMOTE_AUTH_SERVICE_URL: auth.url, USER_SYNC_MAX_AGE: MAX_AGE, REMOTE_VERIFY_CACHE_TTL: MAX_AGE, ...keys },
        { controllers: [GuardedController], clock, ...extra },
      );
      return client;
    };
    const groupRows = (c: TestClientService) => c.service.dataSource.query('SELECT user_id, user_type FROM test_access_group');
    const rawUserRow = async (c: TestClientService) => JSON.stringify(await c.service.dataSource.query('SELECT * FROM easyjwt_local_user'));
    /** Moves past USER_SYNC_MAX_AGE and asks, so the next answer comes from a fresh sync. */
    const resync = async (c: TestClientService, access: string) => {
      clock.advance(MAX_AGE + 1);
      return c.get('/guarded/me/', bearer(access));
    };

    it('stores the nested accessgroup in its own table, one row keyed by the auth-service id', async () => {
      const c = await start(withAccessGroups());
      const { access } = await c.login('user@test.com');
      expect(await groupRows(c)).to.deep.equal([{ user_id: userId, user_type: 'gold' }]);
      const me = await c.get('/guarded/me/', bearer(access));
      expect(me.body.accessgroup).to.deep.equal({ user_type: 'gold' });
    });

    it('keeps only the declared nested fields: the upstream secret_note is dropped', async () => {
      const c = await start(withAccessGroups());
      const { access } = await c.login('user@test.com');
      const upstream = await auth.get('/auth/user/', bearer(access));
      expect(upstream.body.accessgroup).to.deep.equal({ user_type: 'gold', secret_note: 'x' });
      const me = await c.get('/guarded/me/', bearer(access));
      expect(Object.keys(me.body.accessgroup)).to.deep.equal(['user_type']);
      const row = await c.service.dataSource.manager.findOneByOrFail(AccessGroup, { userId });
      expect(row).to.deep.equal(Object.assign(new AccessGroup(), { userId, user_type: 'gold' }));
    });

    it('drops undeclared top-level fields from principal.data and from the database', async () => {
      const c = await start(withAccessGroups());
      const { access } = await c.login('user@test.com');
      expect((await auth.get('/auth/user/', bearer(access))).body.favourite_colour).to.equal('green');
      const me = await c.get('/guarded/me/', bearer(access));
      expect(Object.keys(me.body)).to.deep.equal([...STANDARD, 'accessgroup']);
      expect(me.body).not.to.have.property('favourite_colour');
      const stored = await rawUserRow(c);
      expect(stored).not.to.include('green');
      expect(stored).not.to.include('favourite_colour');
      expect(JSON.stringify(await groupRows(c))).not.to.include('secret_note');
    });

    it('gives principal.data the standard fields exactly as the auth-service served them', async () => {
      const c = await start(withAccessGroups());
      const { access } = await c.login('user@test.com');
      const upstream = (await auth.get('/auth/user/', bearer(access))).body;
      const me = (await c.get('/guarded/me/', bearer(access))).body;
      for (const field of STANDARD) expect(me[field], field).to.deep.equal(upstream[field]);
      expect(me).to.include({ id: userId, first_name: 'Ada', last_name: 'Lovelace' });
    });

    it('replaces the nested row with the latest truth on the next sync', async () => {
      const c = await start(withAccessGroups());
      const { access } = await c.login('user@test.com');
      extras.set(userId, { user_type: 'silver', permissions: ['app.view'] });
      // Still the old truth while the copy is fresh.
      expect((await c.get('/guarded/me/', bearer(access))).body.accessgroup).to.deep.equal({ user_type: 'gold' });
      const me = await resync(c, access);
      expect(me.body.accessgroup).to.deep.equal({ user_type: 'silver' });
      expect(await groupRows(c)).to.deep.equal([{ user_id: userId, user_type: 'silver' }]);
    });

    it('removes the nested row when the auth-service no longer sends the object', async () => {
      const c = await start(withAccessGroups());
      const { access } = await c.login('user@test.com');
      extras.set(userId, { permissions: ['app.view'] });
      expect((await auth.get('/auth/user/', bearer(access))).body).not.to.have.property('accessgroup');
      const me = await resync(c, access);
      expect(me.status).to.equal(200);
      expect(me.body.accessgroup).to.equal(null);
      expect(await groupRows(c)).to.deep.equal([]);
      expect(await c.service.dataSource.manager.countBy(AccessGroup, { userId })).to.equal(0);
    });

    it('brings the nested row back when the auth-service sends the object again', async () => {
      const c = await start(withAccessGroups());
      const { access } = await c.login('user@test.com');
      extras.set(userId, {});
      await resync(c, access);
      extras.set(userId, { user_type: 'bronze' });
      const me = await resync(c, access);
      expect(me.body.accessgroup).to.deep.equal({ user_type: 'bronze' });
      expect(await groupRows(c)).to.deep.equal([{ user_id: userId, user_type: 'bronze' }]);
    });

    it("keeps each user's nested row apart from the others", async () => {
      const otherId = await auth.createUser({ email: 'other@test.com' });
      extras.set(otherId, { user_type: 'platinum' });
      const c = await start(withAccessGroups());
      await c.login('user@test.com');
      await c.login('other@test.com');
      extras.delete(otherId);
      await c.login('other@test.com');
      expect(await groupRows(c)).to.deep.equal([{ user_id: userId, user_type: 'gold' }]);
    });

    it('stores nested extra data the same way under remote verification', async () => {
      const c = await start(withAccessGroups(), 'remote');
      const { access } = await auth.login('user@test.com');
      const me = await c.get('/guarded/me/', bearer(access));
      expect(me.body.accessgroup).to.deep.equal({ user_type: 'gold' });
      expect(me.body).not.to.have.property('favourite_colour');
      extras.set(userId, { user_type: 'silver' });
      clock.advance(MAX_AGE + 1);
      expect((await c.get('/guarded/me/', bearer(access))).body.accessgroup).to.deep.equal({ user_type: 'silver' });
      expect(await groupRows(c)).to.deep.equal([{ user_id: userId, user_type: 'silver' }]);
    });

    it('keeps the permissions the auth-service sends, replaced on every sync', async () => {
      const c = await start(withAccessGroups());
      const { access } = await c.login('user@test.com');
      expect((await c.get('/guarded/me/', bearer(access))).body.permissions).to.deep.equal(['app.view']);
      extras.set(userId, { user_type: 'gold', permissions: ['app.edit', 'app.delete'] });
      expect((await resync(c, access)).body.permissions).to.deep.equal(['app.edit', 'app.delete']);
      const copy = await c.service.dataSource.manager.findOneByOrFail(LocalUser, { id: userId });
      expect(copy.permissions).to.deep.equal(['app.edit', 'app.delete']);
    });

    it('ignores nested objects a serializer does not declare', async () => {
      const c = await start({});
      const { access } = await c.login('user@test.com');
      const me = await c.get('/guarded/me/', bearer(access));
      expect(Object.keys(me.body)).to.deep.equal(STANDARD);
    });

    it('keeps only the standard fields a serializer declares, plus the id', async () => {
      const c = await start({ serializer: new SlimSerializer() });
      const { access } = await c.login('user@test.com');
      const me = await c.get('/guarded/me/', bearer(access));
      expect(me.body).to.deep.equal({ id: userId, email: 'user@test.com', is_staff: false });
      const copy = await c.service.dataSource.manager.findOneByOrFail(LocalUser, { id: userId });
      expect(copy.firstName).to.equal('');
      expect(copy.lastName).to.equal('');
      expect(copy.permissions).to.deep.equal([]);
    });
  });
});
