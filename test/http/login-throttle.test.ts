// Login throttling: failed logins and password changes counted per account and per client address,
// in memory or in Redis shared by every instance; past the limit a 429 in DRF's words with
// Retry-After, for the right password too, without a password hash spent; a success clears the
// account's count; the client-service's login proxy counts on its own side too.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { Redis } from 'ioredis';
import type { TokenLifecycleEvents } from '../../src/events';
import type { SettingsInput } from '../../src/settings';
import type { TestAuthService, TestResponse } from '../support/auth-service';
import { startAuthService, TEST_KEY } from '../support/auth-service';
import type { TestClientService } from '../support/client-service';
import { deadPort, startClientService } from '../support/client-service';
import { connectOrSkip, REDIS_URL } from '../support/redis';

const EMAIL = 'user@test.com';
const NO_ACCOUNT = { detail: 'No active account found with the given credentials' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** DRF's Throttled body for a wait of `seconds`. */
const throttled = (seconds: number) => ({
  detail: `Request was throttled. Expected available in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`,
  code: 'throttled',
});

/** Counts every scrypt run of a service's hasher: checks and the dummy checks of unknown logins. */
function countHashes(auth: TestAuthService): () => number {
  let count = 0;
  const hasher = auth.service.hasher;
  const check = hasher.check.bind(hasher);
  const spend = hasher.spendAsMuchAsACheck.bind(hasher);
  hasher.check = (...args) => (count++, check(...args));
  hasher.spendAsMuchAsACheck = (...args) => (count++, spend(...args));
  return () => count;
}

/** A pino logger that keeps each line's level and message. */
function memoryLogger() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) });
  return { logger, lines };
}

const login = (
  service: { post(path: string, body: unknown, headers?: Record<string, string>): Promise<TestResponse> },
  password: string,
  headers = {},
  email = EMAIL,
) => service.post('/auth/token/', { email, password }, headers);

function expectThrottled(response: TestResponse, maxSeconds: number): number {
  expect(response.status, response.text).to.equal(429);
  const wait = Number(response.headers.get('retry-after'));
  expect(wait).to.be.within(1, maxSeconds);
  expect(Number.isInteger(wait)).to.equal(true);
  expect(response.body).to.deep.equal(throttled(wait));
  return wait;
}

