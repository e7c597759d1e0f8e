// `npm run demo` end to end: the compiled script starts both services on free ports, django-easyjwt's
// walkthrough runs against the client-service over HTTP (and the README's curl block as written),
// and SIGTERM stops everything with exit code 0.
import { expect } from 'chai';
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { call } from '../support/auth-service';
import { scratchDir } from '../support/cli';

const ROOT = join(__dirname, '..', '..', '..');
const DEMO = join(__dirname, '..', '..', 'scripts', 'demo.js');

const postJson = (url: string, body: unknown) => call(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** A running demo and the two URLs it printed. */
interface RunningDemo {
  readonly child: ChildProcess;
  readonly authUrl: string;
  readonly clientUrl: string;
  readonly stdout: () => string;
  /** Sends SIGTERM; resolves with the exit code, or the signal's name if one killed it. */
  stop(): Promise<number | string | null>;
}

function startDemo(cwd: string, extraEnv: Record<string, string> = {}): Promise<RunningDemo> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, DEMO_AUTH_PORT: '0', DEMO_CLIENT_PORT: '0', ...extraEnv };
  const child = spawn(process.execPath, [DEMO], { cwd, env });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the demo did not start in time\n${stdout}\n${stderr}`));
    }, 30000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited with ${String(code)} before listening\n${stderr}`));
    });
    let started = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const auth = /auth-service listening on (http:\/\/127\.0\.0\.1:\d+)\/auth\//.exec(stdout);
      const client = /client-service listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout);
      // Once only: the demo prints more when it stops, and stop() has its own exit listener then.
      if (started || !auth || !client || !stdout.includes('Ctrl-C')) return;
      started = true;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        child,
        authUrl: auth[1],
        clientUrl: client[1],
        stdout: () => stdout,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done(child.exitCode);
            child.once('exit', (code, signal) => done(code ?? signal));
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

/** The shell block between the `<!-- name -->` markers of README.md. */
function readmeBlock(name: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const match = new RegExp(`<!-- ${name} -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\`\\s*<!-- /${name} -->`).exec(readme);
  if (!match) throw new Error(`README.md has no ${name} block`);
  return match[1];
}

/** The shell block between the client-walkthrough markers of README.md. */
const readmeClientWalkthrough = (): string => readmeBlock('client-walkthrough');

