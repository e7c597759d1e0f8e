// Failures of the environment (a wrong database name or password, a database server that is not
// there, a port already taken) are the operator's to fix: `easyjwt` says so in one line on stderr
// and exits with 2, with no stack trace.
import { expect } from 'chai';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import type { CliResult } from '../support/cli';
import { runCli, scratchDir } from '../support/cli';
import { serveRole } from '../support/cli-serve';

const KEY = 'e2e-signing-key-with-more-than-thirty-two-bytes';

/**
 * Exit 2, and one line of message on stderr with no stack frame; the log records written before
 * the failure (JSON, one per line: "database migrated") are not part of the message.
 */
function expectOneLine(result: CliResult, pattern: RegExp): void {
  expect(result.code, result.stderr).to.equal(2);
  expect(result.stderr).not.to.include('    at ');
  const lines = result.stderr
    .trimEnd()
    .split('\n')
    .filter((line) => !line.startsWith('{"level":'));
  expect(lines, result.stderr).to.have.length(1);
  expect(lines[0]).to.match(pattern);
}

/** A port nothing listens on: one the system gave out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('e2e: operator errors are one line with exit code 2', function () {
  this.timeout(60000);
  let dir: string;
  beforeEach(() => {
    dir = scratchDir();
  });

  it('a refused database connection', async () => {
    const port = await closedPort();
    const result = await runCli(
      ['serve', 'auth', '--port', '0'],
      { EASYJWT_SIGNING_KEY: KEY, EASYJWT_DATABASE_URL: `mysql://root@127.0.0.1:${port}/test` },
      dir,
    );
    expectOneLine(result, new RegExp(`^easyjwt: cannot connect to the database at 127\\.0\\.0\\.1:${port}: connection refused`));
  });

  it('a refused database connection in `migrate` too', async () => {
    const port = await closedPort();
    const result = await runCli(['migrate'], { EASYJWT_DATABASE_URL: `mysql://root@127.0.0.1:${port}/test` }, dir);
    expectOneLine(result, /^easyjwt: cannot connect to the database at .*connection refused/);
  });

  describe('a port in use', () => {
    let taken: Server;
    let port: number;
    before(async () => {
      taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      port = (taken.address() as AddressInfo).port;
    });
    after(() => new Promise((resolve) => taken.close(resolve)));

    it('serve auth', async () => {
      const result = await runCli(
        ['serve', 'auth', '--port', String(port)],
        { EASYJWT_SIGNING_KEY: KEY, EASYJWT_DATABASE_URL: `sqlite:${dir}/auth.sqlite3` },
        dir,
      );
      expectOneLine(result, new RegExp(`^easyjwt: cannot listen on 127\\.0\\.0\\.1:${port}: the address is already in use`));
    });
  });

  const mysql = process.env.EASYJWT_TEST_MYSQL_URL;
  (mysql ? describe : describe.skip)('MariaDB', () => {
    const withDatabase = (change: (url: URL) => void) => {
      const url = new URL(mysql as string);
      change(url);
      return url.toString();
    };

    it('an unknown database', async () => {
      const url = withDatabase((u) => (u.pathname = '/easyjwt_no_such_database'));
      const result = await runCli(['serve', 'auth', '--port', '0'], { EASYJWT_SIGNING_KEY: KEY, EASYJWT_DATABASE_URL: url }, dir);
      expectOneLine(result, /^easyjwt: cannot open the database: Unknown database 'easyjwt_no_such_database' \(check DATABASE_URL\)$/);
    });

    it('a wrong password', async () => {
      const url = withDatabase((u) => (u.password = 'certainly-not-the-password'));
      const result = await runCli(['serve', 'auth', '--port', '0'], { EASYJWT_SIGNING_KEY: KEY, EASYJWT_DATABASE_URL: url }, dir);
      expectOneLine(result, /^easyjwt: cannot open the database: Access denied for user/);
    });
  });
});

describe('e2e: the development-key warning', function () {
  this.timeout(60000);

  it('comes from `serve auth`, which signs with the key, not from `createuser`, which does not', async () => {
    const dir = scratchDir();
    const env = { EASYJWT_DATABASE_URL: `sqlite:${dir}/auth.sqlite3` };
    const created = await runCli(['createuser', '--email', 'user@test.com', '--password', 'user-pass'], env, dir);
    expect(created.code, created.stderr).to.equal(0);
    expect(created.stderr).not.to.contain('signing key');
    const served = await serveRole('auth', env, dir);
    try {
      // stderr and stdout are separate pipes: the warning, written first, may be read second.
      for (let i = 0; i < 100 && !served.stderr().includes('signing key'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(served.stderr()).to.contain('no signing key configured: using the development key from the data folder');
    } finally {
      expect(await served.stop()).to.equal(0);
    }
  });
});
