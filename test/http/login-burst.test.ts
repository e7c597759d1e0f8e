// A burst of logins does not stall the auth-service: password hashes run on other threads than the
// event loop's. Checked with CPU time read from /proc (the main thread's against the whole
// process's), not with latencies or wall time, so a loaded machine cannot make it fail: it slows
// every thread alike but does not move CPU time from one thread to another.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { TestAuthService } from '../support/auth-service';
import { startAuthService } from '../support/auth-service';

/** utime + stime, in clock ticks, of a /proc stat file (fields 14 and 15, after the parenthesised name). */
function ticks(path: string): number {
  const text = readFileSync(path, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
const cpu = () => ({ main: ticks(`/proc/self/task/${process.pid}/stat`), all: ticks('/proc/self/stat') });

describe('a burst of logins', function () {
  this.timeout(60000);
  let auth: TestAuthService;

  before(async function () {
    if (process.platform !== 'linux') return this.skip();
    // The default cost: each hash is tens of milliseconds of CPU, well above /proc's 10 ms ticks.
    auth = await startAuthService('sqlite', {
      PASSWORD_SCRYPT_N: 16384,
      PASSWORD_SCRYPT_P: 3,
      LOGIN_THROTTLE_PER_ACCOUNT: 'off',
      LOGIN_THROTTLE_PER_IP: 'off',
    });
    await auth.createUser({ email: 'burst@test.com' });
  });
  after(async () => auth?.close());

  it('spends the hashing off the event loop: its thread does a small part of the CPU work of 24 logins', async () => {
    const { access } = await auth.login('burst@test.com');
    const before = cpu();
    const statuses = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        auth.post('/auth/token/', { email: 'burst@test.com', password: i % 2 ? 'user-pass' : 'wrong-pass' }).then((answer) => answer.status),
      ),
    );
    const after = cpu();
    const main = after.main - before.main;
    const elsewhere = after.all - before.all - main;
    expect(statuses.filter((status) => status === 200)).to.have.length(12);
    expect(statuses.filter((status) => status === 401)).to.have.length(12);
    // The event loop (which also runs this test's HTTP client) parses, queries and signs; the 24
    // hashes, about a second of CPU at this cost, run on libuv's pool.
    expect(main, `event loop ${main} ticks, other threads ${elsewhere}`).to.be.below(elsewhere / 3);
    expect((await auth.get('/auth/user/', { Authorization: `Bearer ${access}` })).status).to.equal(200);
  });
});
