// The arithmetic of `easyjwt serve --workers`: how many workers, how big each one's thread pool, how
// long before a crashed worker is replaced.
import { expect } from 'chai';
import { UsageError } from '../../src/errors';
import { defaultThreadPoolSize, MAX_WORKERS, refuseSqliteWorkers, restartDelay, workerCount } from '../../src/cli/workers';

describe('serve --workers', () => {
  it('defaults to one worker, or one per core in production, and takes auto as one per core', () => {
    expect(workerCount(undefined, false, 8)).to.equal(1);
    expect(workerCount(undefined, true, 8)).to.equal(8);
    expect(workerCount('auto', false, 8)).to.equal(8);
    expect(workerCount('3', false, 8)).to.equal(3);
    expect(workerCount(String(MAX_WORKERS), false, 8)).to.equal(256);
  });

  it('refuses counts outside 1..256 and anything but digits or auto', () => {
    for (const bad of ['0', '257', '1.5', '-1', 'two', '', ' 2']) expect(() => workerCount(bad, false, 2), bad).to.throw(UsageError, /from 1 to 256/);
  });

  it('refuses several workers on SQLite, and allows one', () => {
    expect(() => refuseSqliteWorkers('sqlite:data/a.sqlite3', 2, 'DATABASE_URL')).to.throw(UsageError, /do not serialise concurrent refreshes/);
    expect(() => refuseSqliteWorkers('sqlite::memory:', 2, 'DATABASE_URL')).to.throw(UsageError, /separate database in each worker/);
    expect(() => refuseSqliteWorkers('sqlite:data/a.sqlite3', 1, 'DATABASE_URL')).not.to.throw();
    expect(() => refuseSqliteWorkers('mysql://root@127.0.0.1:3306/db', 4, 'DATABASE_URL')).not.to.throw();
  });

  it('sizes each pool for one hash per core but one, per worker, at most 3, plus a free thread', () => {
    expect(defaultThreadPoolSize(1, 1)).to.equal(2);
    expect(defaultThreadPoolSize(2, 1)).to.equal(2);
    expect(defaultThreadPoolSize(3, 1)).to.equal(3);
    expect(defaultThreadPoolSize(8, 1)).to.equal(4);
    expect(defaultThreadPoolSize(8, 2)).to.equal(4);
    expect(defaultThreadPoolSize(8, 8)).to.equal(2);
  });

  it('restarts at once after a worker that ran a while, and backs off on crashes in a row up to 8 s', () => {
    expect([0, 1, 2, 3, 4, 10].map(restartDelay)).to.deep.equal([0, 250, 500, 1000, 2000, 8000]);
  });
});
