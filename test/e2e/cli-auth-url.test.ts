// `serve client` and the auth-service it names: a URL with the endpoints' /auth/ in it is refused
// at once, an auth-service that does not answer (or answers like something else) is warned about
// at start-up, and a client whose key differs from the auth-service's says so once.
import { expect } from 'chai';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { call } from '../support/auth-service';
import { runCli, scratchDir } from '../support/cli';
import type { Served } from '../support/cli-serve';
import { serveRole } from '../support/cli-serve';

const KEY = 'e2e-signing-key-with-more-than-thirty-two-bytes';
const OTHER_KEY = 'another-signing-key-also-more-than-thirty-two-bytes';

const postJson = (url: string, body: unknown) => call(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** Waits until `served`'s stderr matches `pattern` (the warning may come after the listening line). */
async function stderrMatching(served: Served, pattern: RegExp): Promise<string> {
  for (let i = 0; i < 100 && !pattern.test(served.stderr()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return served.stderr();
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('e2e: serve client and its --auth-url', function () {
  this.timeout(60000);

  it('refuses a URL that ends with /auth/ with one line and exit code 2', async () => {
    const result = await runCli(['serve', 'client', '--port', '0', '--auth-url', 'http://127.0.0.1:8000/auth/'], {}, scratchDir());
    expect(result.code).to.equal(2);
    expect(result.stderr).to.equal(
      'easyjwt: Invalid setting REMOTE_AUTH_SERVICE_URL: must be the auth-service\'s base URL, without /auth/ (the client adds /auth/token/ to it): use "http://127.0.0.1:8000", not "http://127.0.0.1:8000/auth"\n',
    );
  });

  it('starts with a warning when the auth-service does not answer', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const client = await serveRole('client', { EASYJWT_SIGNING_KEY: KEY }, scratchDir(), ['--auth-url', `http://127.0.0.1:${port}`]);
    try {
      const stderr = await stderrMatching(client, /does not answer/);
      expect(stderr).to.contain(`the auth-service at http://127.0.0.1:${port} does not answer: logins and remote verification get 503 until it does`);
      // Running all the same: a login is a 503 until the auth-service is there.
      expect((await postJson(`${client.url}/auth/token/`, { email: 'a@b.c', password: 'x' })).status).to.equal(503);
    } finally {
      expect(await client.stop()).to.equal(0);
    }
  });

  describe('a URL that answers like something else', () => {
    let other: Server;
    let url: string;
    before(async () => {
      other = createServer((req, res) => res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"not here"}'));
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    });
    after(() => new Promise((resolve) => other.close(resolve)));

    it('starts with a warning naming the answer', async () => {
      const client = await serveRole('client', { EASYJWT_SIGNING_KEY: KEY }, scratchDir(), ['--auth-url', url]);
      try {
        const stderr = await stderrMatching(client, /does not answer like an auth-service/);
        expect(stderr).to.contain(`${url} does not answer like an auth-service: POST /auth/token/ with no credentials got 404, not 400 with field errors`);
      } finally {
        expect(await client.stop()).to.equal(0);
      }
    });
  });

  it('says nothing about a real auth-service, and warns once when every token fails the signature check', async () => {
    const dir = scratchDir();
    const env = { EASYJWT_SIGNING_KEY: KEY, EASYJWT_DATABASE_URL: `sqlite:${join(dir, 'auth.sqlite3')}` };
    await runCli(['createuser', '--email', 'user@test.com', '--password', 'user-pass'], env, dir);
    const auth = await serveRole('auth', env, dir);
    try {
      const client = await serveRole('client', { EASYJWT_SIGNING_KEY: OTHER_KEY, EASYJWT_LOG_LEVEL: 'info' }, scratchDir(), ['--auth-url', auth.url]);
      try {
        const login = await postJson(`${client.url}/auth/token/`, { email: 'user@test.com', password: 'user-pass' });
        expect(login.status).to.equal(200);
        for (let i = 0; i < 12; i++) {
          const refused = await call(`${client.url}/api/test/`, { headers: { Authorization: `Bearer ${login.body.access}` } });
          expect(refused.status).to.equal(401);
          expect(refused.body.code).to.equal('token_not_valid');
        }
        const stderr = await stderrMatching(client, /probably differs/);
        expect(count(stderr, "SIGNING_KEY (or VERIFYING_KEY) probably differs from the auth-service's")).to.equal(1);
        expect(stderr).not.to.contain('does not answer');
      } finally {
        expect(await client.stop()).to.equal(0);
      }
    } finally {
      await auth.stop();
    }
  });
});
