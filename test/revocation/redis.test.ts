// Revocation reach over Redis: with REDIS_URL set on both sides, a revocation is published after it
// commits and reaches client-services and other auth-service instances within about a second,
// even with the feed polled only once a minute; a subscriber that reconnects catches up from the
// feed on what it missed meanwhile.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { revocationChannel } from '../../src/revocation/redis-channel';
import type { TestAuthService, TestResponse } from '../support/auth-service';
import { startAuthService, TEST_KEY } from '../support/auth-service';
import type { TestClientService } from '../support/client-service';
import { bearer, GuardedController, startClientService } from '../support/client-service';
import { connectOrSkip, REDIS_URL } from '../support/redis';

/** Polls so rare that only Redis (or a catch-up) can deliver within a test. */
const RARE_POLL = 60;
/** The bound with Redis: about a second. */
const BOUND_MS = 1000;
const REVOKED = { detail: 'Token has been expired.', code: 'token_expired_by_registry' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function within(ask: () => Promise<TestResponse>, done: (response: TestResponse) => boolean, bound = BOUND_MS) {
  const started = Date.now();
  for (;;) {
    const response = await ask();
    const ms = Date.now() - started;
    if (done(response) || ms > bound) return { response, ms };
    await sleep(25);
  }
}

describe('revocations reaching services through Redis pub/sub', function () {
  let redis: Redis;
  let prefix: string;
  let directory: string;
  let auth: TestAuthService;
  let client: TestClientService;
  const others: TestAuthService[] = [];

  before(async function () {
    redis = await connectOrSkip(this);
  });
  after(() => redis?.disconnect());

  /** Settings every service of one test shares: one database file, one channel prefix. */
  const shared = () => ({ DATABASE_URL: `sqlite:${join(directory, 'auth.sqlite3')}`, REVOCATION_POLL_INTERVAL: RARE_POLL });

  /** Waits until `count` connections listen on this test's channel. */
  const subscribed = async (count: number) => {
    const channel = revocationChannel(prefix);
    for (let i = 0; i < 200; i++) {
      const [, listening] = (await redis.pubsub('NUMSUB', channel)) as [string, number];
      if (listening >= count) return;
      await sleep(10);
    }
    throw new Error(`fewer than ${count} subscribers on ${channel}`);
  };

  beforeEach(async () => {
    // A channel of this test's own, so tests (and other runs on the same Redis) never cross.
    prefix = `easyjwt-test-${randomUUID()}`;
    directory = mkdtempSync(join(tmpdir(), 'easyjwt-redis-'));
    auth = await startAuthService('sqlite', { ...shared(), REDIS_URL, REVOCATION_CHANNEL_PREFIX: prefix });
    await auth.createUser({ email: 'user@test.com' });
    client = await startClientService(
      'sqlite',
      { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY, REVOCATION_POLL_INTERVAL: RARE_POLL, REDIS_URL, REVOCATION_CHANNEL_PREFIX: prefix },
      { controllers: [GuardedController] },
    );
    // The auth-service's own subscriber and the client's.
    await subscribed(2);
  });
  afterEach(async () => {
    await client.close();
    for (const other of others.splice(0)) await other.close();
    await auth.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const loggedIn = async () => {
    const pair = await auth.login('user@test.com');
    expect((await client.get('/guarded/login/', bearer(pair.access))).status).to.equal(200);
    return pair;
  };

  it('refuses at the client-service within about a second of a logout-all, with the feed polled once a minute', async () => {
    const { access } = await loggedIn();
    expect((await auth.post('/auth/logout-all/', {}, bearer(access))).status).to.equal(200);
    const { response, ms } = await within(
      () => client.get('/guarded/login/', bearer(access)),
      (answer) => answer.status === 401,
    );
    expect(response.status, `still ${response.status} after ${ms} ms`).to.equal(401);
    expect(response.body).to.deep.equal(REVOKED);
  });

  it('refuses at another auth-service instance within about a second of a logout', async () => {
    const other = await startAuthService('sqlite', { ...shared(), REDIS_URL, REVOCATION_CHANNEL_PREFIX: prefix });
    others.push(other);
    await subscribed(3);
    const { access, refresh } = await loggedIn();
    expect((await other.get('/auth/user/', bearer(access))).status).to.equal(200);
    expect((await auth.post('/auth/logout/', { refresh })).status).to.equal(200);
    const { response, ms } = await within(
      () => other.get('/auth/user/', bearer(access)),
      (answer) => answer.status === 401,
    );
    expect(response.status, `still ${response.status} after ${ms} ms`).to.equal(401);
    expect(response.body).to.deep.equal(REVOKED);
  });

  it('subscribes once Redis comes up, when it was down as the client-service started', async () => {
    // A door in front of Redis: closed, every connection is dropped at once; open, it forwards.
    let open = false;
    const sockets = new Set<Socket>();
    const door = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      if (!open) {
        socket.destroy();
        return;
      }
      const upstream = connect(new URL(REDIS_URL).port ? Number(new URL(REDIS_URL).port) : 6379, new URL(REDIS_URL).hostname);
      upstream.on('error', () => socket.destroy());
      socket.on('close', () => upstream.destroy());
      upstream.on('close', () => socket.destroy());
      socket.pipe(upstream).pipe(socket);
    });
    await new Promise<void>((resolve) => door.listen(0, '127.0.0.1', resolve));
    const doorUrl = `redis://127.0.0.1:${(door.address() as AddressInfo).port}`;
    const late = await startClientService(
      'sqlite',
      { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY, REVOCATION_POLL_INTERVAL: RARE_POLL, REDIS_URL: doorUrl, REVOCATION_CHANNEL_PREFIX: prefix },
      { controllers: [GuardedController] },
    );
    try {
      // Long enough for the first subscribe to fail on the closed door.
      await sleep(300);
      open = true;
      await subscribed(3);
      const { access } = await auth.login('user@test.com');
      expect((await late.get('/guarded/login/', bearer(access))).status).to.equal(200);
      expect((await auth.post('/auth/logout-all/', {}, bearer(access))).status).to.equal(200);
      const { response, ms } = await within(
        () => late.get('/guarded/login/', bearer(access)),
        (answer) => answer.status === 401,
      );
      expect(response.status, `still ${response.status} after ${ms} ms`).to.equal(401);
    } finally {
      await late.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => door.close(() => resolve()));
    }
  });

  it('catches up from the feed after its subscriber connection is killed, on a revocation it never heard', async () => {
    const { access } = await loggedIn();
    // A writer whose messages this client never hears: an instance on the same database
    // publishing on another channel. Only the feed carries its revocation.
    const deaf = await startAuthService('sqlite', { ...shared(), REDIS_URL, REVOCATION_CHANNEL_PREFIX: `${prefix}-elsewhere` });
    others.push(deaf);
    expect((await deaf.post('/auth/logout-all/', {}, bearer(access))).status).to.equal(200);
    await sleep(500);
    expect((await client.get('/guarded/login/', bearer(access))).status, 'the message was not missed').to.equal(200);

    const subscriber = client.service.revocations.subscriber;
    expect(subscriber).to.not.equal(null);
    const connections = subscriber!.connections;
    const list = (await redis.client('LIST')) as string;
    const line = list.split('\n').find((entry) => entry.includes(`name=${subscriber!.connectionName} `));
    expect(line, 'the subscriber connection is listed').to.be.a('string');
    const id = /\bid=(\d+)/.exec(line!)![1];
    await redis.client('KILL', 'ID', id);

    const { response, ms } = await within(
      () => client.get('/guarded/login/', bearer(access)),
      (answer) => answer.status === 401,
      3000,
    );
    expect(response.status, `still ${response.status} after ${ms} ms`).to.equal(401);
    expect(response.body).to.deep.equal(REVOKED);
    expect(subscriber!.connections).to.be.greaterThan(connections);
    // And it is subscribed again: the next published revocation arrives too.
    await subscribed(2);
  });
});
