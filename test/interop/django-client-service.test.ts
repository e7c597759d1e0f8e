// Our client-service in front of a stock Django simplejwt auth-service (Debian's packages): login
// through our proxy, local verification with the shared key, and easyjwt's remote protocol.
import { expect } from 'chai';
import type { ClientService } from '../../src/services/client-service';
import { createClientService } from '../../src/services/client-service';
import { DemoController } from '../../src/controllers/client-service/demo-controller';
import { LocalUser } from '../../src/entities';
import type { Listening } from '../../src/http/server';
import { call, TEST_KEY } from '../support/auth-service';
import type { DjangoPeer } from '../support/django';
import { requireDjango, startDjangoAuthService } from '../support/django';

const json = (body: unknown) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

describe('our client-service against a Django simplejwt auth-service', function () {
  this.timeout(60000);
  requireDjango();

  let django: DjangoPeer;
  before(async () => {
    django = await startDjangoAuthService({
      signingKey: TEST_KEY,
      users: [
        { username: 'peer', email: 'peer@test.com', password: 'peer-pass-1234', first_name: 'Pat' },
        { username: 'gone', email: 'gone@test.com', password: 'gone-pass-1234', is_active: false },
      ],
    });
  });
  after(async () => django?.stop());

  for (const mode of ['local', 'remote'] as const) {
    describe(`with ${mode} verification`, () => {
      let client: ClientService;
      let listening: Listening;
      beforeEach(async () => {
        client = await createClientService({
          settings: {
            REMOTE_AUTH_SERVICE_URL: django.url,
            TOKEN_VERIFICATION: mode,
            ...(mode === 'local' ? { SIGNING_KEY: TEST_KEY } : {}),
            DATABASE_URL: 'sqlite::memory:',
            LOG_LEVEL: 'silent',
          },
          controllers: [DemoController],
        });
        listening = await client.listen(0, '127.0.0.1');
      });
      afterEach(async () => {
        await listening.close();
        await client.close();
      });

      it("logs in through the proxy with Django credentials and keeps a copy under Django's user id", async () => {
        const login = await call(`${listening.url}/auth/token/`, json({ username: 'peer', password: 'peer-pass-1234' }));
        expect(login.status).to.equal(200);
        expect(Object.keys(login.body)).to.deep.equal(['refresh', 'access']);
        const copy = await client.dataSource.manager.findOneByOrFail(LocalUser, { id: django.userId });
        expect(copy.email).to.equal('peer@test.com');
        expect(copy.firstName).to.equal('Pat');
      });

      it("passes Django's refusal of a wrong password through unchanged", async () => {
        const direct = await django.post('/auth/token/', { username: 'peer', password: 'wrong' });
        const proxied = await call(`${listening.url}/auth/token/`, json({ username: 'peer', password: 'wrong' }));
        expect(proxied.status).to.equal(direct.status);
        expect(proxied.text).to.equal(direct.text);
      });

      it('serves the protected route for a Django-issued token, asking Django only while the copy is cold', async () => {
        const { access, refresh } = (await call(`${listening.url}/auth/token/`, json({ username: 'peer', password: 'peer-pass-1234' }))).body;
        const first = await call(`${listening.url}/api/test/`, bearer(access));
        expect(first.status).to.equal(200);
        expect(first.body).to.equal('success');
        const before = client.upstream.totalCalls;
        for (let i = 0; i < 5; i++) expect((await call(`${listening.url}/api/test/`, bearer(access))).status).to.equal(200);
        expect(client.upstream.totalCalls - before).to.equal(0);

        const refreshed = await call(`${listening.url}/auth/token/refresh/`, json({ refresh }));
        expect(refreshed.status).to.equal(200);
        expect((await call(`${listening.url}/api/test/`, bearer(refreshed.body.access))).status).to.equal(200);
        expect((await call(`${listening.url}/auth/token/verify/`, json({ token: access }))).body).to.deep.equal({});
      });

      it('refuses a refresh token sent as Bearer', async () => {
        const { refresh } = (await call(`${listening.url}/auth/token/`, json({ username: 'peer', password: 'peer-pass-1234' }))).body;
        const refused = await call(`${listening.url}/api/test/`, bearer(refresh));
        expect(refused.status).to.equal(401);
        expect(refused.body.code).to.equal('token_not_valid');
      });
    });
  }

  it("in remote mode, passes on Django's 401 for a token Django rejects", async () => {
    const client = await createClientService({
      settings: { REMOTE_AUTH_SERVICE_URL: django.url, TOKEN_VERIFICATION: 'remote', DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent' },
      controllers: [DemoController],
    });
    const listening = await client.listen(0, '127.0.0.1');
    try {
      const forged = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIn0.c2lnbmF0dXJl';
      const direct = await django.post('/auth/token/verify/', { token: forged });
      const refused = await call(`${listening.url}/api/test/`, bearer(forged));
      expect(refused.status).to.equal(401);
      expect(refused.text).to.equal(direct.text);
      expect(client.upstream.calls.get('/auth/user/') ?? 0).to.equal(0); // stopped at verify
    } finally {
      await listening.close();
      await client.close();
    }
  });
});
