// The checked-in migrations of each dialect: exactly the entities' schema, with its keys, cascades and precision.
import { expect } from 'chai';
import type { AuthService } from '../../src/services/auth-service';
import { createAuthService } from '../../src/services/auth-service';
import { openDatabase } from '../../src/db/data-source';
import { Token, TokenUserConnection, User } from '../../src/entities';
import { testSettings } from '../support/auth-service';
import { forEachDialect, freshDatabaseUrl } from '../support/databases';

forEachDialect((dialect) => {
  describe('the checked-in migrations', () => {
    let service: AuthService;

    beforeEach(async () => {
      service = await createAuthService({ settings: testSettings({ DATABASE_URL: await freshDatabaseUrl(dialect) }) });
    });
    afterEach(async () => service.close());

    it('leave nothing for the schema builder to change', async () => {
      const pending = await service.dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((query) => query.query)).to.deep.equal([]);
    });

    it('are recorded as applied, so opening the database again applies none', async () => {
      expect(await service.dataSource.showMigrations()).to.equal(false);
      expect(await openDatabase(service.dataSource)).to.deep.equal([]);
      const rows: { name: string }[] = await service.dataSource.query('SELECT name FROM easyjwt_migrations');
      expect(rows.map((row) => row.name)).to.deep.equal(service.dataSource.migrations.map((migration) => migration.name));
    });

    it('revert cleanly and apply again to the same schema', async () => {
      for (let i = 0; i < service.dataSource.migrations.length; i++) await service.dataSource.undoLastMigration({ transaction: 'each' });
      expect(await service.dataSource.showMigrations()).to.equal(true);
      await openDatabase(service.dataSource);
      const pending = await service.dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((query) => query.query)).to.deep.equal([]);
    });

    /** Saves a token row with every timestamp set to `at`. */
    const saveToken = (jti: string, at: Date, parentId: number | null = null) => {
      const manager = service.dataSource.manager;
      return manager.save(manager.create(Token, { jti, tokenType: 'refresh', parentId, issuedAt: at, expiresAt: at, revokedAt: at, createdAt: at }));
    };

    it('keep the milliseconds of every timestamp', async () => {
      const at = new Date(Date.UTC(2026, 10, 22, 12, 7, 38, 574));
      const saved = await saveToken('c'.repeat(32), at);
      const row = await service.dataSource.manager.findOneByOrFail(Token, { id: saved.id });
      for (const value of [row.issuedAt, row.expiresAt, row.revokedAt, row.createdAt]) {
        expect(value!.toISOString()).to.equal(at.toISOString());
      }
    });

    it('refuse a second token with the same jti', async () => {
      await saveToken('d'.repeat(32), new Date());
      let failure: unknown;
      await saveToken('d'.repeat(32), new Date()).catch((error: unknown) => (failure = error));
      expect(failure, 'duplicate jti accepted').to.be.instanceOf(Error);
      expect(await service.dataSource.manager.countBy(Token, { jti: 'd'.repeat(32) })).to.equal(1);
    });

    it("cascade a user's deletion to their token links, keep the tokens, and unlink children of a deleted token", async () => {
      const user = await service.users.create({ email: 'user@test.com', password: 'user-pass' });
      const manager = service.dataSource.manager;
      const parent = await saveToken('e'.repeat(32), new Date());
      const child = await saveToken('f'.repeat(32), new Date(), parent.id);
      await manager.insert(TokenUserConnection, [
        { userId: user.id, tokenId: parent.id },
        { userId: user.id, tokenId: child.id },
      ]);

      await manager.delete(User, { id: user.id });
      expect(await manager.count(TokenUserConnection)).to.equal(0);
      expect(await manager.count(Token)).to.equal(2);

      await manager.delete(Token, { id: parent.id });
      expect((await manager.findOneByOrFail(Token, { id: child.id })).parentId).to.equal(null);
    });
  });
});
