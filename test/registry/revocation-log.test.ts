// The revocation table as the feed reads it: rows after a cursor, a reset snapshot of the live rows
// when the cursor is unknown, ahead of the table or older than what is kept, and a cursor that
// waits for rows too young to be sure every earlier id has committed.
import { expect } from 'chai';
import { RevocationRecord } from '../../src/entities';
import { RevocationLog } from '../../src/registry/revocation-log';
import type { TestAuthService } from '../support/auth-service';
import { startAuthService } from '../support/auth-service';
import { forEachDialect } from '../support/databases';

forEachDialect((dialect) => {
  describe('the revocation log', () => {
    let auth: TestAuthService;
    let log: RevocationLog;
    /** A time well after any row's creation, so the settling window plays no part. */
    const later = () => new Date(Date.now() + 60_000);
    const seconds = () => Math.floor(Date.now() / 1000);

    beforeEach(async () => {
      auth = await startAuthService(dialect);
      log = new RevocationLog(auth.service.dataSource);
    });
    afterEach(() => auth.close());

    const write = (expires: number, userId = 1) =>
      auth.service.dataSource.transaction((manager) => log.write(manager, [{ kind: 'user', userId, notAfter: seconds(), expires }], new Date()));

    it("applies a revocation to the instance's own list once its transaction commits, and never when it rolls back", async () => {
      const userId = await auth.createUser({ email: 'user@test.com' });
      const { revocations, revoked, dataSource } = auth.service;
      const before = revoked.size.users;
      await dataSource
        .transaction(async (manager) => {
          await revocations.userCutoff(manager, userId, new Date());
          expect(revoked.size.users, 'announced before the commit').to.equal(before);
          throw new Error('roll back');
        })
        .catch(() => undefined);
      expect(revoked.size.users).to.equal(before);
      expect(await dataSource.manager.count(RevocationRecord)).to.equal(0);
      await dataSource.transaction((manager) => revocations.userCutoff(manager, userId, new Date()));
      expect(revoked.size.users).to.equal(before + 1);
      expect(revoked.refused(null, userId, Math.floor(Date.now() / 1000) - 1)).to.equal(true);
    });

    it('answers an empty snapshot on an empty table, and no reset once the caller is at cursor 0', async () => {
      expect(await log.page(null, later())).to.deep.equal({ cursor: 0, reset: true, more: false, entries: [] });
      expect(await log.page(0, later())).to.deep.equal({ cursor: 0, reset: false, more: false, entries: [] });
    });

    it('answers the rows after the cursor, and a snapshot of the live rows when the cursor is ahead of the table', async () => {
      const [first] = await write(seconds() + 3600, 1);
      const [second] = await write(seconds() + 3600, 2);
      const page = await log.page(first.id, later());
      expect(page).to.deep.include({ reset: false, cursor: second.id });
      expect(page.entries.map((entry) => entry.id)).to.deep.equal([second.id]);
      const ahead = await log.page(second.id + 100, later());
      expect(ahead.reset).to.equal(true);
      expect(ahead.entries.map((entry) => entry.id)).to.deep.equal([first.id, second.id]);
    });

    it('sweeps rows whose tokens have all expired, and resets a caller whose cursor is older than what is kept', async () => {
      const [gone] = await write(seconds() - 10, 1);
      const [kept] = await write(seconds() + 3600, 2);
      const swept = await auth.service.dataSource.transaction((manager) => log.sweep(manager, new Date()));
      expect(swept).to.equal(1);
      expect(await auth.service.dataSource.manager.count(RevocationRecord)).to.equal(1);
      // The caller saw nothing yet (cursor before `gone`): what it missed is no longer kept.
      const page = await log.page(gone.id - 1, later());
      expect(page.reset).to.equal(true);
      expect(page.entries.map((entry) => entry.id)).to.deep.equal([kept.id]);
    });

    it('keeps the cursor before rows younger than the settling window, and answers them again', async () => {
      const [old] = await write(seconds() + 3600, 1);
      const [young] = await write(seconds() + 3600, 2);
      const now = new Date();
      const page = await log.page(old.id - 1, now);
      expect(page.entries.map((entry) => entry.id)).to.deep.equal([old.id, young.id]);
      expect(page.cursor).to.equal(old.id - 1);
      expect((await log.page(page.cursor, later())).cursor).to.equal(young.id);
    });
  });
});
