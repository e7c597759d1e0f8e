// Several instances behind a real load balancer: two `easyjwt serve auth` processes on one MariaDB
// database, two `easyjwt serve client` processes, and Debian's HAProxy in front of the auth-services,
// all on loopback. What one instance did (a login, a rotation, a logout-all) must hold at every other.
import { expect } from 'chai';
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

const KEY = 'several-instances-signing-key-of-forty-bytes';
const USER = { email: 'user@test.com', password: 'a-long-user-password' };

const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  call(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

describe('several instances behind HAProxy, on one MariaDB', function () {
  this.timeout(120000);

  let dir: string;
  let env: Record<string, string>;
  let auths: RunningServer[] = [];
  let clients: Served[] = [];
  let balancer: LoadBalancer | null = null;

  before(async function () {
    if (!process.env.EASYJWT_TEST_MYSQL_URL) return this.skip();
    if (!haproxyInstalled()) throw new Error("this test needs Debian's haproxy: apt-get install -y haproxy (.ci/run installs it)");
    dir = scratchDir();
    writeFileSync(join(dir, 'easyjwt.json'), JSON.stringify({ SIGNING_KEY: KEY, DATABASE_URL: await freshDatabaseUrl('mariadb') }));
    env = { EASYJWT_CONFIG: join(dir, 'easyjwt.json') };
    expect((await runCli(['migrate'], env, dir)).code).to.equal(0);
    expect((await runCli(['createuser', '--email', USER.email, '--password', USER.password], env, dir)).code).to.equal(0);
    auths = [await serveAuth(env, dir), await serveAuth(env, dir)];
    balancer = await startHaproxy(
      auths.map((auth) => auth.url),
      dir,
    );
    clients = [];
    for (const index of [0, 1]) {
      const clientEnv = { ...env, EASYJWT_CLIENT_DATABASE_URL: `sqlite:${join(dir, `client${index}.sqlite3`)}`, EASYJWT_TOKEN_VERIFICATION: 'local' };
      clients.push(await serveRole('client', clientEnv, dir, ['--auth-url', balancer.url]));
    }
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.stop()));
    await balancer?.stop();
    await Promise.all(auths.filter((auth) => auth.child.exitCode === null && auth.child.signalCode === null).map((auth) => auth.stop()));
  });

  it('logs in through the balancer and refreshes at the other instance', async () => {
    const login = await postJson(`${balancer!.url}/auth/token/`, USER);
    expect(login.status).to.equal(200);
    const refresh = await postJson(`${balancer!.url}/auth/token/refresh/`, { refresh: login.body.refresh });
    expect(refresh.status).to.equal(200);
    expect(refresh.headers.get('x-served-by')).to.be.a('string').and.not.equal(login.headers.get('x-served-by'));
    for (const client of clients) {
      expect((await call(`${client.url}/api/test/`, bearer(refresh.body.access as string))).status).to.equal(200);
    }
  });

  it('keeps serving, losing no request, when one auth-service is killed during traffic', async () => {
    let failures: string[] = [];
    let served = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const login = await postJson(`${balancer!.url}/auth/token/`, USER).catch((error: unknown) => ({ status: 0, body: { error: String(error) } }));
        if (login.status !== 200) {
          failures.push(`login ${login.status} ${JSON.stringify(login.body)}`);
          continue;
        }
        const client = clients[served % 2];
        const answer = await call(`${client.url}/api/test/`, bearer(login.body.access as string));
        if (answer.status !== 200) failures.push(`client ${answer.status} ${answer.text}`);
        served += 1;
      }
    };
    const workers = [worker(), worker(), worker(), worker()];
    await new Promise((done) => setTimeout(done, 1500));
    const before = served;
    auths[0].child.kill('SIGKILL');
    await new Promise((done) => setTimeout(done, 2500));
    stop = true;
    await Promise.all(workers);
    expect(failures).to.deep.equal([]);
    expect(served - before, 'logins served after the kill').to.be.greaterThan(10);
    const last = await postJson(`${balancer!.url}/auth/token/`, USER);
    expect(last.headers.get('x-served-by')).to.equal('s1');
    failures = [];
  });
});
