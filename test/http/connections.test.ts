// Connections a client cannot make hang or hold: an answer given before the body was read closes
// the socket (so a request reusing it is never left unanswered), and requests that arrive too
// slowly, or too many sockets at once, are cut off by the settings' bounds. Both services, over
// raw sockets, since an HTTP client would hide all of it.
import { expect } from 'chai';
import { DemoController } from '../../src/controllers/client-service/demo-controller';
import type { SettingsInput } from '../../src/settings';
import { startAuthService, TEST_KEY } from '../support/auth-service';
import { startClientService } from '../support/client-service';
import { forEachDialect } from '../support/databases';
import type { RawConnection } from '../support/raw-socket';
import { openRaw, waitUntil } from '../support/raw-socket';

/** A service under test: where it listens, a POST endpoint that parses a body, a GET endpoint. */
interface Target {
  readonly url: string;
  readonly postPath: string;
  readonly getPath: string;
  close(): Promise<void>;
}

type Starter = (dialect: Parameters<typeof startAuthService>[0], overrides: SettingsInput) => Promise<Target>;

const SERVICES: [string, Starter][] = [
  [
    'auth-service',
    async (dialect, overrides) => {
      const auth = await startAuthService(dialect, overrides);
      return { url: auth.url, postPath: '/auth/token/', getPath: '/auth/user/', close: () => auth.close() };
    },
  ],
  [
    'client-service',
    async (dialect, overrides) => {
      const auth = await startAuthService(dialect);
      const client = await startClientService(
        dialect,
        { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY, ...overrides },
        { controllers: [DemoController] },
      );
      return {
        url: client.url,
        postPath: '/api/test/',
        getPath: '/api/test/',
        close: async () => {
          await client.close();
          await auth.close();
        },
      };
    },
  ],
];

/** The head of the first answer on a connection. */
const firstHead = (connection: RawConnection): string => connection.received().split('\r\n\r\n')[0];

