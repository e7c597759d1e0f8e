// The `koa-easyjwt/testing` entry as a team uses it: an auth-service on an in-memory database,
// users created there, a login, and a team's client-service verifying the tokens locally.
import 'reflect-metadata';
import { expect } from 'chai';
import { Controller, Get } from 'routing-controllers';
import { createClientService } from '../../src/services/client-service';
import type { ClientService } from '../../src/services/client-service';
import { JwtStaffRequired } from '../../src/decorators/jwt-guards';
import { User } from '../../src/entities';
import { FrozenClock, startTestAuthService, TEST_PASSWORD, TestAuthService } from '../../src/testing';

@Controller('/reports')
class ReportsController {
  @Get('/')
  @JwtStaffRequired()
  list() {
    return { reports: [] };
  }
}

describe('koa-easyjwt/testing', () => {
  let auth: TestAuthService;
  let client: ClientService;
  let clientUrl: string;
  let closeClient: () => Promise<void>;

  before(async () => {
    auth = await startTestAuthService({ settings: { ACCESS_TOKEN_LIFETIME: 600 } });
    client = await createClientService({
      settings: { LOG_LEVEL: 'silent', DATABASE_URL: 'sqlite::memory:', SIGNING_KEY: auth.signingKey, REMOTE_AUTH_SERVICE_URL: auth.url },
      controllers: [ReportsController],
    });
    const listening = await client.listen(0, '127.0.0.1');
    clientUrl = listening.url;
    closeClient = () => listening.close();
  });

  after(async () => {
    await closeClient();
    await client.close();
    await auth.close();
  });

  it('creates users in the auth-service database with the default password', async () => {
    const id = await auth.createUser({ email: 'Ann@Example.com', isStaff: true });
    const stored = await auth.service.dataSource.getRepository(User).findOneByOrFail({ id });
    expect(stored.email).to.equal('ann@example.com');
    expect(stored.isStaff).to.equal(true);
    const response = await fetch(`${auth.url}/auth/token/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'ann@example.com', password: TEST_PASSWORD }),
    });
    expect(response.status).to.equal(200);
    expect(Object.keys(await response.json()).sort()).to.deep.equal(['access', 'refresh']);
  });

  it('logs in, and a client-service verifying with its signing key answers 200, 403 and 401', async () => {
    await auth.createUser({ email: 'bob@example.com' });
    const ann = await auth.login('ann@example.com');
    const bob = await auth.login('bob@example.com');
    const asAnn = await fetch(`${clientUrl}/reports/`, { headers: { Authorization: `Bearer ${ann.access}` } });
    expect(asAnn.status).to.equal(200);
    expect(await asAnn.json()).to.deep.equal({ reports: [] });
    const asBob = await fetch(`${clientUrl}/reports/`, { headers: { Authorization: `Bearer ${bob.access}` } });
    expect(asBob.status).to.equal(403);
    expect(await asBob.json()).to.deep.equal({ detail: 'You do not have permission to perform this action.' });
    const anonymous = await fetch(`${clientUrl}/reports/`);
    expect(anonymous.status).to.equal(401);
    expect(await anonymous.json()).to.deep.equal({ detail: 'Authentication credentials were not provided.' });
  });

  it('throws with the status and body when a login is refused', async () => {
    let error: unknown;
    await auth.login('ann@example.com', 'wrong-password').catch((caught: unknown) => (error = caught));
    expect(String(error)).to.match(/login of ann@example.com failed: 401 .*No active account/);
  });

  it('re-exports FrozenClock for tests that move time by hand', () => {
    const clock = new FrozenClock(1_000_000);
    clock.advance(5);
    expect(clock.now()).to.equal(1_005_000);
  });
});
