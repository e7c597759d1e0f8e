// `easyjwt user` and `easyjwt group` end to end: real `serve auth` and `serve client` processes, the
// demo's GET /api/perm-test/ guarded by @JwtPermRequired('demo.view'), and access granted and
// revoked from the command line reaching the client-service within USER_CACHE_TTL +
// USER_SYNC_MAX_AGE, with no custom code on either side.
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDataSource } from '../../src/db/data-source';
import { call } from '../support/auth-service';
import { runCli, scratchDir, serveAuth } from '../support/cli';
import type { Served } from '../support/cli-serve';
import { serveRole } from '../support/cli-serve';

const KEY = 'e2e-signing-key-with-more-than-thirty-two-bytes';
const FORBIDDEN = { detail: 'You do not have permission to perform this action.' };
/** The bound the README states, in seconds: the auth-service's user cache, then the client's copy. */
const USER_CACHE_TTL = 1;
const USER_SYNC_MAX_AGE = 1;
const BOUND_MS = (USER_CACHE_TTL + USER_SYNC_MAX_AGE) * 1000;
/** REVOCATION_POLL_INTERVAL of the feed test, in seconds. */
const POLL = 0.5;

/** Starts `easyjwt serve client --port 0` and resolves once it listens. */
const serveClient = (env: Record<string, string>, cwd: string, args: string[]): Promise<Served> => serveRole('client', env, cwd, args);

/** Rows of a query against a SQLite file another process writes (no migrations run on it). */
async function rowsOf(file: string, sql: string): Promise<unknown[]> {
  const dataSource = createDataSource(`sqlite:${file}`);
  await dataSource.initialize();
  try {
    return await dataSource.query(sql);
  } finally {
    await dataSource.destroy();
  }
}

