// The archiver on a generated table of 20,000 tokens, from code and from `easyjwt archive`.
import { expect } from 'chai';
import { join } from 'node:path';
import { createAuthService } from '../../src/services/auth-service';
import { Session, Token, TokenUserConnection } from '../../src/entities';
import { archiveExpiredTokens } from '../../src/registry/archiver';
import { progressLine } from '../../src/cli/archive';
import type { TestAuthService } from '../support/auth-service';
import { testSettings, startAuthService, TEST_KEY } from '../support/auth-service';
import { runCli, scratchDir } from '../support/cli';
import { forEachDialect } from '../support/databases';
import { fillTokenTable } from '../support/token-table';

const DAY = 86_400_000;

forEachDialect((dialect) => {
  describe('the archiver', function () {
    this.timeout(120000);
    let auth: TestAuthService;
    let userIds: number[];
    const now = Date.now();

    beforeEach(async () => {
      auth = await startAuthService(dialect);
      userIds = [await auth.createUser({ email: 'a@test.com' }), await auth.createUser({ email: 'b@test.com' })];
    });
    afterEach(async () => auth.close());

    it('deletes the 20,000-row table down to what expired after the cut-off, in batches, with its links', async () => {
      // 2,500 families of 8: the first 1,500 expired 20 days ago, 500 expired 5 days ago, 500 live.
      const roots = await fillTokenTable(auth.service.dataSource, {
        userIds,
        families: 2500,
        perFamily: 8,
        createdAt: (i) => new Date(i < 1500 ? now - 21 * DAY : i < 2000 ? now - 6 * DAY : now),
      });
      const manager = auth.service.dataSource.manager;
      expect(await manager.count(Token)).to.equal(20000);
      const progress: [number, number][] = [];
      const result = await archiveExpiredTokens(auth.service.dataSource, {
        before: new Date(now - 10 * DAY),
        batchSize: 1000,
        onProgress: (done, total) => progress.push([done, total]),
      });
      expect(result.tokens).to.equal(12000);
      expect(result.sessions).to.equal(1500);
      expect(progress[0]).to.deep.equal([0, 12000]);
      expect(progress).to.have.length(13); // the start, then one per batch of 1,000
      expect(progress.at(-1)).to.deep.equal([12000, 12000]);
      expect(await manager.count(Token)).to.equal(8000);
      expect(await manager.count(TokenUserConnection)).to.equal(8000);
      expect(await manager.count(Session)).to.equal(1000);
      // Families after the cut-off are whole: their trees still hang together.
      expect(await auth.service.queries.collectTree([roots[1500]])).to.have.length(8);
      expect(await auth.service.queries.collectTree([roots[0]])).to.deep.equal([]);
      // A second run finds nothing.
      expect((await archiveExpiredTokens(auth.service.dataSource, { before: new Date(now - 10 * DAY) })).tokens).to.equal(0);
    });

    it('leaves the children of an archived token alive, unlinked from it', async () => {
      const [root] = await fillTokenTable(auth.service.dataSource, { userIds, families: 1, perFamily: 3, createdAt: () => new Date(now) });
      const manager = auth.service.dataSource.manager;
      await manager.update(Token, { id: root }, { expiresAt: new Date(now - 30 * DAY) });
      expect((await archiveExpiredTokens(auth.service.dataSource, { before: new Date(now - 10 * DAY) })).tokens).to.equal(1);
      const children = await manager.find(Token, { order: { id: 'ASC' } });
      expect(children.map((child) => child.parentId)).to.deep.equal([null, null]);
    });
  });
});

describe('easyjwt archive', function () {
  this.timeout(60000);

  it('archives from the command line and prints one summary line when stdout is not a terminal', async () => {
    const dir = scratchDir();
    const env = { EASYJWT_DATABASE_URL: `sqlite:${join(dir, 'auth.sqlite3')}`, EASYJWT_SIGNING_KEY: TEST_KEY, EASYJWT_LOG_LEVEL: 'silent' };
    const service = await createAuthService({ settings: testSettings({ DATABASE_URL: env.EASYJWT_DATABASE_URL }) });
    const user = await service.users.create({ email: 'a@test.com', password: 'user-pass' });
    await fillTokenTable(service.dataSource, {
      userIds: [user.id],
      families: 30,
      perFamily: 4,
      createdAt: (i) => new Date(Date.now() - (i < 20 ? 30 : 0) * DAY),
    });
    await service.close();

    const result = await runCli(['archive', '--older-than', '10d', '--batch', '25'], env, dir);
    expect(result.stderr).to.equal('');
    expect(result.code).to.equal(0);
    expect(result.stdout).to.match(/^archived 80 tokens and 20 sessions that expired before \S+Z in \d+\.\d s \(\d+ rows\/s\)\n$/);

    const bad = await runCli(['archive', '--older-than', 'soon'], env, dir);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('--older-than: must be a duration');
    const missing = await runCli(['archive'], env, dir);
    expect(missing.code).to.not.equal(0);
    expect(missing.stderr).to.contain("required option '--older-than <duration>' not specified");
  });

  it('draws a progress bar for terminals', () => {
    expect(progressLine(0, 200)).to.equal(`[${'.'.repeat(30)}]   0%  0/200 tokens`);
    expect(progressLine(100, 200)).to.equal(`[${'#'.repeat(15)}${'.'.repeat(15)}]  50%  100/200 tokens`);
    expect(progressLine(12000, 12000)).to.equal(`[${'#'.repeat(30)}] 100%  12,000/12,000 tokens`);
    expect(progressLine(0, 0)).to.equal(`[${'#'.repeat(30)}] 100%  0/0 tokens`);
  });
});
