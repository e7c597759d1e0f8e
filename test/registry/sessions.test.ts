// The sessions API: GET /auth/sessions/, DELETE /auth/sessions/{id}/, POST /auth/logout-all/,
// with device capture from User-Agent and X-Forwarded-For (NUM_PROXIES).
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { FrozenClock } from '../../src/core/clock';
import { Device, Session, Token, User } from '../../src/entities';
import type { SettingsInput } from '../../src/settings';
import type { TestAuthService } from '../support/auth-service';
import { startAuthService, TEST_KEY } from '../support/auth-service';
import { forEachDialect } from '../support/databases';

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const DESKTOP = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const EXPIRED = { detail: 'Token has been expired.', code: 'token_expired_by_registry' };

forEachDialect((dialect) => {
  describe('the sessions API', () => {
    let auth: TestAuthService;
    let clock: FrozenClock;
    let userId: number;
    let otherId: number;

    const start = async (overrides: SettingsInput = {}) => {
      clock = new FrozenClock();
      auth = await startAuthService(dialect, { NUM_PROXIES: 1, ...overrides }, { clock });
      userId = await auth.createUser({ email: 'user@test.com' });
      otherId = await auth.createUser({ email: 'other@test.com' });
      await auth.createUser({ email: 'staff@test.com', isStaff: true });
    };
    const loginFrom = async (email: string, userAgent: string, forwardedFor: string) => {
      const response = await auth.post('/auth/token/', { email, password: 'user-pass' }, { 'User-Agent': userAgent, 'X-Forwarded-For': forwardedFor });
      expect(response.status, response.text).to.equal(200);
      return response.body as { refresh: string; access: string };
    };
    const bearer = (access: string) => ({ Authorization: `Bearer ${access}` });
    const call = (method: string, path: string, access: string) =>
      fetch(auth.url + path, { method, headers: bearer(access) }).then(async (response) => ({ status: response.status, body: await response.json() }));

    afterEach(async () => auth.close());

    describe('with NUM_PROXIES=1', () => {
      beforeEach(async () => start());

      it('lists active sessions with device, client address, created and last used, marking the current one', async () => {
        const phone = await loginFrom('user@test.com', IPHONE, '203.0.113.9, 198.51.100.7');
        clock.advance(60);
        const desk = await loginFrom('user@test.com', DESKTOP, '192.0.2.44');
        await loginFrom('other@test.com', DESKTOP, '192.0.2.99');
        clock.advance(30);
        expect(
          (await auth.post('/auth/token/refresh/', { refresh: phone.refresh }, { 'User-Agent': IPHONE, 'X-Forwarded-For': '198.51.100.8' })).status,
        ).to.equal(200);

        const response = await auth.get('/auth/sessions/', bearer(desk.access));
        expect(response.status).to.equal(200);
        expect(response.headers.get('content-type')).to.equal('application/json');
        const start = Date.UTC(2026, 10, 22, 12, 0, 0);
        expect(response.body).to.deep.equal([
          {
            id: response.body[0].id,
            created_at: new Date(start).toISOString(),
            last_used_at: new Date(start + 90_000).toISOString(),
            expires_at: new Date(start + 86_400_000).toISOString(),
            // The rightmost X-Forwarded-For entry: the one the single trusted proxy added.
            ip: '198.51.100.7',
            device: { browser: 'Safari 17.0', os: 'iOS 17.0', device_type: 'mobile', user_agent: IPHONE },
            current: false,
          },
          {
            id: response.body[1].id,
            created_at: new Date(start + 60_000).toISOString(),
            last_used_at: new Date(start + 60_000).toISOString(),
            expires_at: new Date(start + 60_000 + 86_400_000).toISOString(),
            ip: '192.0.2.44',
            device: { browser: 'Chrome 131.0.0.0', os: 'Windows NT 10.0', device_type: 'desktop', user_agent: DESKTOP },
            current: true,
          },
        ]);
        // The refresh from the phone marked its device seen again, from its new address.
        const device = await auth.service.dataSource.manager.findOneByOrFail(Device, { userId, browser: 'Safari 17.0' });
        expect(device.ip).to.equal('198.51.100.8');
        expect(device.firstSeenAt.getTime()).to.equal(start);
        expect(device.lastSeenAt.getTime()).to.equal(start + 90_000);
        expect(await auth.service.dataSource.manager.countBy(Device, { userId })).to.equal(2);
      });

      it('ends one session: its tokens are refused at refresh, verify and protected routes; the others go on', async () => {
        const phone = await loginFrom('user@test.com', IPHONE, '203.0.113.9');
        const desk = await loginFrom('user@test.com', DESKTOP, '192.0.2.44');
        const [phoneSession] = (await auth.get('/auth/sessions/', bearer(phone.access))).body.filter((s: { current: boolean }) => s.current);

        const ended = await call('DELETE', `/auth/sessions/${phoneSession.id}/`, desk.access);
        expect(ended).to.deep.equal({ status: 200, body: {} });
        expect((await auth.post('/auth/token/refresh/', { refresh: phone.refresh })).body).to.deep.equal(EXPIRED);
        expect((await auth.post('/auth/token/verify/', { token: phone.access })).body).to.deep.equal(EXPIRED);
        const refused = await auth.get('/auth/user/', bearer(phone.access));
        expect(refused.status).to.equal(401);
        expect(refused.body).to.deep.equal(EXPIRED);
        expect((await auth.get('/auth/user/', bearer(desk.access))).status).to.equal(200);
        const left = (await auth.get('/auth/sessions/', bearer(desk.access))).body;
        expect(left.map((s: { id: number }) => s.id)).to.not.include(phoneSession.id);
        expect(left).to.have.length(1);
        const rows = await auth.service.dataSource.manager.findBy(Token, { sessionId: phoneSession.id });
        expect(rows.every((row) => row.expiredAt !== null)).to.equal(true);
      });

      it("answers 404 for someone else's session and an unknown or malformed id; staff may end any", async () => {
        const mine = await loginFrom('user@test.com', DESKTOP, '192.0.2.1');
        const theirs = await loginFrom('other@test.com', DESKTOP, '192.0.2.2');
        const staff = await loginFrom('staff@test.com', DESKTOP, '192.0.2.3');
        const [theirSession] = (await auth.get('/auth/sessions/', bearer(theirs.access))).body;
        expect(await call('DELETE', `/auth/sessions/${theirSession.id}/`, mine.access)).to.deep.equal({ status: 404, body: { detail: 'Not found.' } });
        expect(await call('DELETE', '/auth/sessions/999999/', mine.access)).to.deep.equal({ status: 404, body: { detail: 'Not found.' } });
        expect(await call('DELETE', '/auth/sessions/abc/', mine.access)).to.deep.equal({ status: 404, body: { detail: 'Not found.' } });
        expect((await auth.get('/auth/user/', bearer(theirs.access))).status).to.equal(200);

        expect((await auth.get(`/auth/sessions/?user=${otherId}`, bearer(staff.access))).body).to.have.length(1);
        expect(await call('DELETE', `/auth/sessions/${theirSession.id}/`, staff.access)).to.deep.equal({ status: 200, body: {} });
        expect((await auth.get('/auth/user/', bearer(theirs.access))).body).to.deep.equal(EXPIRED);
      });

      it("refuses a superuser's sessions and tokens to staff who are not superusers, and lets a superuser act on them", async () => {
        const FORBIDDEN = { status: 403, body: { detail: 'You do not have permission to perform this action.' } };
        const rootId = await auth.createUser({ email: 'root@test.com', isStaff: true, isSuperuser: true });
        await auth.createUser({ email: 'root2@test.com', isStaff: true, isSuperuser: true });
        const root = await loginFrom('root@test.com', DESKTOP, '192.0.2.10');
        const staff = await loginFrom('staff@test.com', DESKTOP, '192.0.2.3');
        const [rootSession] = (await auth.get('/auth/sessions/', bearer(root.access))).body;

        const listed = await auth.get(`/auth/sessions/?user=${rootId}`, bearer(staff.access));
        expect({ status: listed.status, body: listed.body }).to.deep.equal(FORBIDDEN);
        expect(await call('DELETE', `/auth/sessions/${rootSession.id}/`, staff.access)).to.deep.equal(FORBIDDEN);
        const everywhere = await auth.post(`/auth/logout-all/?user=${rootId}`, {}, bearer(staff.access));
        expect({ status: everywhere.status, body: everywhere.body }).to.deep.equal(FORBIDDEN);
        const expired = await auth.post('/auth/token/expire/', { token: root.refresh }, bearer(staff.access));
        expect({ status: expired.status, body: expired.body }).to.deep.equal(FORBIDDEN);
        expect((await auth.get('/auth/user/', bearer(root.access))).status, 'the superuser is still logged in').to.equal(200);
        // Staff still act on other staff and plain users; reading a superuser's profile stays allowed.
        expect((await auth.get(`/auth/sessions/?user=${otherId}`, bearer(staff.access))).status).to.equal(200);
        expect((await auth.get(`/auth/users/${rootId}/`, bearer(staff.access))).status).to.equal(200);

        const other = await loginFrom('root2@test.com', DESKTOP, '192.0.2.11');
        expect((await auth.get(`/auth/sessions/?user=${rootId}`, bearer(other.access))).body).to.have.length(1);
        expect(await call('DELETE', `/auth/sessions/${rootSession.id}/`, other.access)).to.deep.equal({ status: 200, body: {} });
        expect((await auth.get('/auth/user/', bearer(root.access))).body).to.deep.equal(EXPIRED);
      });

      it("refuses another user's sessions to non-staff, a malformed ?user, and requests without a token", async () => {
        const mine = await loginFrom('user@test.com', DESKTOP, '192.0.2.1');
        const forbidden = await auth.get(`/auth/sessions/?user=${otherId}`, bearer(mine.access));
        expect(forbidden.status).to.equal(403);
        expect(forbidden.body).to.deep.equal({ detail: 'You do not have permission to perform this action.' });
        const bad = await auth.get('/auth/sessions/?user=x1', bearer(mine.access));
        expect(bad.status).to.equal(400);
        expect(bad.body).to.deep.equal({ user: ['A valid integer is required.'] });
        const anonymous = await auth.get('/auth/sessions/');
        expect(anonymous.status).to.equal(401);
        expect(anonymous.body).to.deep.equal({ detail: 'Authentication credentials were not provided.' });
        const post = await auth.post(`/auth/logout-all/?user=${otherId}`, {}, bearer(mine.access));
        expect(post.status).to.equal(403);
      });

      it('logs out everywhere: every earlier token is refused, with one comparison on the user per request; a new login works', async () => {
        const phone = await loginFrom('user@test.com', IPHONE, '203.0.113.9');
        const desk = await loginFrom('user@test.com', DESKTOP, '192.0.2.44');
        const theirs = await loginFrom('other@test.com', DESKTOP, '192.0.2.45');
        clock.advance(1);

        const announced: unknown[] = [];
        auth.service.events.on('loggedOutEverywhere', ({ userId: who, byUserId, sessions }) => {
          announced.push({ who, byUserId, sessions });
        });
        const response = await auth.post('/auth/logout-all/', {}, bearer(desk.access));
        expect(response.status).to.equal(200);
        expect(response.body).to.deep.equal({});
        expect(announced).to.deep.equal([{ who: userId, byUserId: userId, sessions: 2 }]);
        const user = await auth.service.dataSource.manager.findOneByOrFail(User, { id: userId });
        expect(user.tokensValidAfter?.getTime()).to.equal(clock.now());

        for (const pair of [phone, desk]) {
          expect((await auth.get('/auth/user/', bearer(pair.access))).body).to.deep.equal(EXPIRED);
          expect((await auth.post('/auth/token/refresh/', { refresh: pair.refresh })).body).to.deep.equal(EXPIRED);
          expect((await auth.post('/auth/token/verify/', { token: pair.access })).body).to.deep.equal(EXPIRED);
        }
        const sessions = await auth.service.dataSource.manager.findBy(Session, { userId });
        expect(sessions.map((session) => session.expiredAt?.getTime())).to.deep.equal([clock.now(), clock.now()]);
        expect((await auth.get('/auth/user/', bearer(theirs.access))).status).to.equal(200);

        // A later login is a new session, untouched (one in the same second would wait that
        // second out first, as after a password change; the frozen clock is moved instead).
        clock.advance(1);
        const fresh = await auth.login('user@test.com');
        expect((await auth.get('/auth/user/', bearer(fresh.access))).status).to.equal(200);
        expect((await auth.get('/auth/sessions/', bearer(fresh.access))).body).to.have.length(1);
      });

      it('after logout-all refuses any older token of the user without a database query', async () => {
        const desk = await loginFrom('user@test.com', DESKTOP, '192.0.2.44');
        // A token the registry never saw (issued elsewhere with the same key): no jti row, no cache entry.
        const iat = Math.floor(clock.now() / 1000);
        const foreign = jwt.sign({ token_type: 'access', exp: iat + 300, iat, jti: 'f'.repeat(32), user_id: userId }, TEST_KEY);
        clock.advance(1);
        expect((await auth.post('/auth/logout-all/', {}, bearer(desk.access))).status).to.equal(200);
        expect((await auth.get('/auth/user/', bearer(desk.access))).body).to.deep.equal(EXPIRED); // loads the user once

        const queries: string[] = [];
        const dataSource = auth.service.dataSource as unknown as { logger: { logQuery: (query: string) => void } };
        const original = dataSource.logger;
        dataSource.logger = new Proxy(original, {
          get: (target, name) => (name === 'logQuery' ? (query: string) => queries.push(query) : Reflect.get(target, name)),
        });
        try {
          for (let i = 0; i < 3; i++) {
            const refused = await auth.get('/auth/user/', bearer(foreign));
            expect(refused.status).to.equal(401);
            expect(refused.body).to.deep.equal(EXPIRED);
          }
        } finally {
          dataSource.logger = original;
        }
        expect(queries).to.deep.equal([]);
      });

      it('lets staff log out any user with ?user=', async () => {
        const theirs = await loginFrom('other@test.com', DESKTOP, '192.0.2.45');
        const staff = await loginFrom('staff@test.com', DESKTOP, '192.0.2.3');
        clock.advance(1);
        expect((await auth.post(`/auth/logout-all/?user=${otherId}`, {}, bearer(staff.access))).status).to.equal(200);
        expect((await auth.get('/auth/user/', bearer(theirs.access))).body).to.deep.equal(EXPIRED);
        expect((await auth.get('/auth/user/', bearer(staff.access))).status).to.equal(200);
        expect((await auth.post('/auth/logout-all/?user=999999', {}, bearer(staff.access))).status).to.equal(404);
      });
    });

    describe('with NUM_PROXIES=0 (the default)', () => {
      beforeEach(async () => start({ NUM_PROXIES: 0 }));

      it('ignores X-Forwarded-For and records the socket address', async () => {
        const pair = await loginFrom('user@test.com', DESKTOP, '203.0.113.9');
        const [session] = (await auth.get('/auth/sessions/', bearer(pair.access))).body;
        expect(session.ip).to.match(/^(::ffff:)?127\.0\.0\.1$/);
      });

      it('records a device with no User-Agent as an unknown one', async () => {
        const response = await fetch(`${auth.url}/auth/token/`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'User-Agent': '' },
          body: JSON.stringify({ email: 'user@test.com', password: 'user-pass' }),
        });
        const pair = await response.json();
        const [session] = (await auth.get('/auth/sessions/', bearer(pair.access))).body;
        expect(session.device).to.deep.equal({ browser: '', os: '', device_type: '', user_agent: '' });
      });
    });
  });
});
