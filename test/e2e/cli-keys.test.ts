// `easyjwt keys` end to end: a real `serve auth` on the key store, keys generated, rotated, listed
// and retired from the command line while it runs, seen through its JWKS and its tokens.
import { expect } from 'chai';
import { createPrivateKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call } from '../support/auth-service';
import { runCli, scratchDir, serveAuth } from '../support/cli';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 200 ms until it is true, for at most `ms`. */
async function eventually(ms: number, check: () => Promise<boolean>): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`not true within ${ms} ms`);
    await sleep(200);
  }
}
const kidOf = (token: string): unknown => (JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as { kid?: unknown }).kid;

describe('easyjwt keys', function () {
  this.timeout(120000);

  it('prints a private key PEM for SIGNING_KEY, and refuses to for HS*', async () => {
    const dir = scratchDir();
    const printed = await runCli(['keys', 'generate', '--print', '--alg', 'EdDSA'], {}, dir);
    expect(printed.code, printed.stderr).to.equal(0);
    expect(createPrivateKey(printed.stdout).asymmetricKeyType).to.equal('ed25519');
    const hs = await runCli(['keys', 'generate', '--print'], {}, dir);
    expect(hs.code).to.equal(2);
    expect(hs.stderr).to.contain('--alg');
  });

  it('refuses to manage the key store when SIGNING_KEY is set', async () => {
    const dir = scratchDir();
    const result = await runCli(['keys', 'list'], { EASYJWT_SIGNING_KEY: 'k'.repeat(40), EASYJWT_DATABASE_URL: `sqlite:${join(dir, 'a.sqlite3')}` }, dir);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('key store');
  });

  it('generates, rotates, lists and retires keys under a running auth-service', async () => {
    const dir = scratchDir();
    const config = join(dir, 'easyjwt.json');
    writeFileSync(config, JSON.stringify({ ALGORITHM: 'ES256', KEY_RELOAD_INTERVAL: 1, KEY_ACTIVATION_DELAY: 2, LOG_LEVEL: 'warn' }));
    const env = { EASYJWT_CONFIG: config, EASYJWT_DATABASE_URL: `sqlite:${join(dir, 'auth.sqlite3')}` };
    const cli = (...args: string[]) => runCli(args, env, dir);

    const generated = await cli('keys', 'generate');
    expect(generated.code, generated.stderr).to.equal(0);
    const first = /^generated (\S+)\s+ES256\s+signing since/.exec(generated.stdout)?.[1] ?? '';
    expect(first, generated.stdout).to.not.equal('');
    expect((await cli('createuser', '--email', 'ann@example.com', '--password', 'ann-password-1')).code).to.equal(0);

    const server = await serveAuth(env, dir);
    try {
      const login = async () => {
        const answer = await call(`${server.url}/auth/token/`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email: 'ann@example.com', password: 'ann-password-1' }),
        });
        expect(answer.status, answer.text).to.equal(200);
        return answer.body as { access: string; refresh: string };
      };
      const kids = async () => ((await call(`${server.url}/.well-known/jwks.json`)).body.keys as { kid: string }[]).map((key) => key.kid);
      const verifies = async (token: string) =>
        (await call(`${server.url}/auth/token/verify/`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token }) }))
          .status === 200;

      const old = await login();
      expect(kidOf(old.access)).to.equal(first);
      expect(await kids()).to.deep.equal([first]);

      const rotated = await cli('keys', 'rotate');
      expect(rotated.code, rotated.stderr).to.equal(0);
      const second = /^created (\S+)\s+ES256\s+published, signs from/.exec(rotated.stdout)?.[1] ?? '';
      expect(second, rotated.stdout).to.not.equal('');
      expect(rotated.stdout).to.contain(`retiring ${first}: verifies until`);

      // Published within a reload (1 s); signing after the activation delay (2 s).
      await eventually(5000, async () => (await kids()).length === 2);
      expect((await kids()).sort()).to.deep.equal([first, second].sort());
      await eventually(8000, async () => kidOf((await login()).access) === second);
      const fresh = await login();
      expect(await verifies(old.access)).to.equal(true);

      const listed = await cli('keys', 'list');
      expect(listed.stdout).to.match(new RegExp(`${first}\\s+ES256\\s+verifying until`));
      expect(listed.stdout).to.match(new RegExp(`${second}\\s+ES256\\s+signing since`));

      const retired = await cli('keys', 'retire', first);
      expect(retired.code, retired.stderr).to.equal(0);
      await eventually(5000, async () => !(await verifies(old.access)));
      expect(await verifies(fresh.access)).to.equal(true);
      expect(await kids()).to.deep.equal([second]);
      expect((await cli('keys', 'list')).stdout).to.match(new RegExp(`${first}\\s+ES256\\s+retired`));
      const again = await cli('keys', 'retire', 'no-such-kid');
      expect(again.code).to.equal(2);
      expect(again.stderr).to.contain('no key with kid no-such-kid');
    } finally {
      await server.stop();
    }
  });
});
