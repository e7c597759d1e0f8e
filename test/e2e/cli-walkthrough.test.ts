// End to end: the compiled CLI creates users and serves the auth-service on a real socket; the
// README walkthrough (obtain, user, refresh, verify, blacklist) runs against it over HTTP.
import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, payloadOf } from '../support/auth-service';
import { runCli, scratchDir, serveAuth } from '../support/cli';
import { dialects, freshDatabaseUrl } from '../support/databases';

const KEY = 'e2e-signing-key-with-more-than-thirty-two-bytes';

const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  call(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('the easyjwt CLI, end to end', function () {
  this.timeout(60000);

  for (const dialect of dialects) {
    it(`serves the README walkthrough on ${dialect} after createuser`, async () => {
      const dir = scratchDir();
      const databaseUrl = dialect === 'sqlite' ? `sqlite:${join(dir, 'data', 'auth.sqlite3')}` : await freshDatabaseUrl(dialect);
      const env = { EASYJWT_DATABASE_URL: databaseUrl, EASYJWT_SIGNING_KEY: KEY };

      const created = await runCli(['createuser', '--email', 'user@test.com', '--password', 'user-pass', '--perm', 'app.view'], env, dir);
      expect(created.code, created.stderr).to.equal(0);
      expect(created.stdout).to.match(/^created user \d+ <user@test\.com>/);

      const server = await serveAuth(env, dir);
      try {
        const obtained = await postJson(`${server.url}/auth/token/`, { email: 'user@test.com', password: 'user-pass' });
        expect(obtained.status).to.equal(200);
        expect(obtained.headers.get('content-type')).to.equal('application/json');
        const { access, refresh } = obtained.body;

        const me = await call(`${server.url}/auth/user/`, { headers: { Authorization: `Bearer ${access}` } });
        expect(me.status).to.equal(200);
        expect(me.body.email).to.equal('user@test.com');

        const refreshed = await postJson(`${server.url}/auth/token/refresh/`, { refresh });
        expect(refreshed.status).to.equal(200);
        expect(Object.keys(refreshed.body)).to.deep.equal(['access']);
        expect(payloadOf(refreshed.body.access).iat).to.equal(payloadOf(refresh).iat);

        expect((await postJson(`${server.url}/auth/token/verify/`, { token: access })).body).to.deep.equal({});
        expect((await postJson(`${server.url}/auth/token/blacklist/`, { refresh })).body).to.deep.equal({});
        const reused = await postJson(`${server.url}/auth/token/refresh/`, { refresh });
        expect(reused.status).to.equal(401);
        expect(reused.body).to.deep.equal({ detail: 'Token is blacklisted', code: 'token_not_valid' });
      } finally {
        expect(await server.stop()).to.equal(0);
      }
    });
  }

  it('refuses to start in production without a signing key, naming the setting', async () => {
    const dir = scratchDir();
    const result = await runCli(['serve', 'auth', '--port', '0'], { NODE_ENV: 'production', EASYJWT_DATABASE_URL: `sqlite:${join(dir, 'a.sqlite3')}` }, dir);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('SIGNING_KEY');
    expect(result.stderr).to.contain('NODE_ENV=production');
    expect(result.stderr).not.to.match(/at .*\.js:\d+/); // a message, not a stack trace
  });

  it('generates a development key once, warns, and keeps using it across restarts', async () => {
    const dir = scratchDir();
    const env = {};
    expect((await runCli(['createuser', '--email', 'dev@test.com', '--password', 'dev-pass-1'], env, dir)).code).to.equal(0);
    const keyPath = join(dir, 'data', 'signing-key');
    expect(existsSync(keyPath)).to.equal(true);
    const key = readFileSync(keyPath, 'utf8');

    const first = await serveAuth(env, dir);
    let access: string;
    try {
      const obtained = await postJson(`${first.url}/auth/token/`, { email: 'dev@test.com', password: 'dev-pass-1' });
      access = obtained.body.access;
    } finally {
      await first.stop();
    }
    expect(readFileSync(keyPath, 'utf8')).to.equal(key);
    const second = await serveAuth(env, dir);
    try {
      const me = await call(`${second.url}/auth/user/`, { headers: { Authorization: `Bearer ${access}` } });
      expect(me.status).to.equal(200);
    } finally {
      await second.stop();
    }
  });

  it('reads settings from the EASYJWT_CONFIG file, with environment variables taking precedence', async () => {
    const dir = scratchDir();
    const configPath = join(dir, 'easyjwt.json');
    writeFileSync(configPath, JSON.stringify({ ACCESS_TOKEN_LIFETIME: '10m', SIGNING_KEY: 'a-key-from-the-file-that-env-will-override!!' }));
    const env = { EASYJWT_CONFIG: configPath, EASYJWT_SIGNING_KEY: KEY, EASYJWT_DATABASE_URL: `sqlite:${join(dir, 'c.sqlite3')}` };
    expect((await runCli(['createuser', '--email', 'cfg@test.com', '--password', 'cfg-pass-1'], env, dir)).code).to.equal(0);
    const server = await serveAuth(env, dir);
    try {
      const { access } = (await postJson(`${server.url}/auth/token/`, { email: 'cfg@test.com', password: 'cfg-pass-1' })).body;
      const claims = payloadOf(access) as { exp: number; iat: number };
      expect(claims.exp - claims.iat).to.equal(600);
      const { jwtVerify } = await import('jose');
      await jwtVerify(access, new TextEncoder().encode(KEY), { algorithms: ['HS256'] });
    } finally {
      await server.stop();
    }
  });

  it('rejects a bad setting in the config file with a message naming the key', async () => {
    const dir = scratchDir();
    const configPath = join(dir, 'bad.json');
    writeFileSync(configPath, JSON.stringify({ ACCESS_TOKEN_LIFETIM: 300 }));
    const result = await runCli(['serve', 'auth', '--port', '0'], { EASYJWT_CONFIG: configPath, EASYJWT_SIGNING_KEY: KEY }, dir);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('Invalid setting ACCESS_TOKEN_LIFETIM: is not a known setting');
  });

  it('migrates a new database once and then reports it up to date', async () => {
    const dir = scratchDir();
    const env = { EASYJWT_DATABASE_URL: `sqlite:${join(dir, 'm.sqlite3')}` };
    const first = await runCli(['migrate'], env, dir);
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout).to.match(/^applied Initial\d+/);
    const second = await runCli(['migrate'], env, dir);
    expect(second.stdout).to.contain('is up to date');
  });

  it('explains what is wrong with a createuser call instead of failing with a stack trace', async () => {
    const dir = scratchDir();
    const env = { EASYJWT_SIGNING_KEY: KEY, EASYJWT_DATABASE_URL: `sqlite:${join(dir, 'u.sqlite3')}` };
    const badEmail = await runCli(['createuser', '--email', 'not-an-email', '--password', 'long-enough-1'], env, dir);
    expect(badEmail.code).to.equal(2);
    expect(badEmail.stderr).to.contain('not a valid email address');
    const weak = await runCli(['createuser', '--email', 'w@test.com', '--password', '123'], env, dir);
    expect(weak.stderr).to.contain('This password is too short');
    const noPassword = await runCli(['createuser', '--email', 'p@test.com'], env, dir);
    expect(noPassword.stderr).to.contain('stdin is not a terminal');
    expect((await runCli(['createuser', '--email', 'd@test.com', '--password', 'dup-pass-1'], env, dir)).code).to.equal(0);
    const duplicate = await runCli(['createuser', '--email', 'D@test.com', '--password', 'dup-pass-1'], env, dir);
    expect(duplicate.stderr).to.contain('already exists');
  });

  it('changepassword revokes the tokens a user holds', async () => {
    const dir = scratchDir();
    const env = { EASYJWT_SIGNING_KEY: KEY, EASYJWT_DATABASE_URL: `sqlite:${join(dir, 'p.sqlite3')}` };
    await runCli(['createuser', '--email', 'c@test.com', '--password', 'old-pass-1'], env, dir);
    const server = await serveAuth(env, dir);
    try {
      const { refresh } = (await postJson(`${server.url}/auth/token/`, { email: 'c@test.com', password: 'old-pass-1' })).body;
      const changed = await runCli(['changepassword', '--email', 'c@test.com', '--password', 'new-pass-1'], env, dir);
      expect(changed.code, changed.stderr).to.equal(0);
      expect(changed.stdout).to.contain('revoked 2 token(s)');
      const refused = await postJson(`${server.url}/auth/token/refresh/`, { refresh });
      expect(refused.status).to.equal(401);
      expect(refused.body.code).to.equal('password_changed');
      expect((await postJson(`${server.url}/auth/token/`, { email: 'c@test.com', password: 'new-pass-1' })).status).to.equal(200);
    } finally {
      await server.stop();
    }
  });
});
