// `easyjwt serve auth --workers N`: several processes on one port, sharing the database, the
// revocations and the login throttle; a dead worker replaced; SIGTERM draining them all. Also the
// refusals (SQLite, bad counts) and THREAD_POOL_SIZE sizing libuv's pool.
import { expect } from 'chai';
import { readdirSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:http';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { RunningServer } from '../support/cli';
import { runCli, scratchDir, serveAuth } from '../support/cli';
import { freshDatabaseUrl } from '../support/databases';

const USER = { email: 'user@test.com', password: 'a-long-user-password' };
const KEY = 'a-signing-key-for-the-workers-test-0123456789';
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

interface Answer {
  readonly status: number;
  readonly worker: string;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- read like the JSON it is
}

/**
 * One request on a connection of its own: node:cluster's primary hands each new connection to the
 * next worker, so successive calls reach the workers in turn (fetch would reuse one connection).
 */
function once(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, agent: false, headers: { ...(payload ? { 'Content-Type': 'application/json' } : {}), ...headers } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, worker: workerOf(res.headers), body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    // A connection the primary handed to a worker at the instant it was killed is never answered:
    // give up on it, as a client would.
    req.setTimeout(3000, () => req.destroy(new Error('no answer in 3 s')));
    req.end(payload);
  });
}
const workerOf = (headers: IncomingHttpHeaders): string => String(headers['x-easyjwt-worker'] ?? '');

/** Calls until an answer comes from a worker not in `seen` (at most 20 tries). */
async function fromAnotherWorker(call: () => Promise<Answer>, seen: string): Promise<Answer> {
  for (let i = 0; i < 20; i++) {
    const answer = await call();
    if (answer.worker !== seen) return answer;
  }
  throw new Error(`every answer came from worker ${seen}`);
}

/** The pids of the workers the primary logged as started, in order. */
const workerPids = (stderr: string): number[] =>
  stderr
    .split('\n')
    .filter((line) => line.includes('"worker started"'))
    .map((line) => (JSON.parse(line) as { pid: number }).pid);

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('easyjwt serve auth --workers 2 on MariaDB', function () {
  this.timeout(120000);
  let dir: string;
  let env: Record<string, string>;
  let served: RunningServer | null = null;

  before(async function () {
    if (!process.env.EASYJWT_TEST_MYSQL_URL) return this.skip();
    dir = scratchDir();
    const settings = {
      DATABASE_URL: await freshDatabaseUrl('mariadb'),
      SIGNING_KEY: KEY,
      // No Redis: revocations reach the other worker through the table, polled this often.
      REVOCATION_POLL_INTERVAL: 0.5,
      LOGIN_THROTTLE_PER_ACCOUNT: '3/15m',
      PASSWORD_SCRYPT_N: 1024,
      PASSWORD_SCRYPT_P: 1,
    };
    writeFileSync(join(dir, 'easyjwt.json'), JSON.stringify(settings));
    env = { EASYJWT_CONFIG: join(dir, 'easyjwt.json') };
    // No `migrate` first: the primary migrates once, before any worker starts.
    served = await serveAuth(env, dir, ['--workers', '2']);
    const created = await runCli(['createuser', '--email', USER.email, '--password', USER.password], env, dir);
    expect(created.code, created.stderr).to.equal(0);
  });

  after(async () => {
    if (served && served.child.exitCode === null) await served.stop();
  });

  const url = () => served!.url;
  const login = () => once(`${url()}/auth/token/`, 'POST', USER);

  it('answers from both workers on one port', async () => {
    const workers = new Set<string>();
    for (let i = 0; i < 10 && workers.size < 2; i++) workers.add((await once(`${url()}/auth/user/`, 'GET')).worker);
    expect([...workers].sort()).to.deep.equal(['1', '2']);
  });

  it('refreshes at one worker a token obtained at the other', async () => {
    const first = await login();
    expect(first.status).to.equal(200);
    const refresh = await fromAnotherWorker(() => once(`${url()}/auth/token/refresh/`, 'POST', { refresh: first.body.refresh }), first.worker);
    expect(refresh.status, JSON.stringify(refresh.body)).to.equal(200);
    expect(refresh.body.access).to.be.a('string');
  });

  it('refuses, at the other worker too, a token voided by a logout-all, within the poll interval plus a margin', async () => {
    const access = (await login()).body.access as string;
    const bearer = { Authorization: `Bearer ${access}` };
    await sleep(1100); // a later login must be told apart from the voided ones by its whole-second iat
    const logoutAll = await once(`${url()}/auth/logout-all/`, 'POST', {}, bearer);
    expect(logoutAll.status).to.equal(200);
    const start = Date.now();
    const refused = new Set<string>();
    while (refused.size < 2) {
      const answer = await once(`${url()}/auth/user/`, 'GET', undefined, bearer);
      if (answer.status === 401) refused.add(answer.worker);
      else expect(Date.now() - start, `worker ${answer.worker} still accepts it`).to.be.below(3000);
    }
  });

  it('counts failed logins once for all workers: the throttle allows what one process allows', async () => {
    const wrong = { email: 'throttled@test.com', password: 'not-the-password' };
    const answers: Answer[] = [];
    for (let i = 0; i < 4; i++) answers.push(await once(`${url()}/auth/token/`, 'POST', wrong));
    expect(new Set(answers.map((answer) => answer.worker)).size, 'the attempts reached both workers').to.equal(2);
    expect(answers.map((answer) => answer.status)).to.deep.equal([401, 401, 401, 429]);
  });

  it('replaces a worker killed with SIGKILL while the port keeps answering', async () => {
    const [victim] = workerPids(served!.stderr());
    expect(alive(victim)).to.equal(true);
    process.kill(victim, 'SIGKILL');
    const killedAt = Date.now();
    let replaced = false;
    while (!replaced && Date.now() - killedAt < 30000) {
      // A connection in flight at the kill dies with the worker (or hangs, handed to it as it died).
      const answer = await once(`${url()}/auth/user/`, 'GET').catch((error: unknown) => ({ status: 0, worker: String(error), body: null }));
      replaced = answer.worker === '3';
      await sleep(50);
    }
    expect(replaced, 'a third worker answered').to.equal(true);
    // Once replaced, every call is answered (no credentials: 401), by both workers.
    const after = await Promise.all(Array.from({ length: 10 }, () => once(`${url()}/auth/user/`, 'GET')));
    expect(after.map((answer) => answer.status)).to.deep.equal(Array(10).fill(401));
    expect(served!.stderr()).to.contain('worker died: starting another');
  });

  it('drains every worker on SIGTERM and exits with 0', async () => {
    const pids = workerPids(served!.stderr());
    expect(pids.length).to.be.at.least(2);
    expect(await served!.stop()).to.equal(0);
    for (const pid of pids) expect(alive(pid), `worker ${pid}`).to.equal(false);
  });
});

