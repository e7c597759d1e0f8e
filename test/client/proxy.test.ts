// The client-service's auth endpoints: passed through to the auth-service, and a login keeps the local user copy.
import { expect } from 'chai';
import { LocalUser, User } from '../../src/entities';
import type { TestAuthService } from '../support/auth-service';
import { payloadOf, TEST_KEY } from '../support/auth-service';
import type { Extras, TestClientService } from '../support/client-service';
import { startClientService, startExtraDataAuthService, withAccessGroups, AccessGroup } from '../support/client-service';
import { forEachDialect } from '../support/databases';

forEachDialect((dialect) => {
  describe('the client-service proxy endpoints', () => {
    let auth: TestAuthService;
    let extras: Map<number, Extras>;
    let client: TestClientService;
    let userId: number;

    beforeEach(async () => {
      ({ auth, extras } = await startExtraDataAuthService(dialect));
      // Two users first, so the one logging in does not have the id a fresh local table would give.
      await auth.createUser({ email: 'first@test.com' });
      await auth.createUser({ email: 'second@test.com' });
      userId = await auth.createUser({ email: 'user@test.com', firstName: 'Ada' });
      extras.set(userId, { user_type: 'gold', permissions: ['app.view'] });
      client = await startClientService(dialect, { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY }, withAccessGroups());
    });
    afterEach(async () => {
      await client.close();
      await auth.close();
    });

    const localUsers = () => client.service.dataSource.manager.find(LocalUser);

    describe('POST /auth/token/', () => {
      it('passes a successful login through with status 200, the pair and exactly application/json', async () => {
        const response = await client.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' });
        expect(response.status).to.equal(200);
        expect(response.headers.get('content-type')).to.equal('application/json');
        expect(Object.keys(response.body)).to.deep.equal(['refresh', 'access']);
        expect(payloadOf(response.body.access)).to.include({ token_type: 'access', user_id: userId });
        expect(payloadOf(response.body.refresh)).to.include({ token_type: 'refresh', user_id: userId });
      });

      it('creates the local copy under the auth-service id on a successful login', async () => {
        expect(await localUsers()).to.have.length(0);
        await client.login('user@test.com');
        const rows = await localUsers();
        expect(rows).to.have.length(1);
        expect(userId).to.equal(3);
        expect(rows[0]).to.include({ id: userId, email: 'user@test.com', firstName: 'Ada', isActive: true, isStaff: false, isSuperuser: false });
        expect(rows[0].permissions).to.deep.equal(['app.view']);
        const group = await client.service.dataSource.manager.findOneByOrFail(AccessGroup, { userId });
        expect(group.user_type).to.equal('gold');
      });

      it('updates the same local copy when a second login brings changed upstream data', async () => {
        await client.login('user@test.com');
        await auth.service.dataSource.manager.update(User, { id: userId }, { firstName: 'Grace', isStaff: true });
        extras.set(userId, { user_type: 'silver', permissions: ['app.view', 'app.edit'] });
        await client.login('user@test.com');
        const rows = await localUsers();
        expect(rows).to.have.length(1);
        expect(rows[0]).to.include({ id: userId, firstName: 'Grace', isStaff: true });
        expect(rows[0].permissions).to.deep.equal(['app.view', 'app.edit']);
        const group = await client.service.dataSource.manager.findOneByOrFail(AccessGroup, { userId });
        expect(group.user_type).to.equal('silver');
      });

      it('passes a wrong password through as 401 with the exact upstream body and keeps no copy', async () => {
        const response = await client.post('/auth/token/', { email: 'user@test.com', password: 'wrong-pass' });
        expect(response.status).to.equal(401);
        expect(response.text).to.equal(JSON.stringify({ detail: 'No active account found with the given credentials' }));
        expect(response.headers.get('content-type')).to.equal('application/json');
        expect(await localUsers()).to.have.length(0);
      });

      it('passes missing fields through as 400 with the exact per-field body', async () => {
        const response = await client.post('/auth/token/', {});
        expect(response.status).to.equal(400);
        expect(response.text).to.equal(JSON.stringify({ email: ['This field is required.'], password: ['This field is required.'] }));
        expect(response.headers.get('content-type')).to.equal('application/json');
      });

      it('passes a body-less request on as an empty one, so the upstream names both fields', async () => {
        const response = await client.post('/auth/token/', '', { 'Content-Type': '' });
        expect(response.status).to.equal(400);
        expect(response.body).to.deep.equal({ email: ['This field is required.'], password: ['This field is required.'] });
      });

      it('answers malformed JSON with its own 400 and never calls the auth-service', async () => {
        const response = await client.post('/auth/token/', '{"email": ');
        expect(response.status).to.equal(400);
        expect(Object.keys(response.body)).to.deep.equal(['detail']);
        expect(response.body.detail).to.match(/^JSON parse error - /);
        expect(response.headers.get('content-type')).to.equal('application/json');
        expect(client.service.upstream.totalCalls).to.equal(0);
      });

      it('accepts a form-encoded login, as DRF does, and forwards it', async () => {
        const response = await client.post('/auth/token/', 'email=user%40test.com&password=user-pass', { 'Content-Type': 'application/x-www-form-urlencoded' });
        expect(response.status).to.equal(200);
        expect(Object.keys(response.body)).to.deep.equal(['refresh', 'access']);
      });

      it('answers another method with 405 and the DRF body, without asking upstream', async () => {
        const response = await client.get('/auth/token/');
        expect(response.status).to.equal(405);
        expect(response.text).to.equal(JSON.stringify({ detail: 'Method "GET" not allowed.' }));
        expect(client.service.upstream.totalCalls).to.equal(0);
      });

      it('refuses a body over BODY_LIMIT with its own 413, without asking upstream', async () => {
        const response = await client.post('/auth/token/', JSON.stringify({ email: 'x'.repeat(70000), password: 'p' }));
        expect(response.status).to.equal(413);
        expect(response.body.code).to.equal('payload_too_large');
        expect(client.service.upstream.totalCalls).to.equal(0);
      });

      it('costs exactly one token call and one user call upstream', async () => {
        await client.login('user@test.com');
        expect(Object.fromEntries(client.service.upstream.calls)).to.deep.equal({ '/auth/token/': 1, '/auth/user/': 1 });
      });
    });

    describe('POST /auth/token/refresh/, /verify/ and /blacklist/', () => {
      it('passes a refresh through and the new access token is accepted by the auth-service', async () => {
        const { refresh } = await client.login('user@test.com');
        const response = await client.post('/auth/token/refresh/', { refresh });
        expect(response.status).to.equal(200);
        expect(response.headers.get('content-type')).to.equal('application/json');
        expect(Object.keys(response.body)).to.deep.equal(['access']);
        expect(payloadOf(response.body.access)).to.include({ token_type: 'access', user_id: userId });
        expect((await auth.post('/auth/token/verify/', { token: response.body.access })).status).to.equal(200);
      });

      it('passes a refused refresh through with the upstream status and exact body', async () => {
        const { access } = await client.login('user@test.com');
        const direct = await auth.post('/auth/token/refresh/', { refresh: access });
        const proxied = await client.post('/auth/token/refresh/', { refresh: access });
        expect(proxied.status).to.equal(401);
        expect(proxied.text).to.equal(direct.text);
        expect(proxied.body).to.deep.equal({ detail: 'Token has wrong type', code: 'token_not_valid' });
        expect(proxied.headers.get('content-type')).to.equal('application/json');
      });

      it('passes verify through: {} for a good token, the upstream 401 for a bad one', async () => {
        const { access } = await client.login('user@test.com');
        const good = await client.post('/auth/token/verify/', { token: access });
        expect(good.status).to.equal(200);
        expect(good.text).to.equal('{}');
        expect(good.headers.get('content-type')).to.equal('application/json');
        const bad = await client.post('/auth/token/verify/', { token: 'not-a-token' });
        expect(bad.status).to.equal(401);
        expect(bad.text).to.equal(JSON.stringify({ detail: 'Token is invalid or expired', code: 'token_not_valid' }));
      });

      it('passes blacklist through, after which the auth-service refuses that refresh token', async () => {
        const { refresh } = await client.login('user@test.com');
        const blacklisted = await client.post('/auth/token/blacklist/', { refresh });
        expect(blacklisted.status).to.equal(200);
        expect(blacklisted.text).to.equal('{}');
        expect(blacklisted.headers.get('content-type')).to.equal('application/json');
        const reused = await client.post('/auth/token/refresh/', { refresh });
        expect(reused.status).to.equal(401);
        expect(reused.text).to.equal(JSON.stringify({ detail: 'Token is blacklisted', code: 'token_not_valid' }));
      });

      it('passes a password change through, after which the auth-service refuses the old password', async () => {
        const changed = await client.post('/auth/password-change/', { email: 'user@test.com', password: 'user-pass', new_password: 'another-pass-123' });
        expect(changed.status).to.equal(200);
        expect(changed.text).to.equal('{}');
        const old = await client.post('/auth/token/', { email: 'user@test.com', password: 'user-pass' });
        expect(old.status).to.equal(401);
        expect((await client.post('/auth/token/', { email: 'user@test.com', password: 'another-pass-123' })).status).to.equal(200);
      });

      it('passes missing fields of refresh through as the upstream 400', async () => {
        const response = await client.post('/auth/token/refresh/', {});
        expect(response.status).to.equal(400);
        expect(response.text).to.equal(JSON.stringify({ refresh: ['This field is required.'] }));
      });

      it('does not touch the local copies when passing refresh, verify and blacklist through', async () => {
        const { refresh, access } = await auth.login('user@test.com');
        await client.post('/auth/token/refresh/', { refresh });
        await client.post('/auth/token/verify/', { token: access });
        await client.post('/auth/token/blacklist/', { refresh });
        expect(await localUsers()).to.have.length(0);
        expect(client.service.upstream.calls.get('/auth/user/')).to.equal(undefined);
      });
    });
  });
});
