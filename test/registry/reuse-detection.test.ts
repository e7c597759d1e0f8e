// Rotation with reuse detection: concurrent refreshes inside the grace window, a replay after it
// expiring the whole family, and SESSION_MAX_LIFETIME capping how long rotation keeps a login.
import { expect } from 'chai';
import { FrozenClock } from '../../src/core/clock';
import { Session, Token } from '../../src/entities';
import type { SettingsInput } from '../../src/settings';
import { createAuthService } from '../../src/services/auth-service';
import type { TestAuthService } from '../support/auth-service';
import { jsonClient, payloadOf, startAuthService, testSettings } from '../support/auth-service';
import { forEachDialect } from '../support/databases';

const REUSED = { detail: 'Refresh token was already used; the session has been ended.', code: 'token_reuse_detected' };
const EXPIRED = { detail: 'Token has been expired.', code: 'token_expired_by_registry' };
const SESSION_EXPIRED = { detail: 'Session has reached its maximum lifetime; log in again.', code: 'session_expired' };

forEachDialect((dialect) => {
  describe('rotation with reuse detection', () => {
    let auth: TestAuthService;
    let clock: FrozenClock;

    const start = async (overrides: SettingsInput = {}) => {
      clock = new FrozenClock();
      auth = await startAuthService(dialect, { ROTATE_REFRESH_TOKENS: true, BLACKLIST_AFTER_ROTATION: true, ...overrides }, { clock });
      await auth.createUser({ email: 'user@test.com' });
    };
    const refresh = (token: string) => auth.post('/auth/token/refresh/', { refresh: token });
    const rows = () => auth.service.dataSource.manager.find(Token, { order: { id: 'ASC' } });

    afterEach(async () => auth.close());

    it('answers concurrent refreshes with one token inside the grace window and keeps the family alive', async () => {
      await start();
      const login = await auth.login('user@test.com');
      const answers = await Promise.all([refresh(login.refresh), refresh(login.refresh), refresh(login.refresh)]);
      expect(answers.map((answer) => answer.status)).to.deep.equal([200, 200, 200]);
      // One rotation: every answer is the same pair, so the family has one live chain.
      expect(new Set(answers.map((answer) => answer.body.refresh)).size).to.equal(1);
      expect(new Set(answers.map((answer) => answer.body.access)).size).to.equal(1);
      expect((await refresh(answers[0].body.refresh)).status).to.equal(200);
      expect((await rows()).filter((row) => row.expiredAt !== null)).to.deep.equal([]);
      const sessions = await auth.service.dataSource.manager.find(Session);
      expect(sessions).to.have.length(1);
      expect(sessions[0].expiredAt).to.equal(null);
    });

    it('answers a replay inside the grace window with the pair the first refresh gave, byte for byte', async () => {
      await start({ ROTATION_GRACE_PERIOD: 5 });
      const login = await auth.login('user@test.com');
      const first = await refresh(login.refresh);
      expect(first.status).to.equal(200);
      const replays = [];
      for (let i = 0; i < 10; i++) {
        clock.advance(0.5);
        replays.push(await refresh(login.refresh));
      }
      for (const replay of replays) {
        expect(replay.status).to.equal(200);
        expect(replay.body).to.deep.equal(first.body);
      }
      // Nothing new was issued: the login's two tokens and the one rotation's two.
      const all = await rows();
      expect(all.map((row) => row.jti)).to.deep.equal(
        [login.refresh, login.access, first.body.access, first.body.refresh].map((token) => payloadOf(token).jti),
      );
      // The rotated-out row knows its successor by jti, iat and exp (never the token itself).
      const rotated = all[0];
      expect(rotated.successorJti).to.equal(payloadOf(first.body.refresh).jti);
      expect(rotated.successorExpiresAt?.getTime()).to.equal((payloadOf(first.body.refresh).exp as number) * 1000);
      expect(rotated.successorAccessJti).to.equal(payloadOf(first.body.access).jti);
      expect(Object.values(rotated).filter((value) => typeof value === 'string' && value.includes('.'))).to.deep.equal([]);
      // The chain goes on from the one successor, and the replayed token is still caught after the window.
      expect((await refresh(first.body.refresh)).status).to.equal(200);
      clock.advance(1);
      expect((await refresh(login.refresh)).body).to.deep.equal(REUSED);
    });

    it('refuses a replay inside the grace window once the token that replaced it was logged out or expired', async () => {
      await start({ ROTATION_GRACE_PERIOD: 5 });
      const login = await auth.login('user@test.com');
      const first = await refresh(login.refresh);
      expect((await auth.post('/auth/logout/', { refresh: first.body.refresh })).status).to.equal(200);
      clock.advance(1);
      const replay = await refresh(login.refresh);
      expect(replay.status).to.equal(401);
      // Logout ends the session, so the successor is expired with it, not only blacklisted.
      expect(replay.body).to.deep.equal(EXPIRED);

      const other = await auth.login('user@test.com');
      const rotated = await refresh(other.refresh);
      const expire = await auth.post('/auth/token/expire/', { token: rotated.body.refresh }, { Authorization: `Bearer ${rotated.body.access}` });
      expect(expire.status).to.equal(200);
      expect((await refresh(other.refresh)).body).to.deep.equal(EXPIRED);
    });

    it('still answers the first pair when the token that replaced it was rotated on inside the window', async () => {
      await start({ ROTATION_GRACE_PERIOD: 5 });
      const login = await auth.login('user@test.com');
      const first = await refresh(login.refresh);
      const second = await refresh(first.body.refresh);
      expect(second.status).to.equal(200);
      clock.advance(1);
      expect((await refresh(login.refresh)).body).to.deep.equal(first.body);
    });

    it('answers ten concurrent refreshes of one token with one pair', async () => {
      await start();
      const login = await auth.login('user@test.com');
      const answers = await Promise.all(Array.from({ length: 10 }, () => refresh(login.refresh)));
      expect(answers.map((answer) => answer.status)).to.deep.equal(Array.from({ length: 10 }, () => 200));
      expect(new Set(answers.map((answer) => answer.body.refresh)).size).to.equal(1);
      expect(new Set(answers.map((answer) => answer.body.access)).size).to.equal(1);
      expect(await rows()).to.have.length(4);
    });

    // Ten transactions at once: on MariaDB each waits for the row lock, then sees the rotation; on
    // SQLite they take turns on the one connection.
    it('answers concurrent in-process refreshes of one token with one pair', async () => {
      await start();
      const login = await auth.login('user@test.com');
      const answers = await Promise.all(Array.from({ length: 10 }, () => auth.service.issuer.refresh(login.refresh)));
      expect(new Set(answers.map((answer) => answer.refresh)).size).to.equal(1);
      expect(new Set(answers.map((answer) => answer.access)).size).to.equal(1);
      expect(await rows()).to.have.length(4);
    });

    if (dialect === 'mariadb') {
      it('answers concurrent refreshes on two services sharing one database with one pair', async () => {
        await start();
        const url = auth.service.settings.DATABASE_URL;
        const other = await createAuthService({
          settings: testSettings({ DATABASE_URL: url, ROTATE_REFRESH_TOKENS: true, BLACKLIST_AFTER_ROTATION: true }),
          clock,
        });
        const listening = await other.listen(0, '127.0.0.1');
        try {
          const second = jsonClient(listening.url);
          const login = await auth.login('user@test.com');
          const answers = await Promise.all(
            Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? refresh(login.refresh) : second.post('/auth/token/refresh/', { refresh: login.refresh }))),
          );
          expect(answers.map((answer) => answer.status)).to.deep.equal(Array.from({ length: 10 }, () => 200));
          expect(new Set(answers.map((answer) => answer.body.refresh)).size).to.equal(1);
          expect(new Set(answers.map((answer) => answer.body.access)).size).to.equal(1);
          expect(await rows()).to.have.length(4);
        } finally {
          await listening.close();
          await other.close();
        }
      });
    }

    it('expires the whole family when a rotated-out token comes back after the grace window', async () => {
      await start({ ROTATION_GRACE_PERIOD: 5 });
      const login = await auth.login('user@test.com');
      const first = await refresh(login.refresh);
      clock.advance(2);
      const second = await refresh(first.body.refresh);
      expect(second.status).to.equal(200);
      clock.advance(6); // the login's refresh was rotated out 8 s ago, the first rotation's 6 s ago

      const replay = await refresh(first.body.refresh);
      expect(replay.status).to.equal(401);
      expect(replay.body).to.deep.equal(REUSED);
      expect(replay.headers.get('www-authenticate')).to.equal('Bearer realm="api"');

      // Every token of the tree is expired in the database, and the session has ended.
      const all = await rows();
      expect(all).to.have.length(6);
      for (const row of all) expect(row.expiredAt?.getTime(), row.jti).to.equal(clock.now());
      expect((await auth.service.dataSource.manager.findOneByOrFail(Session, {})).expiredAt?.getTime()).to.equal(clock.now());

      // The legitimate holder's newest tokens are refused everywhere, with the registry's code.
      const newest = await refresh(second.body.refresh);
      expect(newest.status).to.equal(401);
      expect(newest.body).to.deep.equal(EXPIRED);
      expect((await auth.post('/auth/token/verify/', { token: second.body.access })).body).to.deep.equal(EXPIRED);
      const protectedRoute = await auth.get('/auth/user/', { Authorization: `Bearer ${second.body.access}` });
      expect(protectedRoute.status).to.equal(401);
      expect(protectedRoute.body).to.deep.equal(EXPIRED);
      // A new login is a new family, untouched.
      expect((await auth.login('user@test.com')).access).to.be.a('string');
    });

    it('announces refreshTokenReused and tokensExpired once the family is expired', async () => {
      await start({ ROTATION_GRACE_PERIOD: 5 });
      const reused: unknown[] = [];
      const expired: { reason: string; jtis: readonly string[] }[] = [];
      auth.service.events.on('refreshTokenReused', (event) => {
        reused.push({ jti: event.jti, sessionId: event.sessionId, path: event.request?.path });
      });
      auth.service.events.on('tokensExpired', (event) => {
        expired.push({ reason: event.reason, jtis: event.jtis });
      });
      const login = await auth.login('user@test.com');
      await refresh(login.refresh);
      clock.advance(10);
      expect((await refresh(login.refresh)).body).to.deep.equal(REUSED);
      expect(reused).to.deep.equal([{ jti: payloadOf(login.refresh).jti, sessionId: 1, path: '/auth/token/refresh/' }]);
      expect(expired).to.have.length(1);
      expect(expired[0].reason).to.equal('reuse');
      expect(expired[0].jtis).to.have.length(4);
    });

    it('still answers a rotated-out token exactly at the end of the grace window', async () => {
      await start({ ROTATION_GRACE_PERIOD: 5 });
      const login = await auth.login('user@test.com');
      expect((await refresh(login.refresh)).status).to.equal(200);
      clock.advance(5);
      expect((await refresh(login.refresh)).status).to.equal(200);
      clock.advance(0.001);
      expect((await refresh(login.refresh)).body).to.deep.equal(REUSED);
    });

    it('keeps simplejwt behaviour when REFRESH_TOKEN_REUSE_DETECTION is off: the reused token is only blacklisted', async () => {
      await start({ REFRESH_TOKEN_REUSE_DETECTION: false });
      const login = await auth.login('user@test.com');
      const first = await refresh(login.refresh);
      clock.advance(60);
      expect((await refresh(login.refresh)).body).to.deep.equal({ detail: 'Token is blacklisted', code: 'token_not_valid' });
      expect((await refresh(first.body.refresh)).status).to.equal(200);
    });

    it('caps refresh tokens at SESSION_MAX_LIFETIME and refuses refreshes from then on', async () => {
      await start({ SESSION_MAX_LIFETIME: '1h', REFRESH_TOKEN_LIFETIME: '1d' });
      const login = await auth.login('user@test.com');
      const loginSecond = Math.floor(clock.now() / 1000);
      clock.advance(3400);
      const late = await refresh(login.refresh);
      expect(late.status).to.equal(200);
      // The rotated refresh token and the access token end with the session, not a day later.
      expect(payloadOf(late.body.refresh).exp).to.equal(loginSecond + 3600);
      expect(payloadOf(late.body.access).exp).to.equal(loginSecond + 3600);
      clock.advance(200);
      // The token itself is past its capped exp now; one issued without the cap would not be.
      expect((await refresh(late.body.refresh)).body).to.deep.equal({ detail: 'Token is invalid or expired', code: 'token_not_valid' });
      const session = await auth.service.dataSource.manager.findOneByOrFail(Session, {});
      expect(session.endsAt?.getTime()).to.equal((loginSecond + 3600) * 1000);
    });

    it('refuses a refresh with session_expired once the login is older than SESSION_MAX_LIFETIME, even within LEEWAY', async () => {
      // The login's own refresh token ends with the session; LEEWAY keeps it verifying a little
      // longer, and the session's end refuses it then.
      await start({ SESSION_MAX_LIFETIME: '1h', LEEWAY: 60, ROTATE_REFRESH_TOKENS: false, BLACKLIST_AFTER_ROTATION: false });
      const login = await auth.login('user@test.com');
      clock.advance(3599);
      expect((await refresh(login.refresh)).status).to.equal(200);
      clock.advance(1);
      const refused = await refresh(login.refresh);
      expect(refused.status).to.equal(401);
      expect(refused.body).to.deep.equal(SESSION_EXPIRED);
    });
  });
});
