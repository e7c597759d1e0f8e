// Several instances behind a real load balancer: two `easyjwt serve auth` processes on one MariaDB
// database, signing with ES256 keys from the shared key store, two `easyjwt serve client` processes
// verifying from the published JWKS, Redis carrying revocations, and Debian's HAProxy in front of
// the auth-services, all on loopback. What one instance did (a login, a rotation, a logout-all)
// must hold at every other.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call } from '../support/auth-service';
import type { RunningServer } from '../support/cli';
import { runCli, scratchDir, serveAuth } from '../support/cli';
import type { Served } from '../support/cli-serve';
import { serveRole } from '../support/cli-serve';
import { freshDatabaseUrl } from '../support/databases';
import type { LoadBalancer } from '../support/load-balancer';
import { haproxyInstalled, startHaproxy } from '../support/load-balancer';

const USER = { email: 'user@test.com', password: 'a-long-user-password' };
/** How soon every client-service must refuse a token revoked at one auth-service, with Redis. */
const REVOCATION_BOUND_MS = 2000;

const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  call(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });
const kidOf = (token: string): unknown => (JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as { kid?: unknown }).kid;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('several instances behind HAProxy, on one MariaDB and one Redis', function () {
  this.timeout(120000);

  let dir: string;
  let env: Record<string, string>;
  let auths: RunningServer[] = [];
  let clients: Served[] = [];
  let balancer: LoadBalancer | null = null;

  const login = async () => {
    const answer = await postJson(`${balancer!.url}/auth/token/`, USER);
    expect(answer.status, answer.text).to.equal(200);
    return answer;
  };

  /**
   * Logs in through the balancer and calls both client-services with the token, from `workers`
   * loops, until `stop()`; every failure is kept with what failed.
   */
  const steadyTraffic = (workers: number) => {
    const failures: string[] = [];
    const kids = new Set<unknown>();
    let served = 0;
    let stopped = false;
    const loop = async () => {
      while (!stopped) {
        const answer = await postJson(`${balancer!.url}/auth/token/`, USER).catch((error: unknown) => ({ status: 0, text: String(error), body: null }));
        if (answer.status !== 200) {
          failures.push(`login ${answer.status} ${answer.text}`);
          continue;
        }
        const access = answer.body.access as string;
        kids.add(kidOf(access));
        for (const client of clients) {
          const guarded = await call(`${client.url}/api/test/`, bearer(access)).catch((error: unknown) => ({ status: 0, text: String(error) }));
          if (guarded.status !== 200) failures.push(`client ${guarded.status} ${guarded.text}`);
        }
        served += 1;
      }
    };
    const running = Array.from({ length: workers }, loop);
    return {
      failures,
      kids,
      served: () => served,
      stop: async () => {
        stopped = true;
        await Promise.all(running);
      },
    };
  };

  before(async function () {
    if (!process.env.EASYJWT_TEST_MYSQL_URL) return this.skip();
    if (!haproxyInstalled()) throw new Error("this test needs Debian's haproxy: apt-get install -y haproxy (.ci/run installs it)");
    dir = scratchDir();
    const settings = {
      ALGORITHM: 'ES256',
      DATABASE_URL: await freshDatabaseUrl('mariadb'),
      // Rotation takes effect within seconds here; in production these are 30 s and 60 s.
      KEY_RELOAD_INTERVAL: 1,
      KEY_ACTIVATION_DELAY: 2,
      JWKS_REFETCH_COOLDOWN: 1,
      REDIS_URL: 'redis://127.0.0.1:6379',
      REVOCATION_CHANNEL_PREFIX: `easyjwt-test-${randomBytes(6).toString('hex')}`,
      REVOCATION_FEED_KEY: randomBytes(32).toString('base64url'),
      // The feed only catches up here: Redis carries every revocation.
      REVOCATION_POLL_INTERVAL: 60,
    };
    writeFileSync(join(dir, 'easyjwt.json'), JSON.stringify(settings));
    env = { EASYJWT_CONFIG: join(dir, 'easyjwt.json') };
    expect((await runCli(['migrate'], env, dir)).code).to.equal(0);
    expect((await runCli(['keys', 'generate', '--alg', 'ES256'], env, dir)).code).to.equal(0);
    expect((await runCli(['createuser', '--email', USER.email, '--password', USER.password], env, dir)).code).to.equal(0);
    auths = [await serveAuth(env, dir), await serveAuth(env, dir)];
    balancer = await startHaproxy(
      auths.map((auth) => auth.url),
      dir,
    );
    clients = [];
    for (const index of [0, 1]) {
      const clientEnv = { ...env, EASYJWT_CLIENT_DATABASE_URL: `sqlite:${join(dir, `client${index}.sqlite3`)}` };
      const client = await serveRole('client', clientEnv, dir, ['--auth-url', balancer.url]);
      // No shared secret: the client-services verify with the keys the auth-services publish.
      expect(client.line).to.contain('jwks verification');
      clients.push(client);
    }
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.stop()));
    await balancer?.stop();
    await Promise.all(auths.filter((auth) => auth.child.exitCode === null && auth.child.signalCode === null).map((auth) => auth.stop()));
  });

  it('logs in through the balancer and refreshes at the other instance', async () => {
    const first = await login();
    const refresh = await postJson(`${balancer!.url}/auth/token/refresh/`, { refresh: first.body.refresh });
    expect(refresh.status).to.equal(200);
    expect(refresh.headers.get('x-served-by')).to.be.a('string').and.not.equal(first.headers.get('x-served-by'));
    for (const client of clients) {
      expect((await call(`${client.url}/api/test/`, bearer(refresh.body.access as string))).status).to.equal(200);
    }
  });

  it('refuses the old access token at both client-services within the bound after a logout-all at the first instance', async () => {
    const stolen = (await login()).body.access as string;
    for (const client of clients) expect((await call(`${client.url}/api/test/`, bearer(stolen))).status).to.equal(200);
    await sleep(1100); // a new login must be told apart from the voided ones by its whole-second iat
    const logoutAll = await postJson(`${auths[0].url}/auth/logout-all/`, {}, { Authorization: `Bearer ${stolen}` });
    expect(logoutAll.status, logoutAll.text).to.equal(200);
    const start = Date.now();
    const refusedAfter: number[] = [];
    for (const client of clients) {
      for (;;) {
        const answer = await call(`${client.url}/api/test/`, bearer(stolen));
        if (answer.status === 401) {
          expect(answer.body.code).to.equal('token_expired_by_registry');
          refusedAfter.push(Date.now() - start);
          break;
        }
        expect(Date.now() - start, 'still accepted after the bound').to.be.below(REVOCATION_BOUND_MS);
        await sleep(20);
      }
    }
    expect(Math.max(...refusedAfter)).to.be.below(REVOCATION_BOUND_MS);
    // The other auth-service refuses it too, and a new login works everywhere.
    expect((await call(`${auths[1].url}/auth/user/`, bearer(stolen))).status).to.equal(401);
    await sleep(1100);
    const fresh = (await login()).body.access as string;
    for (const client of clients) expect((await call(`${client.url}/api/test/`, bearer(fresh))).status).to.equal(200);
  });

  it('rotates the signing key during steady traffic without losing a request', async () => {
    const before = kidOf((await login()).body.access as string);
    const traffic = steadyTraffic(3);
    await sleep(500);
    const rotated = await runCli(['keys', 'rotate'], env, dir);
    expect(rotated.code, rotated.stderr).to.equal(0);
    // Published now, signing after KEY_ACTIVATION_DELAY, picked up within KEY_RELOAD_INTERVAL.
    await sleep(4500);
    await traffic.stop();
    expect(traffic.failures).to.deep.equal([]);
    const after = kidOf((await login()).body.access as string);
    expect(after).to.be.a('string').and.not.equal(before);
    expect([...traffic.kids]).to.include.members([before, after]);
    expect(traffic.served()).to.be.greaterThan(10);
  });

  it('keeps serving, losing no request, when one auth-service is killed during traffic', async () => {
    const traffic = steadyTraffic(4);
    await sleep(1500);
    const before = traffic.served();
    auths[0].child.kill('SIGKILL');
    await sleep(2500);
    await traffic.stop();
    expect(traffic.failures).to.deep.equal([]);
    expect(traffic.served() - before, 'logins served after the kill').to.be.greaterThan(10);
    expect((await login()).headers.get('x-served-by')).to.equal('s1');
  });
});