describe('npm run demo', function () {
  this.timeout(90000);

  let demo: RunningDemo | undefined;
  afterEach(async () => {
    if (demo && demo.child.exitCode === null) demo.child.kill('SIGKILL');
    demo = undefined;
  });

  it("serves django-easyjwt's walkthrough through the client-service with DEMO_DELIVERY_MODE=json and stops cleanly on SIGTERM", async () => {
    const dir = scratchDir();
    demo = await startDemo(dir, { DEMO_DELIVERY_MODE: 'json' });
    expect(demo.stdout()).to.contain('local verification');
    for (const email of ['admin@test.com', 'staff@test.com', 'user@test.com']) expect(demo.stdout()).to.contain(email);

    // Obtain a pair at the client, which forwards to the auth-service and keeps a user copy.
    const login = await postJson(`${demo.clientUrl}/auth/token/`, { email: 'user@test.com', password: 'user-pass' });
    expect(login.status).to.equal(200);
    expect(Object.keys(login.body)).to.deep.equal(['refresh', 'access']);
    const { access, refresh } = login.body;

    const success = await call(`${demo.clientUrl}/api/test/`, { headers: { Authorization: `Bearer ${access}` } });
    expect(success.status).to.equal(200);
    expect(success.text).to.equal('"success"');
    expect((await call(`${demo.clientUrl}/api/test/`)).status).to.equal(401);

    const refreshed = await postJson(`${demo.clientUrl}/auth/token/refresh/`, { refresh });
    expect(refreshed.status).to.equal(200);
    expect(Object.keys(refreshed.body)).to.deep.equal(['access']);
    expect((await call(`${demo.clientUrl}/api/test/`, { headers: { Authorization: `Bearer ${refreshed.body.access}` } })).text).to.equal('"success"');
    expect((await postJson(`${demo.clientUrl}/auth/token/verify/`, { token: access })).body).to.deep.equal({});

    // The other two users exist with their roles on the auth-service.
    const adminLogin = await postJson(`${demo.authUrl}/auth/token/`, { email: 'admin@test.com', password: 'admin-pass' });
    const admin = await call(`${demo.authUrl}/auth/user/`, { headers: { Authorization: `Bearer ${adminLogin.body.access}` } });
    expect(admin.body).to.include({ is_staff: true, is_superuser: true });
    const staffLogin = await postJson(`${demo.authUrl}/auth/token/`, { email: 'staff@test.com', password: 'staff-pass' });
    const staff = await call(`${demo.authUrl}/auth/user/`, { headers: { Authorization: `Bearer ${staffLogin.body.access}` } });
    expect(staff.body).to.include({ is_staff: true, is_superuser: false });

    expect(await demo.stop()).to.equal(0);
  });

  it('runs the README client-service walkthrough as written with curl', async function () {
    const curl = await new Promise<boolean>((resolve) => execFile('curl', ['--version'], (error) => resolve(!error)));
    if (!curl) {
      console.warn('    curl is not installed: the README client-service walkthrough cannot be run here');
      this.skip();
    }
    demo = await startDemo(scratchDir());
    const script = readmeClientWalkthrough().replaceAll('http://127.0.0.1:8001', demo.clientUrl).replaceAll('http://127.0.0.1:8000', demo.authUrl);
    const output = await new Promise<string>((resolve, reject) =>
      execFile('bash', ['-euo', 'pipefail', '-c', script], { cwd: ROOT, timeout: 60000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    expect(output).to.contain('"success"');
    expect(output).to.contain('"email":"user@test.com"');
    expect(output).to.match(/"csrf_token":"[\w-]{43}"/);
    expect(output).to.contain('"detail":"CSRF Failed: CSRF token missing.","code":"csrf_missing"');
    expect(output.trim().endsWith('{}')).to.equal(true);
    expect(await demo.stop()).to.equal(0);
  });

  it("runs the README json-mode walkthrough (django-easyjwt's) as written with curl, under DEMO_DELIVERY_MODE=json", async function () {
    const curl = await new Promise<boolean>((resolve) => execFile('curl', ['--version'], (error) => resolve(!error)));
    if (!curl) {
      console.warn('    curl is not installed: the README client-service walkthrough cannot be run here');
      this.skip();
    }
    demo = await startDemo(scratchDir(), { DEMO_DELIVERY_MODE: 'json' });
    const script = readmeBlock('client-walkthrough-json').replaceAll('http://127.0.0.1:8001', demo.clientUrl).replaceAll('http://127.0.0.1:8000', demo.authUrl);
    const output = await new Promise<string>((resolve, reject) =>
      execFile('bash', ['-euo', 'pipefail', '-c', script], { cwd: ROOT, timeout: 60000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    expect(output).to.contain('"success"');
    expect(output).to.match(/\{"access":"[\w-]+\.[\w-]+\.[\w-]+"\}/);
    expect(output).to.contain('"email":"user@test.com"');
    expect(output.trim().endsWith('{}')).to.equal(true);
    expect(await demo.stop()).to.equal(0);
  });

  it('serves the demo page at /app/ and says where it is', async () => {
    demo = await startDemo(scratchDir());
    expect(demo.stdout()).to.contain(`demo page: ${demo.clientUrl}/app/ (two-cookies, Secure off: plain http)`);
    const page = await call(`${demo.clientUrl}/app/`);
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-type')).to.equal('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).to.contain("script-src 'self'");
    expect(page.text).to.contain('<script src="app.js" defer></script>');
    expect((await call(`${demo.clientUrl}/app/app.js`)).headers.get('content-type')).to.equal('text/javascript; charset=utf-8');
    expect((await call(`${demo.clientUrl}/app/../package.json`)).status).to.equal(404);
    expect(await demo.stop()).to.equal(0);
  });

  it('keeps its users across restarts without creating them twice', async () => {
    const dir = scratchDir();
    demo = await startDemo(dir);
    expect(await demo.stop()).to.equal(0);
    demo = await startDemo(dir);
    const login = await postJson(`${demo.authUrl}/auth/token/`, { email: 'admin@test.com', password: 'admin-pass' });
    expect(login.status).to.equal(200);
    const me = await call(`${demo.authUrl}/auth/user/`, { headers: { Authorization: `Bearer ${login.body.access}` } });
    expect(me.body.id).to.equal(1);
    expect(await demo.stop()).to.equal(0);
  });
});
