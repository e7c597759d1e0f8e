// The registry's queries against real databases: active(), expired(), ofUser() and collectTree().
import { expect } from 'chai';
import { FrozenClock } from '../../src/core/clock';
import { Token } from '../../src/entities';
import type { TestAuthService } from '../support/auth-service';
import { payloadOf, startAuthService } from '../support/auth-service';
import { forEachDialect } from '../support/databases';

forEachDialect((dialect) => {
  describe('registry queries', () => {
    let auth: TestAuthService;
    let clock: FrozenClock;
    let userId: number;
    let otherId: number;

    const idOf = async (token: string) => (await auth.service.dataSource.manager.findOneByOrFail(Token, { jti: payloadOf(token).jti as string })).id;
    const refresh = async (token: string) => {
      const response = await auth.post('/auth/token/refresh/', { refresh: token });
      expect(response.status, response.text).to.equal(200);
      return response.body as { access: string; refresh?: string };
    };

    beforeEach(async () => {
      clock = new FrozenClock();
      auth = await startAuthService(dialect, { ROTATE_REFRESH_TOKENS: true }, { clock });
      userId = await auth.createUser({ email: 'user@test.com' });
      otherId = await auth.createUser({ email: 'other@test.com' });
    });
    afterEach(async () => auth.close());

    it('collectTree answers the whole family from any member, and nothing of another family', async () => {
      const login = await auth.login('user@test.com');
      const first = await refresh(login.refresh); // access + rotated refresh, children of the login's refresh
      clock.advance(10);
      const second = await refresh(first.refresh!); // grandchildren
      const other = await auth.login('user@test.com'); // a second login: another tree

      const family = [login.refresh, login.access, first.access, first.refresh!, second.access, second.refresh!];
      const ids = await Promise.all(family.map(idOf));
      const expected = [...ids].sort((a, b) => a - b);
      const queries = auth.service.queries;
      expect(await queries.collectTree([ids[0]])).to.deep.equal(expected); // from the root
      expect(await queries.collectTree([ids[5]])).to.deep.equal(expected); // from the newest leaf
      expect(await queries.collectTree([ids[2]])).to.deep.equal(expected); // from a middle sibling

      const otherIds = [await idOf(other.refresh), await idOf(other.access)].sort((a, b) => a - b);
      expect(await queries.collectTree([otherIds[0]])).to.deep.equal(otherIds);
      expect(await queries.collectTree([ids[4], otherIds[1]])).to.deep.equal([...expected, ...otherIds].sort((a, b) => a - b));
      expect(await queries.collectTree([])).to.deep.equal([]);
      expect(await queries.collectTree([987654])).to.deep.equal([]);
    });

    it('active() and expired() split tokens by exp, registry expiry and revocation; ofUser() keeps to one user', async () => {
      const login = await auth.login('user@test.com');
      const theirs = await auth.login('other@test.com');
      const now = () => new Date(clock.now());
      const jtisOf = (tokens: Token[]) => tokens.map((token) => token.jti).sort();
      const jti = (token: string) => payloadOf(token).jti as string;

      expect(jtisOf(await auth.service.queries.active({ userId, now: now() }))).to.deep.equal([jti(login.refresh), jti(login.access)].sort());
      expect(await auth.service.queries.expired({ userId, now: now() })).to.deep.equal([]);

      // The access token passes its exp (300 s); the other user's refresh is expired by the registry.
      clock.advance(301);
      await auth.service.registryActions.expireToken({ ...(await principal(otherId)), isStaff: false }, theirs.refresh, { affectTree: false });
      expect(jtisOf(await auth.service.queries.active({ userId, now: now() }))).to.deep.equal([jti(login.refresh)]);
      expect(jtisOf(await auth.service.queries.expired({ userId, now: now() }))).to.deep.equal([jti(login.access)]);
      expect(jtisOf(await auth.service.queries.expired({ userId: otherId, now: now() }))).to.deep.equal([jti(theirs.refresh), jti(theirs.access)].sort());
      expect(jtisOf(await auth.service.queries.active({ now: now() }))).to.deep.equal([jti(login.refresh)]);

      expect(jtisOf(await auth.service.queries.ofUser(userId))).to.deep.equal([jti(login.refresh), jti(login.access)].sort());
      expect(await auth.service.queries.ofUser(otherId, { limit: 1 })).to.have.length(1);
    });

    async function principal(id: number) {
      return { id, isActive: true, isStaff: false, isSuperuser: false, permissions: new Set<string>(), data: {} };
    }
  });
});
