// SQLite transactions queued one after another, nested ones joining the running one, and the
// queue's async context switched off and on again as it empties and fills.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/data-source';
import { inTransaction } from '../../src/db/transactions';

describe('inTransaction on SQLite', () => {
  let dir: string;
  let dataSource: DataSource;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'easyjwt-transactions-'));
    dataSource = createDataSource(`sqlite:${join(dir, 'db.sqlite3')}`);
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE log (id INTEGER PRIMARY KEY, entry TEXT)');
  });

  afterEach(async () => {
    await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const log = (entry: string) => dataSource.query('INSERT INTO log (entry) VALUES (?)', [entry]);
  const entries = async () => {
    const rows: { entry: string }[] = await dataSource.query('SELECT entry FROM log ORDER BY id');
    return rows.map((row) => row.entry);
  };

  it('runs transactions started together one after another', async () => {
    const slow = (name: string) =>
      inTransaction(dataSource, async (manager) => {
        await manager.query('INSERT INTO log (entry) VALUES (?)', [`${name} begin`]);
        await new Promise((resolve) => setTimeout(resolve, 5));
        await manager.query('INSERT INTO log (entry) VALUES (?)', [`${name} end`]);
      });
    await Promise.all([slow('a'), slow('b'), slow('c')]);
    expect(await entries()).to.deep.equal(['a begin', 'a end', 'b begin', 'b end', 'c begin', 'c end']);
  });

  it('lets a transaction opened inside a running one join it, each time the queue fills again', async () => {
    // The queue empties between rounds, switching its async context off; the next round must
    // switch it on again, or the nested call would wait behind its own parent for ever.
    for (const round of [1, 2, 3]) {
      await inTransaction(dataSource, async () => {
        await log(`outer ${round}`);
        await inTransaction(dataSource, async () => log(`inner ${round}`));
      });
    }
    expect(await entries()).to.deep.equal(['outer 1', 'inner 1', 'outer 2', 'inner 2', 'outer 3', 'inner 3']);
  });

  it('keeps the queue going after a transaction fails', async () => {
    const failing = inTransaction(dataSource, async () => {
      await log('rolled back');
      throw new Error('boom');
    });
    const next = inTransaction(dataSource, async () => log('kept'));
    await failing.then(
      () => expect.fail('the failing transaction resolved'),
      (error: unknown) => expect((error as Error).message).to.equal('boom'),
    );
    await next;
    expect(await entries()).to.deep.equal(['kept']);
  });
});
