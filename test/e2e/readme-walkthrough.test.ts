// The README's walkthrough, run as written: `npm start`, then its shell block with bash and curl.
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '../support/cli';

const ROOT = join(__dirname, '..', '..', '..');

/** The shell block between the walkthrough markers of README.md. */
function walkthroughScript(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const match = /<!-- walkthrough -->\s*```sh\n([\s\S]*?)```\s*<!-- \/walkthrough -->/.exec(readme);
  if (!match) throw new Error('README.md has no walkthrough block');
  return match[1];
}

describe('the README walkthrough', function () {
  this.timeout(90000);

  it('works as written against `npm start`', async function () {
    const curl = await new Promise<boolean>((resolve) => execFile('curl', ['--version'], (error) => resolve(!error)));
    if (!curl) {
      console.warn('    curl is not installed: the README walkthrough cannot be run here');
      this.skip();
    }
    const dir = scratchDir();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      EASYJWT_DATA_DIR: join(dir, 'data'),
      EASYJWT_DATABASE_URL: `sqlite:${join(dir, 'data', 'easyjwt.sqlite3')}`,
      EASYJWT_LOG_LEVEL: 'warn',
    };
    delete env.EASYJWT_SIGNING_KEY; // as on a fresh machine: the development key is generated
    // npm start on a port of its own, in its own process group so the whole group can be stopped.
    const server = spawn('npm', ['start', '--', '--port', '0'], { cwd: ROOT, env, detached: true });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error('npm start did not listen in time')), 30000);
        server.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
        server.once('exit', (code) => reject(new Error(`npm start exited with ${String(code)}`)));
      });
      const script = walkthroughScript().replaceAll('http://127.0.0.1:8000', url);
      const output = await new Promise<string>((resolve, reject) =>
        execFile('bash', ['-euo', 'pipefail', '-c', script], { cwd: ROOT, env, timeout: 60000 }, (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
        ),
      );
      expect(output).to.contain('created user 1 <user@test.com>');
      expect(output).to.contain('"email":"user@test.com"');
      expect(output).to.match(/\{"access":"[\w-]+\.[\w-]+\.[\w-]+"\}/);
      expect(output).to.contain('{}{}');
      expect(output.trim().endsWith('{"detail":"Token is blacklisted","code":"token_not_valid"}')).to.equal(true);
    } finally {
      if (server.pid && server.exitCode === null) process.kill(-server.pid, 'SIGTERM');
    }
  });
});