forEachDialect((dialect) => {
  for (const [name, start] of SERVICES) {
    describe(`connections of the ${name}`, () => {
      let target: Target;
      const opened: RawConnection[] = [];
      const open = async (from?: string): Promise<RawConnection> => {
        const connection = await openRaw(target.url, from);
        opened.push(connection);
        return connection;
      };
      afterEach(async () => {
        for (const connection of opened.splice(0)) connection.destroy();
        await target.close();
      });

      describe('answers given before the body was read', () => {
        beforeEach(async () => (target = await start(dialect, { BODY_LIMIT: 1024 })));

        it('close the connection after a 413 on a chunked body, so a request sent after it on the socket is never left hanging', async () => {
          const connection = await open();
          const chunk = 'x'.repeat(16 * 1024);
          connection.write(`POST ${target.postPath} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
          // A megabyte, more than the socket buffers hold, so the server has to read or drop it.
          for (let i = 0; i < 64; i++) connection.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
          connection.write('0\r\n\r\n');
          connection.write(`GET ${target.getPath} HTTP/1.1\r\nHost: test\r\n\r\n`);
          // Either the second request is answered too, or the server closed: silence is the bug.
          const settled = await waitUntil(() => connection.closed() || connection.statuses().length >= 2, 5000);
          expect(settled, `neither answered nor closed; received: ${connection.received()}`).to.equal(true);
          expect(connection.statuses()[0]).to.equal(413);
          expect(firstHead(connection)).to.match(/\r\nConnection: close\r\n/i);
          expect(connection.received()).to.include('"code":"payload_too_large"');
          expect(await waitUntil(() => connection.closed(), 2000)).to.equal(true);
        });

        it('close it after a 413 on a declared Content-Length too large, before any of the body is read', async () => {
          const connection = await open();
          connection.write(`POST ${target.postPath} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"a":"`);
          expect(await waitUntil(() => connection.closed(), 5000)).to.equal(true);
          expect(connection.statuses()).to.deep.equal([413]);
          expect(firstHead(connection)).to.match(/\r\nConnection: close\r\n/i);
        });

        it('close it after a 415 refusing the body unread', async () => {
          const connection = await open();
          const body = 'a'.repeat(200);
          connection.write(`POST ${target.postPath} HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
          expect(await waitUntil(() => connection.closed(), 5000)).to.equal(true);
          expect(connection.statuses()).to.deep.equal([415]);
          expect(firstHead(connection)).to.match(/\r\nConnection: close\r\n/i);
          expect(firstHead(connection)).to.match(/\r\nContent-Type: application\/json\r\n/i);
        });

        it('close it after a refusal that never read the body (no Content-Type: 400 at login, 401 at a guarded route)', async () => {
          const connection = await open();
          const chunk = 'x'.repeat(16 * 1024);
          connection.write(`POST ${target.postPath} HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n`);
          for (let i = 0; i < 64; i++) connection.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
          connection.write('0\r\n\r\n');
          connection.write(`GET ${target.getPath} HTTP/1.1\r\nHost: test\r\n\r\n`);
          expect(await waitUntil(() => connection.closed(), 5000), `not closed; received: ${connection.received()}`).to.equal(true);
          expect(connection.statuses()[0]).to.be.oneOf([400, 401]);
          expect(firstHead(connection)).to.match(/\r\nConnection: close\r\n/i);
        });

        it('keep answered requests alive: a GET and a POST whose body was read share one socket', async () => {
          const connection = await open();
          connection.write(`GET ${target.getPath} HTTP/1.1\r\nHost: test\r\n\r\n`);
          expect(await waitUntil(() => connection.statuses().length === 1, 5000)).to.equal(true);
          const body = '{"email":"nobody@test.com","password":"x"}';
          connection.write(`POST ${target.postPath} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
          expect(await waitUntil(() => connection.statuses().length === 2, 5000)).to.equal(true);
          expect(connection.received()).not.to.match(/Connection: close/i);
          expect(connection.closed()).to.equal(false);
        });
      });

      describe('slow clients', () => {
        it('cuts off a client that sends its headers too slowly with 408 and a close', async () => {
          target = await start(dialect, { HEADERS_TIMEOUT: 0.3, REQUEST_TIMEOUT: 2 });
          const connection = await open();
          const began = Date.now();
          connection.write(`GET ${target.getPath} HTTP/1.1\r\nHost: test\r\nX-Slow: a`);
          expect(await waitUntil(() => connection.closed(), 3000), 'still open after 3 s').to.equal(true);
          expect(Date.now() - began).to.be.below(1500);
          expect(connection.statuses()).to.deep.equal([408]);
          expect(connection.received()).to.include('{"detail":"Request took too long to arrive."}');
        });

        it('leaves an idle kept-alive connection to KEEP_ALIVE_TIMEOUT: the headers timeout starts with the next request', async () => {
          target = await start(dialect, { HEADERS_TIMEOUT: 0.3, REQUEST_TIMEOUT: 0.6, KEEP_ALIVE_TIMEOUT: 5 });
          const connection = await open();
          connection.write(`GET ${target.getPath} HTTP/1.1\r\nHost: test\r\n\r\n`);
          expect(await waitUntil(() => connection.statuses().length === 1, 3000)).to.equal(true);
          await new Promise((resolve) => setTimeout(resolve, 1200));
          connection.write(`GET ${target.getPath} HTTP/1.1\r\nHost: test\r\n\r\n`);
          expect(await waitUntil(() => connection.statuses().length === 2, 3000)).to.equal(true);
          expect(connection.statuses()).to.deep.equal([401, 401]);
        });

        it('closes an idle kept-alive connection after KEEP_ALIVE_TIMEOUT', async () => {
          target = await start(dialect, { KEEP_ALIVE_TIMEOUT: 0.5 });
          const connection = await open();
          connection.write(`GET ${target.getPath} HTTP/1.1\r\nHost: test\r\n\r\n`);
          expect(await waitUntil(() => connection.statuses().length === 1, 3000)).to.equal(true);
          expect(await waitUntil(() => connection.closed(), 3000)).to.equal(true);
        });

        it('cuts off a client that sends its body too slowly, within REQUEST_TIMEOUT', async () => {
          target = await start(dialect, { HEADERS_TIMEOUT: 0.3, REQUEST_TIMEOUT: 0.6 });
          const connection = await open();
          const began = Date.now();
          connection.write(`POST ${target.postPath} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email":`);
          // A byte now and then keeps a socket's idle timer quiet; the request timeout still counts.
          const drip = setInterval(() => connection.write(' '), 100);
          try {
            expect(await waitUntil(() => connection.closed(), 3000), 'still open after 3 s').to.equal(true);
          } finally {
            clearInterval(drip);
          }
          expect(Date.now() - began).to.be.below(2000);
          // A 408 when the answer had not begun, else a bare close; never a 2xx.
          expect(connection.statuses().every((status) => status === 408)).to.equal(true);
        });

        it('holds at most MAX_CONNECTIONS sockets: the next is closed unanswered, and served once one frees', async () => {
          target = await start(dialect, { MAX_CONNECTIONS: 2 });
          const [first, second] = [await open(), await open()];
          first.write(`GET ${target.getPath} HTTP/1.1\r\nHost: test\r\nX-Slow: a`);
          second.write(`GET ${target.getPath} HTTP/1.1\r\nHost: test\r\nX-Slow: a`);
          await new Promise((resolve) => setTimeout(resolve, 100));
          const third = await open();
          third.write(`GET ${target.getPath} HTTP/1.1\r\nHost: test\r\n\r\n`);
          expect(await waitUntil(() => third.closed(), 3000)).to.equal(true);
          expect(third.statuses()).to.deep.equal([]);
          first.destroy();
          await new Promise((resolve) => setTimeout(resolve, 100));
          const fourth = await open();
          fourth.write(`GET ${target.getPath} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n`);
          expect(await waitUntil(() => fourth.closed(), 3000)).to.equal(true);
          expect(fourth.statuses()).to.deep.equal([401]);
        });

        it('holds at most MAX_CONNECTIONS_PER_IP sockets from one address, while another address is still served', async () => {
          target = await start(dialect, { MAX_CONNECTIONS_PER_IP: 2 });
          for (const slow of [await open(), await open()]) slow.write(`GET ${target.getPath} HTTP/1.1\r\nHost: test\r\nX-Slow: a`);
          await new Promise((resolve) => setTimeout(resolve, 100));
          const third = await open();
          third.write(`GET ${target.getPath} HTTP/1.1\r\nHost: test\r\n\r\n`);
          expect(await waitUntil(() => third.closed(), 3000)).to.equal(true);
          expect(third.statuses()).to.deep.equal([]);
          // Linux routes all of 127/8 to loopback: another address on the same machine.
          const other = await open('127.0.0.2');
          other.write(`GET ${target.getPath} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n`);
          expect(await waitUntil(() => other.closed(), 3000)).to.equal(true);
          expect(other.statuses()).to.deep.equal([401]);
        });
      });
    });
  }
});
