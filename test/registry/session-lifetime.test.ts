// SESSION_MAX_LIFETIME caps a login as a whole: the pair the login itself answers ends with the
// session, like every token refreshed from it, so no token outlives the cap anywhere.
import { expect } from 'chai';
import { FrozenClock } from '../../src/core/clock';
import { Session } from '../../src/entities';
import type { SettingsInput } from '../../src/settings';
import type { TestAuthService } from '../support/auth-service';
import { payloadOf, startAuthService } from '../support/auth-service';
import { forEachDialect } from '../support/databases';

const INVALID = { detail: 'Token is invalid or expired', code: 'token_not_valid' };
const NOT_VALID_FOR_ANY = {
  detail: 'Given token not valid for any token type',
  code: 'token_not_valid',
  messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token is invalid or expired' }],
};

forEachDialect((dialect) => {
  describe('SESSION_MAX_LIFETIME on the login pair', () => {
    let auth: TestAuthService;
    let clock: FrozenClock;

    const start = async (overrides: SettingsInput = {}) => {
      // Half a second into a second, so the cap's rounding down to whole seconds shows.
      clock = new FrozenClock(Date.UTC(2026, 10, 22, 12, 0, 0, 500));
      auth = await startAuthService(dialect, { SESSION_MAX_LIFETIME: 20, ACCESS_TOKEN_LIFETIME: '5m', ...overrides }, { clock });
      await auth.createUser({ email: 'user@test.com' });
    };
    const bearer = (access: string) => ({ Authorization: `Bearer ${access}` });

    afterEach(async () => auth.close());

    for (const rotation of [false, true]) {
      it(`ends the login's access and refresh tokens with the session${rotation ? ', under rotation' : ''}`, async () => {
        await start({ ROTATE_REFRESH_TOKENS: rotation, BLACKLIST_AFTER_ROTATION: rotation });
        const sessionStart = clock.now();
        const login = await auth.login('user@test.com');
        const end = Math.floor((sessionStart + 20_000) / 1000);
        expect(payloadOf(login.access).exp).to.equal(end);
        expect(payloadOf(login.refresh).exp).to.equal(end);
        const session = await auth.service.dataSource.manager.findOneByOrFail(Session, {});
        expect(Math.floor(session.endsAt!.getTime() / 1000)).to.equal(end);

        clock.advance(19);
        expect((await auth.get('/auth/user/', bearer(login.access))).status).to.equal(200);
        expect((await auth.post('/auth/token/verify/', { token: login.access })).status).to.equal(200);

        clock.advance(3); // 22 s after the login
        const user = await auth.get('/auth/user/', bearer(login.access));
        expect(user.status).to.equal(401);
        expect(user.body).to.deep.equal(NOT_VALID_FOR_ANY);
        for (const token of [login.access, login.refresh]) {
          const verify = await auth.post('/auth/token/verify/', { token });
          expect(verify.status).to.equal(401);
          expect(verify.body).to.deep.equal(INVALID);
        }
        const refreshed = await auth.post('/auth/token/refresh/', { refresh: login.refresh });
        expect(refreshed.status).to.equal(401);
        expect(refreshed.body).to.deep.equal(INVALID);
      });
    }

    it('leaves tokens shorter than the cap as they are', async () => {
      await start({ SESSION_MAX_LIFETIME: '1d', ACCESS_TOKEN_LIFETIME: 60, REFRESH_TOKEN_LIFETIME: 3600 });
      const login = await auth.login('user@test.com');
      const now = Math.floor(clock.now() / 1000);
      expect(payloadOf(login.access).exp).to.equal(now + 60);
      expect(payloadOf(login.refresh).exp).to.equal(now + 3600);
    });

    it('caps the login pair with the registry off too', async () => {
      await start({ REGISTRY_ENABLED: false });
      const login = await auth.login('user@test.com');
      const end = Math.floor((clock.now() + 20_000) / 1000);
      expect([payloadOf(login.access).exp, payloadOf(login.refresh).exp]).to.deep.equal([end, end]);
      clock.advance(22);
      expect((await auth.get('/auth/user/', bearer(login.access))).status).to.equal(401);
    });
  });
});