describe('easyjwt user and easyjwt group', function () {
  this.timeout(120000);

  it('grant and revoke demo.view for GET /api/perm-test/ of `serve client`, directly and through a group, within the stated bound', async () => {
    const dir = scratchDir();
    const config = join(dir, 'easyjwt.json');
    writeFileSync(config, JSON.stringify({ USER_CACHE_TTL, USER_SYNC_MAX_AGE }));
    const authDb = join(dir, 'auth.sqlite3');
    const clientDb = join(dir, 'client.sqlite3');
    const env = {
      EASYJWT_CONFIG: config,
      EASYJWT_SIGNING_KEY: KEY,
      EASYJWT_DATABASE_URL: `sqlite:${authDb}`,
      EASYJWT_CLIENT_DATABASE_URL: `sqlite:${clientDb}`,
    };
    const cli = (...args: string[]) => runCli(args, env, dir);
    expect((await cli('createuser', '--email', 'user@test.com', '--password', 'user-pass')).code).to.equal(0);
    const auth = await serveAuth(env, dir);
    try {
      const client = await serveClient({ ...env, EASYJWT_AUTH_URL: auth.url }, dir, []);
      try {
        const login = await call(`${client.url}/auth/token/`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email: 'user@test.com', password: 'user-pass' }),
        });
        expect(login.status).to.equal(200);
        const permTest = () => call(`${client.url}/api/perm-test/`, { headers: { Authorization: `Bearer ${login.body.access}` } });
        /** Asks until the answer has `status`; fails past the bound (plus slack for a loaded machine). */
        const until = async (status: number) => {
          const started = Date.now();
          for (;;) {
            const response = await permTest();
            if (response.status === status) return response;
            expect(Date.now() - started, `still ${response.status} ${response.text}`).to.be.below(BOUND_MS + 1500);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        };
        const copy = () => rowsOf(clientDb, 'SELECT permissions FROM easyjwt_local_user');

        const refused = await permTest();
        expect(refused.status).to.equal(403);
        expect(refused.text).to.equal(JSON.stringify(FORBIDDEN));
        expect((await call(`${client.url}/api/test/`, { headers: { Authorization: `Bearer ${login.body.access}` } })).text).to.equal('"success"');

        const granted = await cli('user', '--email', 'user@test.com', '--add-perm', 'demo.view');
        expect(granted.code, granted.stderr).to.equal(0);
        expect(granted.stdout).to.equal(
          'added permission demo.view to user@test.com\nuser@test.com: active, not staff; groups: (none); permissions: demo.view\n',
        );
        expect(
          await rowsOf(
            authDb,
            "SELECT p.app_label || '.' || p.codename AS name FROM easyjwt_user_permissions up JOIN easyjwt_permission p ON p.id = up.permission_id",
          ),
        ).to.deep.equal([{ name: 'demo.view' }]);
        const allowed = await until(200);
        expect(allowed.text).to.equal('"success"');
        expect(await copy()).to.deep.equal([{ permissions: '["demo.view"]' }]);

        const revoked = await cli('user', '--email', 'user@test.com', '--remove-perm', 'demo.view');
        expect(revoked.stdout).to.equal(
          'removed permission demo.view from user@test.com\nuser@test.com: active, not staff; groups: (none); permissions: (none)\n',
        );
        expect((await until(403)).text).to.equal(JSON.stringify(FORBIDDEN));
        expect(await copy()).to.deep.equal([{ permissions: '[]' }]);

        const group = await cli('group', '--name', 'viewers', '--add-perm', 'demo.view');
        expect(group.stdout).to.equal(
          'created group viewers\nadded permission demo.view to group viewers\ngroup viewers: 0 member(s); permissions: demo.view\n',
        );
        const joined = await cli('user', '--email', 'user@test.com', '--add-group', 'viewers');
        expect(joined.stdout).to.equal('added user@test.com to group viewers\nuser@test.com: active, not staff; groups: viewers; permissions: demo.view\n');
        expect((await until(200)).text).to.equal('"success"');

        const emptied = await cli('group', '--name', 'viewers', '--remove-perm', 'demo.view');
        expect(emptied.stdout).to.equal('removed permission demo.view from group viewers\ngroup viewers: 1 member(s); permissions: (none)\n');
        await until(403);
      } finally {
        expect(await client.stop()).to.equal(0);
      }
    } finally {
      expect(await auth.stop()).to.equal(0);
    }
  });

  it('reach `serve client` through the revocation feed within REVOCATION_POLL_INTERVAL, with the user caches at their defaults: a grant, then a deactivation', async () => {
    const dir = scratchDir();
    const config = join(dir, 'easyjwt.json');
    // USER_CACHE_TTL (5 s) and USER_SYNC_MAX_AGE (60 s) stay at their defaults: only the feed can be this quick.
    writeFileSync(config, JSON.stringify({ REVOCATION_POLL_INTERVAL: POLL }));
    const env = {
      EASYJWT_CONFIG: config,
      EASYJWT_SIGNING_KEY: KEY,
      EASYJWT_DATABASE_URL: `sqlite:${join(dir, 'auth.sqlite3')}`,
      EASYJWT_CLIENT_DATABASE_URL: `sqlite:${join(dir, 'client.sqlite3')}`,
    };
    const cli = (...args: string[]) => runCli(args, env, dir);
    expect((await cli('createuser', '--email', 'user@test.com', '--password', 'user-pass')).code).to.equal(0);
    const auth = await serveAuth(env, dir);
    try {
      const client = await serveClient({ ...env, EASYJWT_AUTH_URL: auth.url }, dir, []);
      try {
        const login = await call(`${client.url}/auth/token/`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email: 'user@test.com', password: 'user-pass' }),
        });
        expect(login.status).to.equal(200);
        const ask = (path: string) => call(`${client.url}${path}`, { headers: { Authorization: `Bearer ${login.body.access}` } });
        const until = async (path: string, status: number) => {
          const started = Date.now();
          for (;;) {
            const response = await ask(path);
            if (response.status === status) return response;
            expect(Date.now() - started, `still ${response.status} ${response.text}`).to.be.below(POLL * 1000 + 1500);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        };
        expect((await ask('/api/perm-test/')).status).to.equal(403);
        expect((await cli('user', '--email', 'user@test.com', '--add-perm', 'demo.view')).code).to.equal(0);
        expect((await until('/api/perm-test/', 200)).text).to.equal('"success"');

        expect((await cli('user', '--email', 'user@test.com', '--inactive')).code).to.equal(0);
        const refused = await until('/api/test/', 401);
        // Refused by the revocation list, or, when a re-read of the user got there first, by the
        // auth-service itself.
        expect([
          JSON.stringify({ detail: 'Token has been expired.', code: 'token_expired_by_registry' }),
          JSON.stringify({ detail: 'User is inactive', code: 'user_inactive' }),
        ]).to.include(refused.text);

        // `deleteuser`: the deleted user's token is refused the same way.
        expect((await cli('createuser', '--email', 'other@test.com', '--password', 'user-pass')).code).to.equal(0);
        const other = await call(`${client.url}/auth/token/`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email: 'other@test.com', password: 'user-pass' }),
        });
        const asOther = () => call(`${client.url}/api/test/`, { headers: { Authorization: `Bearer ${other.body.access}` } });
        expect((await asOther()).status).to.equal(200);
        const deleted = await cli('deleteuser', '--email', 'other@test.com');
        expect(deleted.stdout).to.equal('deleted other@test.com; their tokens are refused from now on\n');
        const started = Date.now();
        let gone = await asOther();
        while (gone.status !== 401 && Date.now() - started < POLL * 1000 + 1500) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          gone = await asOther();
        }
        expect(gone.text).to.equal(JSON.stringify({ detail: 'Token has been expired.', code: 'token_expired_by_registry' }));
        expect((await cli('deleteuser', '--email', 'other@test.com')).stderr).to.equal('easyjwt: no user with email other@test.com\n');
      } finally {
        expect(await client.stop()).to.equal(0);
      }
    } finally {
      expect(await auth.stop()).to.equal(0);
    }
  });

  it('refuses an unknown user, a malformed permission, an unknown group and contradictory flags with one line and exit code 2, changing nothing', async () => {
    const dir = scratchDir();
    const authDb = join(dir, 'auth.sqlite3');
    const env = { EASYJWT_SIGNING_KEY: KEY, EASYJWT_DATABASE_URL: `sqlite:${authDb}` };
    const cli = (...args: string[]) => runCli(args, env, dir);
    expect((await cli('createuser', '--email', 'user@test.com', '--password', 'user-pass')).code).to.equal(0);
    const refusals: [string[], string][] = [
      [['user', '--email', 'nobody@test.com', '--add-perm', 'demo.view'], 'easyjwt: no user with email nobody@test.com'],
      [['user', '--email', 'user@test.com', '--add-perm', 'demo'], 'easyjwt: permission must look like app_label.codename, got "demo"'],
      [
        ['user', '--email', 'user@test.com', '--add-perm', 'demo.view', '--add-group', 'nope'],
        'easyjwt: no group named nope (create it with: easyjwt group --name "nope")',
      ],
      [['user', '--email', 'user@test.com', '--active', '--inactive'], 'easyjwt: --active and --inactive contradict each other: give one'],
      [['user', '--email', 'user@test.com', '--add-perm', 'a.b', '--remove-perm', 'a.b'], 'easyjwt: permission a.b is both added and removed'],
      [['group', '--name', 'g', '--add-perm', 'Bad.perm'], 'easyjwt: permission must look like app_label.codename, got "Bad.perm"'],
    ];
    for (const [args, line] of refusals) {
      const result = await cli(...args);
      expect(result.code, args.join(' ')).to.equal(2);
      expect(result.stdout, args.join(' ')).to.equal('');
      expect(result.stderr.trim().split('\n'), args.join(' ')).to.deep.equal([line]);
    }
    // The refused grant of demo.view alongside the unknown group was rolled back with it.
    expect(await rowsOf(authDb, 'SELECT * FROM easyjwt_user_permissions')).to.deep.equal([]);
    expect(await rowsOf(authDb, 'SELECT * FROM easyjwt_group')).to.deep.equal([]);
  });
});
