// Group commit of registrations: concurrent obtains and refreshes share transactions, each answer
// still waits for its own rows, a failing member is answered alone, and REGISTRY_AFTER_RESPONSE
// answers first and registers after, until drain() or close().
import { expect } from 'chai';
import { IsNull } from 'typeorm';
import { Device, Session, Token, TokenUserConnection } from '../../src/entities';
import type { RegistrationStep } from '../../src/registry/pipeline';
import type { SettingsInput } from '../../src/settings';
import type { TestAuthService } from '../support/auth-service';
import { payloadOf, startAuthService } from '../support/auth-service';
import { forEachDialect } from '../support/databases';

/**
 * A registration step that, once armed, holds the next registration it sees (and with it the
 * transaction it runs in) until opened, so the test knows which requests queue behind it.
 */
class Gate {
  private armed = false;
  private release: () => void = () => undefined;
  private opened: Promise<void> = Promise.resolve();
  private reach: () => void = () => undefined;
  /** Settles when the armed gate holds a registration. */
  reached: Promise<void> = Promise.resolve();
  readonly step: RegistrationStep = {
    name: 'gate',
    run: async () => {
      if (!this.armed) return;
      this.armed = false;
      this.reach();
      await this.opened;
    },
  };

  arm(): void {
    this.armed = true;
    this.opened = new Promise((resolve) => (this.release = resolve));
    this.reached = new Promise((resolve) => (this.reach = resolve));
  }

  open(): void {
    this.release();
  }
}

const jtiOf = (token: string) => payloadOf(token).jti as string;