describe('login throttling', () => {
  const started: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const service of started.splice(0).reverse()) await service.close();
  });

  async function auth(settings: SettingsInput = {}, extra: Parameters<typeof startAuthService>[2] = {}): Promise<TestAuthService> {
    const service = await startAuthService('sqlite', { LOGIN_THROTTLE_PER_ACCOUNT: '3/60s', LOGIN_THROTTLE_PER_IP: 'off', ...settings }, extra);
    started.push(service);
    await service.createUser({ email: EMAIL });
    return service;
  }

  describe('with the default settings', () => {
    // What was measured from outside: 300 wrong passwords in a row, all 401, then the right one 200.
    const guesses = async (send: (password: string) => Promise<TestResponse>) => {
      const statuses = new Map<number, number>();
      for (let i = 0; i < 300; i++) {
        const { status } = await send(`wrong-pass-${i}`);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
      return Object.fromEntries(statuses);
    };

    it('refuses the right password after 300 wrong ones at /auth/token/', async () => {
      const service = await startAuthService('sqlite');
      started.push(service);
      await service.createUser({ email: EMAIL });
      expect(await guesses((password) => login(service, password))).to.deep.equal({ 401: 10, 429: 290 });
      expectThrottled(await login(service, 'user-pass'), 900);
    });

    it('refuses the right password after 300 wrong ones at /auth/password-change/', async () => {
      const service = await startAuthService('sqlite');
      started.push(service);
      await service.createUser({ email: EMAIL });
      const change = (password: string) => service.post('/auth/password-change/', { email: EMAIL, password, new_password: 'a-brand-new-pass' });
      // A wrong current password is answered 400, as easyjwt does, and still counted as a failure.
      expect(await guesses(change)).to.deep.equal({ 400: 10, 429: 290 });
      expectThrottled(await change('user-pass'), 900);
    });

    it("refuses the right password after 300 wrong ones through a client-service's login proxy", async () => {
      const upstream = await startAuthService('sqlite');
      started.push(upstream);
      await upstream.createUser({ email: EMAIL });
      const proxy = await startClientService('sqlite', { REMOTE_AUTH_SERVICE_URL: upstream.url, SIGNING_KEY: TEST_KEY });
      started.push(proxy);
      expect(await guesses((password) => login(proxy, password))).to.deep.equal({ 401: 10, 429: 290 });
      expectThrottled(await login(proxy, 'user-pass'), 900);
    });
  });

  describe('per account, in memory', () => {
    it('refuses every attempt past the limit with 429 and Retry-After, the right password too, without a hash', async () => {
      const service = await auth();
      const hashes = countHashes(service);
      const events: TokenLifecycleEvents['loginThrottled'][] = [];
      service.service.events.on('loginThrottled', (event) => void events.push(event));
      for (let i = 0; i < 3; i++) {
        const response = await login(service, 'wrong-pass');
        expect(response.status).to.equal(401);
        expect(response.body).to.deep.equal(NO_ACCOUNT);
      }
      expect(hashes()).to.equal(3);
      expectThrottled(await login(service, 'wrong-pass'), 60);
      // The right password, in another spelling of the same login: refused the same way.
      expectThrottled(await login(service, 'user-pass', {}, '  USER@Test.com '), 60);
      for (let i = 0; i < 20; i++) expect((await login(service, 'user-pass')).status).to.equal(429);
      expect(hashes(), 'a throttled attempt costs no hash').to.equal(3);
      expect(events).to.have.length(22);
      expect(events[0]).to.include({ login: 'u***@test.com', limit: 'account' });
      expect(events[0].request?.path).to.equal('/auth/token/');
      expect(JSON.stringify(events)).not.to.contain('user-pass');
    });

    it('lets the right password in once the window has passed', async () => {
      const service = await auth({ LOGIN_THROTTLE_PER_ACCOUNT: '2/2s' });
      await login(service, 'wrong-pass');
      await login(service, 'wrong-pass');
      const wait = expectThrottled(await login(service, 'user-pass'), 2);
      await sleep(wait * 1000 + 100);
      expect((await login(service, 'user-pass')).status).to.equal(200);
    });

    it('clears the account count on a success', async () => {
      const service = await auth();
      for (let i = 0; i < 2; i++) expect((await login(service, 'wrong-pass')).status).to.equal(401);
      expect((await login(service, 'user-pass')).status).to.equal(200);
      for (let i = 0; i < 3; i++) expect((await login(service, 'wrong-pass')).status).to.equal(401);
      expect((await login(service, 'wrong-pass')).status).to.equal(429);
    });

    it('counts guesses sent all at once', async () => {
      const service = await auth();
      const answers = await Promise.all(Array.from({ length: 30 }, () => login(service, 'wrong-pass')));
      expect(answers.filter((response) => response.status === 401)).to.have.length(3);
      expect(answers.filter((response) => response.status === 429)).to.have.length(27);
    });

    it('counts password changes with logins, and throttles them the same way', async () => {
      const service = await auth();
      const hashes = countHashes(service);
      const change = (password: string) => service.post('/auth/password-change/', { email: EMAIL, password, new_password: 'a-brand-new-pass' });
      expect((await change('wrong-pass')).status).to.equal(400);
      expect((await login(service, 'wrong-pass')).status).to.equal(401);
      expect((await change('wrong-pass')).status).to.equal(400);
      expectThrottled(await change('user-pass'), 60);
      expectThrottled(await login(service, 'user-pass'), 60);
      expect(hashes()).to.equal(3);
    });

    it('does not count a refused new password as a failed guess', async () => {
      const service = await auth({ LOGIN_THROTTLE_PER_ACCOUNT: '1/60s' });
      const weak = await service.post('/auth/password-change/', { email: EMAIL, password: 'user-pass', new_password: 'x' });
      expect(weak.status).to.equal(400);
      expect((await login(service, 'wrong-pass')).status).to.equal(401);
      expect((await login(service, 'user-pass')).status).to.equal(429);
    });

    it('throttles nothing when both limits are off', async () => {
      const service = await auth({ LOGIN_THROTTLE_PER_ACCOUNT: 'off', LOGIN_THROTTLE_PER_IP: null });
      for (let i = 0; i < 30; i++) expect((await login(service, 'wrong-pass')).status).to.equal(401);
      expect((await login(service, 'user-pass')).status).to.equal(200);
    });
  });

  describe('per client address', () => {
    const from = (ip: string) => ({ 'X-Forwarded-For': ip });

    it('counts failures from one address across accounts, as NUM_PROXIES picks the address', async () => {
      const service = await auth({ LOGIN_THROTTLE_PER_ACCOUNT: 'off', LOGIN_THROTTLE_PER_IP: '4/60s', NUM_PROXIES: 1 });
      await service.createUser({ email: 'other@test.com' });
      const events: TokenLifecycleEvents['loginThrottled'][] = [];
      service.service.events.on('loginThrottled', (event) => void events.push(event));
      for (let i = 0; i < 4; i++) {
        // Successes from the same address are not counted: many users behind one NAT.
        expect((await login(service, 'user-pass', from('203.0.113.5'), 'other@test.com')).status).to.equal(200);
        expect((await login(service, 'wrong-pass', from('203.0.113.5'), `nobody${i}@test.com`)).status).to.equal(401);
      }
      expectThrottled(await login(service, 'user-pass', from('203.0.113.5')), 60);
      expect(events[0]).to.include({ limit: 'ip' });
      expect(events[0].request?.ip).to.equal('203.0.113.5');
      // Another address is not held back; nor is the account.
      expect((await login(service, 'user-pass', from('203.0.113.6'))).status).to.equal(200);
    });
  });

  describe('through a client-service', () => {
    async function client(upstream: TestAuthService, settings: Record<string, unknown> = {}): Promise<TestClientService> {
      const service = await startClientService('sqlite', {
        REMOTE_AUTH_SERVICE_URL: upstream.url,
        SIGNING_KEY: TEST_KEY,
        LOGIN_THROTTLE_PER_ACCOUNT: '3/60s',
        LOGIN_THROTTLE_PER_IP: 'off',
        ...settings,
      });
      started.push(service);
      return service;
    }

    it('throttles at the client-service itself, before the auth-service is asked', async () => {
      const upstream = await auth({ LOGIN_THROTTLE_PER_ACCOUNT: 'off' });
      const proxy = await client(upstream);
      const events: TokenLifecycleEvents['loginThrottled'][] = [];
      proxy.service.events.on('loginThrottled', (event) => void events.push(event));
      for (let i = 0; i < 3; i++) expect((await login(proxy, 'wrong-pass')).status).to.equal(401);
      const calls = proxy.service.upstream.calls.get('/auth/token/');
      expectThrottled(await login(proxy, 'user-pass'), 60);
      expect(proxy.service.upstream.calls.get('/auth/token/')).to.equal(calls);
      expect(events[0]).to.include({ login: 'u***@test.com', limit: 'account' });
      // The auth-service itself still lets the user in: the count was the client-service's.
      expect((await login(upstream, 'user-pass')).status).to.equal(200);
    });

    it('clears its count on a success and throttles password changes it relays', async () => {
      const upstream = await auth({ LOGIN_THROTTLE_PER_ACCOUNT: 'off' });
      const proxy = await client(upstream);
      for (let i = 0; i < 2; i++) expect((await login(proxy, 'wrong-pass')).status).to.equal(401);
      expect((await login(proxy, 'user-pass')).status).to.equal(200);
      const change = (password: string) => proxy.post('/auth/password-change/', { email: EMAIL, password, new_password: 'a-brand-new-pass' });
      // The auth-service's 400 for wrong credentials counts here as a failed guess.
      for (let i = 0; i < 3; i++) expect((await change('wrong-pass')).status).to.equal(400);
      expectThrottled(await change('user-pass'), 60);
    });

    it('still counts the caller when the body lacks the login field it reads', async () => {
      const upstream = await auth({ LOGIN_THROTTLE_PER_ACCOUNT: 'off' });
      // A LOGIN_FIELD that does not match the auth-service's: no account to count, the address still.
      const proxy = await client(upstream, { LOGIN_FIELD: 'username', LOGIN_THROTTLE_PER_ACCOUNT: '1/60s', LOGIN_THROTTLE_PER_IP: '2/60s' });
      for (let i = 0; i < 2; i++) expect((await login(proxy, 'wrong-pass')).status).to.equal(401);
      expectThrottled(await login(proxy, 'user-pass'), 60);
    });

    it("passes on the auth-service's 429 with its Retry-After", async () => {
      const upstream = await auth({ LOGIN_THROTTLE_PER_ACCOUNT: '2/60s' });
      const proxy = await client(upstream, { LOGIN_THROTTLE_PER_ACCOUNT: 'off' });
      for (let i = 0; i < 2; i++) expect((await login(proxy, 'wrong-pass')).status).to.equal(401);
      expectThrottled(await login(proxy, 'user-pass'), 60);
    });

    it("throttles by the caller's address and hands it on to the auth-service in X-Forwarded-For", async () => {
      // The client-service behind one proxy; the auth-service behind that proxy and the client-service.
      const upstream = await auth({ LOGIN_THROTTLE_PER_ACCOUNT: 'off', NUM_PROXIES: 2 });
      const proxy = await client(upstream, { LOGIN_THROTTLE_PER_ACCOUNT: 'off', LOGIN_THROTTLE_PER_IP: '2/60s', NUM_PROXIES: 1 });
      const seen: (string | undefined)[] = [];
      upstream.service.events.on('loginFailed', (event) => void seen.push(event.request?.ip));
      const caller = { 'X-Forwarded-For': '198.51.100.7' };
      for (let i = 0; i < 2; i++) expect((await login(proxy, 'wrong-pass', caller, `nobody${i}@test.com`)).status).to.equal(401);
      expect(seen).to.deep.equal(['198.51.100.7', '198.51.100.7']);
      expectThrottled(await login(proxy, 'user-pass', caller), 60);
      expect((await login(proxy, 'user-pass', { 'X-Forwarded-For': '198.51.100.8' })).status).to.equal(200);
    });
  });

  describe('in Redis', function () {
    let redis: Redis;
    before(async function () {
      redis = await connectOrSkip(this);
    });
    after(() => redis?.disconnect());

    it('shares the counts between instances: failures at one refuse the right password at the other', async () => {
      // Each instance its own database with the same user: only Redis connects them.
      const shared = { REDIS_URL, THROTTLE_KEY_PREFIX: `test-${randomUUID()}`, LOGIN_THROTTLE_PER_ACCOUNT: '3/60s' } as const;
      const a = await auth(shared);
      const b = await auth(shared);
      const hashesAtB = countHashes(b);
      expect((await login(a, 'wrong-pass')).status).to.equal(401);
      expect((await login(b, 'wrong-pass')).status).to.equal(401);
      expect((await login(a, 'wrong-pass')).status).to.equal(401);
      expectThrottled(await login(b, 'user-pass'), 60);
      expectThrottled(await login(a, 'user-pass'), 60);
      expect(hashesAtB()).to.equal(1);
      const keys = await redis.keys(`${shared.THROTTLE_KEY_PREFIX}:*`);
      expect(keys).to.have.length(1);
      expect(keys[0], 'the login is not stored in the clear').not.to.contain('user');
    });

    it('clears the shared count on a success at either instance', async () => {
      const shared = { REDIS_URL, THROTTLE_KEY_PREFIX: `test-${randomUUID()}`, LOGIN_THROTTLE_PER_ACCOUNT: '3/60s' } as const;
      const a = await auth(shared);
      const b = await auth(shared);
      await login(a, 'wrong-pass');
      await login(a, 'wrong-pass');
      expect((await login(b, 'user-pass')).status).to.equal(200);
      for (let i = 0; i < 3; i++) expect((await login(a, 'wrong-pass')).status).to.equal(401);
      expect((await login(b, 'wrong-pass')).status).to.equal(429);
    });

    it('lets the window pass in Redis too', async () => {
      const a = await auth({ REDIS_URL, THROTTLE_KEY_PREFIX: `test-${randomUUID()}`, LOGIN_THROTTLE_PER_ACCOUNT: '2/2s' });
      await login(a, 'wrong-pass');
      await login(a, 'wrong-pass');
      const wait = expectThrottled(await login(a, 'user-pass'), 2);
      await sleep(wait * 1000 + 100);
      expect((await login(a, 'user-pass')).status).to.equal(200);
    });
  });

  describe('with Redis unreachable', () => {
    it('fails open to its own memory counts, with a warning: logins answer and are still throttled', async () => {
      const { logger, lines } = memoryLogger();
      const service = await auth({ REDIS_URL: `redis://127.0.0.1:${await deadPort()}`, LOGIN_THROTTLE_PER_ACCOUNT: '3/60s' }, { logger });
      expect((await login(service, 'user-pass')).status).to.equal(200);
      for (let i = 0; i < 3; i++) expect((await login(service, 'wrong-pass')).status).to.equal(401);
      expectThrottled(await login(service, 'user-pass'), 60);
      const warnings = lines.filter((line) => line.level === 40 && line.msg.startsWith('login throttle: Redis unavailable'));
      expect(warnings).to.have.length(1);
    });
  });
});
