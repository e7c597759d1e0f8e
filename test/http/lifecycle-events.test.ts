// The auth-service's lifecycle events over real requests: what each carries (ids and request
// context), that failed logins are masked, and that no token or password ever appears.
import { expect } from 'chai';
import type { AuthServiceEvents } from '../../src/events';
import { maskLogin } from '../../src/events';
import type { TestAuthService } from '../support/auth-service';
import { startAuthService } from '../support/auth-service';
import { CookieJar } from '../support/cookie-jar';
import { forEachDialect } from '../support/databases';

type Seen = { name: keyof AuthServiceEvents; event: Record<string, unknown> };

/** Subscribes to every event of `auth` and keeps them in order. */
function record(auth: TestAuthService): Seen[] {
  const seen: Seen[] = [];
  const names: (keyof AuthServiceEvents)[] = ['loginSucceeded', 'loginFailed', 'tokenRefreshed', 'tokenBlacklisted', 'loggedOut', 'csrfRejected'];
  for (const name of names) auth.service.events.on(name, (event) => void seen.push({ name, event: event as Record<string, unknown> }));
  return seen;
}

describe('maskLogin', () => {
  it('keeps the first character and the email domain only', () => {
    expect(maskLogin('user@test.com')).to.equal('u***@test.com');
    expect(maskLogin('correct horse battery')).to.equal('c***');
    expect(maskLogin('@x.io')).to.equal('@***');
    expect(maskLogin('')).to.equal('***');
  });
});

forEachDialect((dialect) => {
  describe('auth-service lifecycle events', function () {
    this.timeout(30000);
    let auth: TestAuthService;
    let userId: number;
    let seen: Seen[];
    before(async () => {
      auth = await startAuthService(dialect, { ROTATE_REFRESH_TOKENS: true, BLACKLIST_AFTER_ROTATION: true });
      userId = await auth.createUser({ email: 'user@test.com' });
      seen = record(auth);
    });
    after(() => auth.close());
    beforeEach(() => seen.splice(0));

    it('announces a login with the user id and the request context', async () => {
      await auth.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' }, { 'User-Agent': 'events-test/1' });
      expect(seen.map((s) => s.name)).to.deep.equal(['loginSucceeded']);
      expect(seen[0].event).to.deep.equal({
        userId,
        request: { ip: '127.0.0.1', userAgent: 'events-test/1', method: 'POST', path: '/auth/token/' },
      });
    });

    it('announces a failed login with the login masked and neither it nor the password whole', async () => {
      await auth.post('/auth/token/', { email: 'user@test.com', password: 'Wrong-Secret-42' });
      await auth.post('/auth/token/', { email: 'Typed-My-Password-Here', password: 'x' });
      expect(seen.map((s) => [s.name, s.event.login, s.event.status])).to.deep.equal([
        ['loginFailed', 'u***@test.com', 401],
        ['loginFailed', 'T***', 401],
      ]);
      const text = JSON.stringify(seen);
      for (const secret of ['Wrong-Secret-42', 'user@test.com', 'Typed-My-Password-Here']) expect(text).to.not.contain(secret);
    });

    it('announces a refresh, and the blacklisting of the rotated-out token, without any token in them', async () => {
      const { refresh } = await auth.login('user@test.com');
      seen.splice(0);
      const refreshed = await auth.post('/auth/token/refresh/', { refresh });
      expect(seen.map((s) => s.name)).to.deep.equal(['tokenBlacklisted', 'tokenRefreshed']);
      expect(seen[0].event).to.include({ userId, via: 'rotation' });
      expect(seen[0].event.jti).to.match(/^[0-9a-f]{32}$/);
      expect(seen[1].event).to.include({ userId, rotated: true });
      const text = JSON.stringify(seen);
      for (const token of [refresh, refreshed.body.access, refreshed.body.refresh]) expect(text).to.not.contain(token);
    });

    it('announces the blacklist endpoint and a logout', async () => {
      const first = await auth.login('user@test.com');
      const second = await auth.login('user@test.com');
      seen.splice(0);
      await auth.post('/auth/token/blacklist/', { refresh: first.refresh });
      await auth.post('/auth/logout/', { refresh: second.refresh });
      await auth.post('/auth/logout/', { refresh: second.refresh });
      expect(seen.map((s) => [s.name, s.event.via ?? s.event.blacklisted])).to.deep.equal([
        ['tokenBlacklisted', 'blacklist'],
        ['tokenBlacklisted', 'logout'],
        ['loggedOut', true],
        ['loggedOut', false],
      ]);
      expect(seen[2].event).to.include({ userId });
    });

    it('announces CSRF refusals with their code and the origin named', async () => {
      const cookies = await startAuthService(dialect, { DELIVERY_MODE: 'one-cookie' });
      const refusals: Record<string, unknown>[] = [];
      cookies.service.events.on('csrfRejected', (event) => void refusals.push(event as unknown as Record<string, unknown>));
      try {
        await cookies.createUser({ email: 'user@test.com' });
        const jar = new CookieJar(cookies.url);
        await jar.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' }, { Origin: 'https://evil.example' });
        await jar.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' });
        await jar.post('/auth/token/refresh/', {});
        expect(refusals.map((r) => [r.code, r.origin])).to.deep.equal([
          ['origin_not_allowed', 'https://evil.example'],
          ['csrf_missing', null],
        ]);
        expect(refusals[1].request).to.include({ path: '/auth/token/refresh/', method: 'POST' });
      } finally {
        await cookies.close();
      }
    });
  });
});