forEachDialect((dialect) => {
  describe('group commit of registrations', () => {
    let auth: TestAuthService;
    let gate: Gate;
    const start = async (overrides: SettingsInput = {}, steps: RegistrationStep[] = []) => {
      gate = new Gate();
      auth = await startAuthService(dialect, overrides, { registrationSteps: steps });
      // First, so a held registration has written nothing yet (SQLite's one connection would show
      // its uncommitted rows to the test's own queries).
      auth.service.pipeline.add(gate.step, { before: 'registerTokens' });
    };
    afterEach(async () => {
      gate.open(); // a failed test must not leave close() waiting for a held registration
      await auth.close();
    });

    /** Resolves once `count` registrations wait for the next transaction (polled, bounded). */
    const queued = async (count: number) => {
      for (const until = Date.now() + 10_000; auth.service.pipeline.groupStats.queued < count;) {
        if (Date.now() > until) throw new Error(`only ${auth.service.pipeline.groupStats.queued} of ${count} registrations queued`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };

    /** Logs `first` in with the gate armed, then sends `requests` while that login's transaction is held. */
    const behindHeldLogin = async <T>(first: string, requests: () => Promise<T>[], waiting: number): Promise<T[]> => {
      gate.arm();
      const held = auth.post('/auth/token/', { email: first, password: 'user-pass' });
      await gate.reached;
      const sent = requests();
      await queued(waiting);
      gate.open();
      expect((await held).status).to.equal(200);
      return Promise.all(sent);
    };

    it('registers concurrent obtains in one transaction: every row, each pair in its own session, fewer commits than logins', async () => {
      await start();
      const emails = ['first@test.com', ...Array.from({ length: 8 }, (_, i) => `user${i}@test.com`)];
      for (const email of emails) await auth.createUser({ email });
      const before = auth.service.pipeline.groupStats;
      const answers = await behindHeldLogin(
        'first@test.com',
        () => emails.slice(1).map((email) => auth.post('/auth/token/', { email, password: 'user-pass' })),
        8,
      );
      // The answers came after the commit: their rows are there now, with nothing to wait for.
      const manager = auth.service.dataSource.manager;
      expect(answers.map((answer) => answer.status)).to.deep.equal(Array(8).fill(200));
      expect([await manager.count(Token), await manager.count(Session), await manager.count(TokenUserConnection)]).to.deep.equal([18, 9, 18]);
      const sessions = new Set<number | null>();
      for (const { body } of answers) {
        const refresh = await manager.findOneByOrFail(Token, { jti: jtiOf(body.refresh) });
        const access = await manager.findOneByOrFail(Token, { jti: jtiOf(body.access) });
        expect(access.parentId).to.equal(refresh.id);
        expect(access.sessionId).to.equal(refresh.sessionId);
        const link = await manager.findOneByOrFail(TokenUserConnection, { tokenId: access.id });
        expect(link.userId).to.equal(Number(payloadOf(body.access).user_id));
        // The session is the user's, tied to the user's device (written for the group in one UPDATE).
        const session = await manager.findOneByOrFail(Session, { id: refresh.sessionId ?? -1 });
        const device = await manager.findOneByOrFail(Device, { id: session.deviceId ?? -1 });
        expect([session.userId, device.userId]).to.deep.equal([link.userId, link.userId]);
        sessions.add(refresh.sessionId);
      }
      expect(sessions.size).to.equal(8);
      const stats = auth.service.pipeline.groupStats;
      // The held login alone, then the eight that queued behind it together.
      expect(stats.transactions - before.transactions).to.equal(2);
      expect(stats.members - before.members).to.equal(9);
      expect(stats.largest).to.equal(8);
    });

    // SQLite runs one transaction at a time: a held registration would hold up the refreshes' own
    // (locking) transactions too, so there they are sent together without one, and only their
    // rows are checked; MariaDB shows them queuing behind a held commit.
    const holds = dialect === 'mariadb';
    const together = async <T>(first: string, requests: () => Promise<T>[], waiting: number): Promise<T[]> =>
      holds ? behindHeldLogin(first, requests, waiting) : Promise.all(requests());

    it('groups concurrent refreshes too: each new access token under its refresh token, in its session', async () => {
      await start();
      await auth.createUser({ email: 'first@test.com' });
      const pairs: { refresh: string; access: string }[] = [];
      for (let i = 0; i < 5; i++) {
        await auth.createUser({ email: `user${i}@test.com` });
        pairs.push(await auth.login(`user${i}@test.com`));
      }
      const manager = auth.service.dataSource.manager;
      const usedBefore = new Map((await manager.find(Session)).map((session) => [session.id, session.lastUsedAt.getTime()]));
      const before = auth.service.pipeline.groupStats;
      const answers = await together('first@test.com', () => pairs.map((pair) => auth.post('/auth/token/refresh/', { refresh: pair.refresh })), 5);
      for (const [i, answer] of answers.entries()) {
        expect(answer.status).to.equal(200);
        const parent = await manager.findOneByOrFail(Token, { jti: jtiOf(pairs[i].refresh) });
        const child = await manager.findOneByOrFail(Token, { jti: jtiOf(answer.body.access) });
        expect([child.parentId, child.sessionId]).to.deep.equal([parent.id, parent.sessionId]);
        // Marked used (each session by the refresh of its own token).
        const session = await manager.findOneByOrFail(Session, { id: parent.sessionId ?? -1 });
        expect(session.lastUsedAt.getTime()).to.be.above(usedBefore.get(session.id) ?? Infinity);
      }
      if (holds) expect(auth.service.pipeline.groupStats.transactions - before.transactions).to.equal(2);
    });

    it('answers a member that fails alone with its error and registers the others of its group', async () => {
      let badUser = 0;
      await start({}, [
        {
          name: 'poison',
          run: async ({ userId }) => {
            if (userId === badUser) throw new Error('this user cannot be registered');
          },
        },
      ]);
      await auth.createUser({ email: 'first@test.com' });
      badUser = await auth.createUser({ email: 'bad@test.com' });
      const emails = ['a@test.com', 'bad@test.com', 'b@test.com', 'c@test.com'];
      for (const email of emails) if (email !== 'bad@test.com') await auth.createUser({ email });
      const before = auth.service.pipeline.groupStats;
      const answers = await behindHeldLogin('first@test.com', () => emails.map((email) => auth.post('/auth/token/', { email, password: 'user-pass' })), 4);
      expect(answers.map((answer) => answer.status)).to.deep.equal([200, 500, 200, 200]);
      expect(answers[1].body).to.deep.equal({ detail: 'A server error occurred.' });
      const manager = auth.service.dataSource.manager;
      // first, a, b and c: two tokens and a session each; nothing of bad's.
      expect([await manager.count(Token), await manager.count(Session)]).to.deep.equal([8, 4]);
      for (const index of [0, 2, 3]) expect(await manager.countBy(Token, { jti: jtiOf(answers[index].body.access) })).to.equal(1);
      const stats = auth.service.pipeline.groupStats;
      expect(stats.split - before.split).to.equal(1);
      // The held login, the group that failed, then its four members alone.
      expect(stats.transactions - before.transactions).to.equal(6);
    });

    it('with TOKEN_EXPIRE_ON_REFRESH, two refreshes of one token in one group end as one after the other would: one access token left', async () => {
      await start({ TOKEN_EXPIRE_ON_REFRESH: true });
      await auth.createUser({ email: 'first@test.com' });
      await auth.createUser({ email: 'user@test.com' });
      const pair = await auth.login('user@test.com');
      const answers = await together('first@test.com', () => [0, 1].map(() => auth.post('/auth/token/refresh/', { refresh: pair.refresh })), 2);
      expect(answers.map((answer) => answer.status)).to.deep.equal([200, 200]);
      const manager = auth.service.dataSource.manager;
      const live = await manager.findBy(Token, {
        sessionId: (await manager.findOneByOrFail(Token, { jti: jtiOf(pair.refresh) })).sessionId ?? -1,
        expiredAt: IsNull(),
      });
      const liveJtis = live.map((token) => token.jti);
      // The refresh token used (it stays valid without rotation) and exactly one of the new access tokens.
      expect(liveJtis).to.include(jtiOf(pair.refresh));
      expect(answers.filter((answer) => liveJtis.includes(jtiOf(answer.body.access)))).to.have.length(1);
      expect(liveJtis).to.have.length(2);
    });

    it('with REGISTRY_AFTER_RESPONSE answers before the rows exist; they appear once the registration commits, and drain() waits for it', async () => {
      await start({ REGISTRY_AFTER_RESPONSE: true });
      await auth.createUser({ email: 'user@test.com' });
      gate.arm();
      const answer = await auth.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' });
      expect(answer.status).to.equal(200);
      const manager = auth.service.dataSource.manager;
      expect(await manager.countBy(Token, { jti: jtiOf(answer.body.refresh) })).to.equal(0);
      let drained = false;
      const draining = auth.service.pipeline.drain().then(() => (drained = true));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(drained).to.equal(false);
      gate.open();
      await draining;
      expect(await manager.countBy(Token, { jti: jtiOf(answer.body.refresh) })).to.equal(1);
      expect(await manager.countBy(Token, { jti: jtiOf(answer.body.access) })).to.equal(1);
    });

    it('with REGISTRY_AFTER_RESPONSE, closing the service writes the registrations still pending first', async () => {
      await start({ REGISTRY_AFTER_RESPONSE: true });
      await auth.createUser({ email: 'user@test.com' });
      const registered: string[][] = [];
      auth.service.events.on('tokensRegistered', (event) => {
        registered.push([...event.jtis]);
      });
      gate.arm();
      const answer = await auth.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' });
      let closed = false;
      const closing = auth.close().then(() => (closed = true));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect([closed, registered]).to.deep.equal([false, []]);
      gate.open();
      await closing;
      expect(registered).to.deep.equal([[jtiOf(answer.body.refresh), jtiOf(answer.body.access)]]);
      auth = { ...auth, close: async () => undefined };
    });
  });
});
