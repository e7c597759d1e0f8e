// The registration pipeline: built-in steps, a team's own steps in order, running after the
// response (REGISTRY_AFTER_RESPONSE), events, and the registry switched off.
import { expect } from 'chai';
import { FrozenClock } from '../../src/core/clock';
import { Device, Session, Token, TokenUserConnection } from '../../src/entities';
import type { RegistryEvents } from '../../src/events';
import type { RegistrationStep } from '../../src/registry/pipeline';
import type { SettingsInput } from '../../src/settings';
import type { TestAuthService } from '../support/auth-service';
import { payloadOf, startAuthService } from '../support/auth-service';
import { forEachDialect } from '../support/databases';

forEachDialect((dialect) => {
  describe('the registration pipeline', () => {
    let auth: TestAuthService;
    const seen: string[] = [];
    const recorder = (name: string): RegistrationStep => ({
      name,
      run: async (context) => {
        seen.push(`${name}:${context.event}:${context.saved.length}:${context.sessionId === null ? 'none' : 'session'}`);
      },
    });
    const start = async (overrides: SettingsInput = {}, registrationSteps: RegistrationStep[] = []) => {
      seen.length = 0;
      auth = await startAuthService(dialect, overrides, { clock: new FrozenClock(), registrationSteps });
      await auth.createUser({ email: 'user@test.com' });
    };
    const count = (entity: typeof Token | typeof Session | typeof Device | typeof TokenUserConnection) => auth.service.dataSource.manager.count(entity);

    afterEach(async () => auth.close());

    it('runs the built-in steps, then the application steps in order, for obtain and refresh', async () => {
      await start({}, [recorder('audit')]);
      auth.service.pipeline.add(recorder('first'), { before: 'registerTokens' }).add(recorder('afterDevice'), { after: 'connectDevice' });
      expect(auth.service.pipeline.steps.map((step) => step.name)).to.deep.equal([
        'first',
        'registerTokens',
        'connectUser',
        'connectDevice',
        'afterDevice',
        'audit',
      ]);
      const pair = await auth.login('user@test.com');
      await auth.post('/auth/token/refresh/', { refresh: pair.refresh });
      expect(seen).to.deep.equal([
        'first:obtain:0:none',
        'afterDevice:obtain:2:session',
        'audit:obtain:2:session',
        'first:refresh:0:none',
        'afterDevice:refresh:1:session',
        'audit:refresh:1:session',
      ]);
      expect(() => auth.service.pipeline.add(recorder('audit'))).to.throw('already in the pipeline');
      expect(() => auth.service.pipeline.add(recorder('x'), { after: 'nope' })).to.throw('no registration step named "nope"');
    });

    it('undoes the whole registration, and refuses the login, when a step fails before the answer', async () => {
      await start({}, [{ name: 'broken', run: async () => Promise.reject(new Error('step failed')) }]);
      const response = await auth.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' });
      expect(response.status).to.equal(500);
      expect(response.body).to.deep.equal({ detail: 'A server error occurred.' });
      expect([await count(Token), await count(Session), await count(Device), await count(TokenUserConnection)]).to.deep.equal([0, 0, 0, 0]);
    });

    it('announces tokensRegistered with the session and the jtis', async () => {
      await start();
      const events: RegistryEvents['tokensRegistered'][] = [];
      auth.service.events.on('tokensRegistered', (event) => {
        events.push(event);
      });
      const pair = await auth.login('user@test.com');
      expect(events).to.have.length(1);
      expect(events[0]).to.include({ event: 'obtain', sessionId: 1 });
      expect(events[0].jtis).to.deep.equal([payloadOf(pair.refresh).jti, payloadOf(pair.access).jti]);
      expect(events[0].request?.path).to.equal('/auth/token/');
    });

    it('with REGISTRY_AFTER_RESPONSE records after answering, and a refresh right away still finds its parent', async () => {
      await start({ REGISTRY_AFTER_RESPONSE: true });
      const pair = await auth.login('user@test.com');
      const refreshed = await auth.post('/auth/token/refresh/', { refresh: pair.refresh });
      expect(refreshed.status).to.equal(200);
      await auth.service.pipeline.drain();
      const manager = auth.service.dataSource.manager;
      const parent = await manager.findOneByOrFail(Token, { jti: payloadOf(pair.refresh).jti as string });
      const child = await manager.findOneByOrFail(Token, { jti: payloadOf(refreshed.body.access).jti as string });
      expect(child.parentId).to.equal(parent.id);
      expect(child.sessionId).to.equal(parent.sessionId);
      expect(await count(Session)).to.equal(1);
      expect(await count(TokenUserConnection)).to.equal(3);
    });

    it('with REGISTRY_AFTER_RESPONSE logs a failing step and answers the login anyway', async () => {
      await start({ REGISTRY_AFTER_RESPONSE: true }, [{ name: 'broken', run: async () => Promise.reject(new Error('step failed')) }]);
      const response = await auth.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' });
      expect(response.status).to.equal(200);
      await auth.service.pipeline.drain();
      expect(await count(Token)).to.equal(0);
    });

    it('with REGISTRY_ENABLED off records nothing at obtain or refresh', async () => {
      await start({ REGISTRY_ENABLED: false });
      const pair = await auth.login('user@test.com');
      expect((await auth.post('/auth/token/refresh/', { refresh: pair.refresh })).status).to.equal(200);
      expect((await auth.get('/auth/user/', { Authorization: `Bearer ${pair.access}` })).status).to.equal(200);
      // Only the refresh token it was asked about (as simplejwt's blacklist records outstanding tokens).
      expect(await count(Token)).to.equal(1);
      expect([await count(Session), await count(Device)]).to.deep.equal([0, 0]);
    });
  });
});