describe('easyjwt serve --workers refusals', function () {
  this.timeout(60000);
  let dir: string;
  before(() => (dir = scratchDir()));

  it('refuses several workers on a SQLite file, saying why', async () => {
    const env = { EASYJWT_DATABASE_URL: `sqlite:${join(dir, 'auth.sqlite3')}`, EASYJWT_SIGNING_KEY: KEY };
    const result = await runCli(['serve', 'auth', '--port', '0', '--workers', '2'], env, dir);
    expect(result.code).to.equal(2);
    expect(result.stderr.trim()).to.match(
      /^easyjwt: --workers 2 needs a MySQL\/MariaDB database: DATABASE_URL is sqlite:.*do not serialise concurrent refreshes/,
    );
  });

  it('refuses several workers on an in-memory SQLite database', async () => {
    const result = await runCli(
      ['serve', 'auth', '--port', '0', '--workers', 'auto'],
      { EASYJWT_DATABASE_URL: 'sqlite::memory:', EASYJWT_SIGNING_KEY: KEY },
      dir,
    );
    // `auto` on a one-core machine is one worker, which SQLite serves; everywhere else, refused.
    if (result.code !== 2) return;
    expect(result.stderr).to.contain('a separate database in each worker');
  });

  for (const bad of ['0', '257', 'two', '1.5', '-1']) {
    it(`refuses --workers ${bad} with one line`, async () => {
      const result = await runCli(['serve', 'auth', '--port', '0', '--workers', bad], { EASYJWT_SIGNING_KEY: KEY }, dir);
      expect(result.code).to.equal(2);
      expect(result.stderr.trim()).to.equal(
        `easyjwt: --workers must be a whole number from 1 to 256, or auto (one per core: ${availableParallelism()}), got "${bad}"`,
      );
    });
  }

  it('refuses a THREAD_POOL_SIZE (UV_THREADPOOL_SIZE) outside 1..1024, naming it', async () => {
    const result = await runCli(['serve', 'auth', '--port', '0'], { EASYJWT_SIGNING_KEY: KEY, UV_THREADPOOL_SIZE: 'abc' }, dir);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/THREAD_POOL_SIZE/);
  });
});

describe('THREAD_POOL_SIZE', function () {
  this.timeout(60000);

  // Linux only: the threads of a process are the entries of /proc/<pid>/task.
  const threads = (pid: number) => readdirSync(`/proc/${pid}/task`).length;

  it("sizes libuv's pool of `easyjwt serve auth`: the process runs that many more threads than with the default", async function () {
    if (process.platform !== 'linux') return this.skip();
    const dir = scratchDir();
    const base = { EASYJWT_SIGNING_KEY: KEY, EASYJWT_DATABASE_URL: 'sqlite::memory:' };
    writeFileSync(join(dir, 'pool.json'), JSON.stringify({ THREAD_POOL_SIZE: 20 }));
    const plain = await serveAuth(base, dir);
    const sized = await serveAuth({ ...base, EASYJWT_CONFIG: join(dir, 'pool.json') }, dir);
    try {
      // The pool starts with the service (the hasher's first hash), so it is there once it listens.
      await sleep(300);
      expect(threads(sized.child.pid!) - threads(plain.child.pid!)).to.be.at.least(20 - 4);
    } finally {
      await Promise.all([plain.stop(), sized.stop()]);
    }
  });
});
