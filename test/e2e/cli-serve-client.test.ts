// `easyjwt serve client` end to end: the compiled CLI serves the demo client-service in front of
// `easyjwt serve auth`, shares the development key, reads the shared config file, and refuses bad
// settings with one line and exit code 2.
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call } from '../support/auth-service';
import { runCli, scratchDir, serveAuth } from '../support/cli';
import type { Served } from '../support/cli-serve';
import { serveRole } from '../support/cli-serve';
import { generateTestKey, signerFor, startJwksServer } from '../support/jwks-server';

const KEY = 'e2e-signing-key-with-more-than-thirty-two-bytes';

const postJson = (url: string, body: unknown) => call(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** Starts `easyjwt serve client --port 0` and resolves once it listens. */
const serveClient = (env: Record<string, string>, cwd: string, args: string[]): Promise<Served> => serveRole('client', env, cwd, args);

describe('easyjwt serve client', function () {
  this.timeout(60000);

  it("verifies locally with the auth-service's development key and serves GET /api/test/", async () => {
    const dir = scratchDir();
    expect((await runCli(['createuser', '--email', 'user@test.com', '--password', 'user-pass'], {}, dir)).code).to.equal(0);
    const auth = await serveAuth({}, dir);
    try {
      const client = await serveClient({}, dir, ['--auth-url', auth.url]);
      try {
        expect(client.line).to.equal(
          `easyjwt client-service listening on ${client.url}/ (local verification against ${auth.url}: a SIGNING_KEY is configured)`,
        );
        expect(client.stderr()).to.contain("using the auth-service's development key");
        const login = await postJson(`${client.url}/auth/token/`, { email: 'user@test.com', password: 'user-pass' });
        expect(login.status).to.equal(200);
        const success = await call(`${client.url}/api/test/`, { headers: { Authorization: `Bearer ${login.body.access}` } });
        expect(success.text).to.equal('"success"');
        expect((await call(`${client.url}/api/test/`)).status).to.equal(401);
      } finally {
        expect(await client.stop()).to.equal(0);
      }
    } finally {
      expect(await auth.stop()).to.equal(0);
    }
  });

  it('verifies remotely, with a warning, when it has no key and no development key is there', async () => {
    const authDir = scratchDir();
    const env = { EASYJWT_SIGNING_KEY: KEY, EASYJWT_DATABASE_URL: `sqlite:${join(authDir, 'auth.sqlite3')}` };
    await runCli(['createuser', '--email', 'user@test.com', '--password', 'user-pass'], env, authDir);
    const auth = await serveAuth(env, authDir);
    try {
      const client = await serveClient({ EASYJWT_AUTH_URL: auth.url }, scratchDir(), []);
      try {
        expect(client.line).to.contain('(remote verification against');
        expect(client.stderr()).to.contain('remote mode');
        const { access } = (await postJson(`${client.url}/auth/token/`, { email: 'user@test.com', password: 'user-pass' })).body;
        expect((await call(`${client.url}/api/test/`, { headers: { Authorization: `Bearer ${access}` } })).text).to.equal('"success"');
      } finally {
        expect(await client.stop()).to.equal(0);
      }
    } finally {
      await auth.stop();
    }
  });

  it('verifies with the keys the auth-service publishes when it has none of its own, and says why', async () => {
    const key = generateTestKey('ES256');
    const server = await startJwksServer([key.jwk]);
    try {
      const client = await serveClient({ EASYJWT_AUTH_URL: server.url }, scratchDir(), []);
      try {
        const jwks = `${server.url}/.well-known/jwks.json`;
        expect(client.line).to.equal(
          `easyjwt client-service listening on ${client.url}/ (jwks verification against ${server.url}: no key configured, and the auth-service publishes 1 usable key at ${jwks})`,
        );
        const access = signerFor(key).pairFor(7).access.token;
        expect((await call(`${client.url}/api/test/`, { headers: { Authorization: `Bearer ${access}` } })).text).to.equal('"success"');
        expect(server.fetches()).to.equal(1);
      } finally {
        expect(await client.stop()).to.equal(0);
      }
    } finally {
      await server.close();
    }
  });

  it('takes its own keys from a config file shared with the auth-service', async () => {
    const dir = scratchDir();
    const config = join(dir, 'easyjwt.json');
    // ROTATE_REFRESH_TOKENS is the auth-service's, REMOTE_VERIFY_CACHE_TTL the client's: both start.
    writeFileSync(config, JSON.stringify({ ACCESS_TOKEN_LIFETIME: '10m', ROTATE_REFRESH_TOKENS: true, REMOTE_VERIFY_CACHE_TTL: 10 }));
    const env = { EASYJWT_CONFIG: config, EASYJWT_SIGNING_KEY: KEY, EASYJWT_DATABASE_URL: `sqlite:${join(dir, 'auth.sqlite3')}` };
    await runCli(['createuser', '--email', 'user@test.com', '--password', 'user-pass'], env, dir);
    const auth = await serveAuth(env, dir);
    try {
      const client = await serveClient({ ...env, EASYJWT_AUTH_URL: auth.url, EASYJWT_TOKEN_VERIFICATION: 'remote' }, dir, []);
      try {
        expect(client.line).to.contain('remote verification');
        const login = await postJson(`${client.url}/auth/token/`, { email: 'user@test.com', password: 'user-pass' });
        const refreshed = await postJson(`${client.url}/auth/token/refresh/`, { refresh: login.body.refresh });
        expect(Object.keys(refreshed.body)).to.deep.equal(['access', 'refresh']); // rotation, passed through
      } finally {
        expect(await client.stop()).to.equal(0);
      }
    } finally {
      await auth.stop();
    }
    const settings = await runCli(['settings', '--client'], { EASYJWT_CONFIG: config }, dir);
    expect(settings.stdout).to.match(/REMOTE_VERIFY_CACHE_TTL\s+10\n/);
    expect(settings.stdout).not.to.contain('ROTATE_REFRESH_TOKENS');
  });

  it('refuses a key neither service knows, a missing auth URL and a bad one with one line and exit code 2', async () => {
    const dir = scratchDir();
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ REMOTE_AUTH_SERVICE_URLL: 'http://127.0.0.1:8000' }));
    const unknown = await runCli(['serve', 'client', '--port', '0', '--auth-url', 'http://127.0.0.1:8000'], { EASYJWT_CONFIG: config }, dir);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr.trim()).to.match(/^easyjwt: Invalid setting REMOTE_AUTH_SERVICE_URLL: is not a known setting/);

    const missing = await runCli(['serve', 'client', '--port', '0'], {}, dir);
    expect(missing.code).to.equal(2);
    expect(missing.stderr.trim().split('\n')).to.deep.equal([
      'easyjwt: Invalid setting REMOTE_AUTH_SERVICE_URL: is required: pass --auth-url http://127.0.0.1:8000 or set EASYJWT_AUTH_URL',
    ]);

    const bad = await runCli(['serve', 'client', '--port', '0', '--auth-url', 'ftp://auth'], { EASYJWT_SIGNING_KEY: KEY }, dir);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('Invalid setting REMOTE_AUTH_SERVICE_URL: must be an http(s) URL');

    const local = await runCli(['serve', 'client', '--port', '0', '--auth-url', 'http://127.0.0.1:8000'], { EASYJWT_TOKEN_VERIFICATION: 'local' }, dir);
    expect(local.code).to.equal(2);
    expect(local.stderr).to.contain('Invalid setting SIGNING_KEY: is required for TOKEN_VERIFICATION=local');
  });

  it('prints the client settings table as Markdown', async () => {
    const table = await runCli(['settings', '--client', '--markdown'], {}, scratchDir());
    expect(table.code).to.equal(0);
    expect(table.stdout).to.contain('| `REMOTE_AUTH_SERVICE_URL` | `(required)` |');
    expect(table.stdout).to.contain('| `PORT` | `8001` |');
  });
});
