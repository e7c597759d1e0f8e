// POST /auth/token/expire/ and TOKEN_EXPIRE_ON_REFRESH: who may expire what, the tree option, and
// expired tokens refused at refresh, verify and protected routes with one stable code.
import { expect } from 'chai';
import { FrozenClock } from '../../src/core/clock';
import { Session, Token } from '../../src/entities';
import type { SettingsInput } from '../../src/settings';
import type { TestAuthService } from '../support/auth-service';
import { payloadOf, startAuthService } from '../support/auth-service';
import { forEachDialect } from '../support/databases';

const EXPIRED = { detail: 'Token has been expired.', code: 'token_expired_by_registry' };

forEachDialect((dialect) => {
  describe('expiring tokens', () => {
    let auth: TestAuthService;
    let clock: FrozenClock;

    const start = async (overrides: SettingsInput = {}) => {
      clock = new FrozenClock();
      auth = await startAuthService(dialect, overrides, { clock });
      await auth.createUser({ email: 'user@test.com' });
      await auth.createUser({ email: 'other@test.com' });
      await auth.createUser({ email: 'staff@test.com', isStaff: true });
    };
    const bearer = (access: string) => ({ Authorization: `Bearer ${access}` });
    const expire = (access: string, body: unknown) => auth.post('/auth/token/expire/', body, bearer(access));
    const row = (token: string) => auth.service.dataSource.manager.findOneByOrFail(Token, { jti: payloadOf(token).jti as string });
    const refreshed = async (token: string) => (await auth.post('/auth/token/refresh/', { refresh: token })).body as { access: string; refresh?: string };

    afterEach(async () => auth.close());

    describe('POST /auth/token/expire/', () => {
      beforeEach(async () => start());

      it('expires only the given token by default; it is refused at refresh, verify and protected routes', async () => {
        const pair = await auth.login('user@test.com');
        const child = await refreshed(pair.refresh);
        const response = await expire(pair.access, { token: pair.refresh });
        expect(response.status).to.equal(200);
        expect(response.body).to.deep.equal({});
        expect((await row(pair.refresh)).expiredAt?.getTime()).to.equal(clock.now());
        expect((await row(child.access)).expiredAt).to.equal(null);

        const atRefresh = await auth.post('/auth/token/refresh/', { refresh: pair.refresh });
        expect(atRefresh.status).to.equal(401);
        expect(atRefresh.body).to.deep.equal(EXPIRED);
        expect(atRefresh.headers.get('www-authenticate')).to.equal('Bearer realm="api"');
        expect((await auth.post('/auth/token/verify/', { token: pair.refresh })).body).to.deep.equal(EXPIRED);
        // Its access tokens were not expired: they still work until their exp.
        expect((await auth.get('/auth/user/', bearer(child.access))).status).to.equal(200);

        // An access token expired by itself is refused on protected routes at once.
        expect((await expire(child.access, { token: child.access })).status).to.equal(200);
        const route = await auth.get('/auth/user/', bearer(child.access));
        expect(route.status).to.equal(401);
        expect(route.body).to.deep.equal(EXPIRED);
        // Expiring again is not an error.
        expect((await expire(pair.access, { token: pair.refresh })).status).to.equal(200);
      });

      it('with affect_tree expires the whole tree and its session', async () => {
        const pair = await auth.login('user@test.com');
        const child = await refreshed(pair.refresh);
        const other = await auth.login('user@test.com');
        const response = await expire(other.access, { token: child.access, affect_tree: true });
        expect(response.status).to.equal(200);
        for (const token of [pair.refresh, pair.access, child.access]) expect((await row(token)).expiredAt?.getTime()).to.equal(clock.now());
        expect((await row(other.refresh)).expiredAt).to.equal(null);
        const sessions = await auth.service.dataSource.manager.find(Session, { order: { id: 'ASC' } });
        expect(sessions.map((session) => session.expiredAt?.getTime() ?? null)).to.deep.equal([clock.now(), null]);
        expect((await auth.get('/auth/user/', bearer(pair.access))).body).to.deep.equal(EXPIRED);
        expect((await auth.get('/auth/user/', bearer(other.access))).status).to.equal(200);
      });

      it("refuses someone else's token to a user (403) and allows it to staff", async () => {
        const mine = await auth.login('user@test.com');
        const theirs = await auth.login('other@test.com');
        const staff = await auth.login('staff@test.com');
        const refused = await expire(mine.access, { token: theirs.refresh });
        expect(refused.status).to.equal(403);
        expect(refused.body).to.deep.equal({ detail: 'You do not have permission to perform this action.' });
        expect((await row(theirs.refresh)).expiredAt).to.equal(null);
        expect((await expire(staff.access, { token: theirs.refresh, affect_tree: 'true' })).status).to.equal(200);
        expect((await row(theirs.access)).expiredAt).to.not.equal(null);
      });

      it('answers bad input with DRF-shaped 4xx bodies, never 500', async () => {
        const pair = await auth.login('user@test.com');
        const cases: [unknown, number, object][] = [
          [{}, 400, { token: ['This field is required.'] }],
          [{ token: '' }, 400, { token: ['This field may not be blank.'] }],
          [{ token: pair.refresh, affect_tree: 'maybe' }, 400, { affect_tree: ['Must be a valid boolean.'] }],
          [{ token: pair.refresh, affect_tree: [] }, 400, { affect_tree: ['Must be a valid boolean.'] }],
          [{ token: 'garbage' }, 401, { detail: 'Token is invalid or expired', code: 'token_not_valid' }],
          [[1, 2], 400, { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] }],
        ];
        for (const [body, status, answer] of cases) {
          const response = await expire(pair.access, body);
          expect(response.status, JSON.stringify(body)).to.equal(status);
          expect(response.body, JSON.stringify(body)).to.deep.equal(answer);
        }
        const malformed = await auth.post('/auth/token/expire/', '{"token":', { ...bearer(pair.access) });
        expect(malformed.status).to.equal(400);
        const anonymous = await auth.post('/auth/token/expire/', { token: pair.refresh });
        expect(anonymous.status).to.equal(401);
        expect((await row(pair.refresh)).expiredAt).to.equal(null);
      });
    });

    describe('TOKEN_EXPIRE_ON_REFRESH', () => {
      it('expires every other token of the tree on refresh, keeping the new access token and the refresh token in use', async () => {
        await start({ TOKEN_EXPIRE_ON_REFRESH: true });
        const pair = await auth.login('user@test.com');
        const first = await refreshed(pair.refresh);
        const second = await refreshed(pair.refresh);
        expect((await auth.get('/auth/user/', bearer(pair.access))).body).to.deep.equal(EXPIRED);
        expect((await auth.get('/auth/user/', bearer(first.access))).body).to.deep.equal(EXPIRED);
        expect((await auth.get('/auth/user/', bearer(second.access))).status).to.equal(200);
        expect((await row(pair.refresh)).expiredAt).to.equal(null);
        expect((await refreshed(pair.refresh)).access).to.be.a('string');
      });

      it('with rotation, expires the used refresh token too', async () => {
        await start({ TOKEN_EXPIRE_ON_REFRESH: true, ROTATE_REFRESH_TOKENS: true });
        const pair = await auth.login('user@test.com');
        const next = await refreshed(pair.refresh);
        expect((await auth.post('/auth/token/refresh/', { refresh: pair.refresh })).body).to.deep.equal(EXPIRED);
        expect((await auth.get('/auth/user/', bearer(pair.access))).body).to.deep.equal(EXPIRED);
        expect((await auth.get('/auth/user/', bearer(next.access))).status).to.equal(200);
        expect((await refreshed(next.refresh!)).access).to.be.a('string');
      });
    });
  });
});
