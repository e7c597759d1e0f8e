// POST /auth/social-exchange/ against a real OpenID Connect provider (oidc-provider on loopback):
// the id token of an authorization-code + PKCE sign-in is traded for our pair, the account is
// found, linked or created by the provider's subject, and every bad token, account or outage is
// refused with its own status and code, never a 500.
import { expect } from 'chai';
import { ExternalIdentity, User } from '../../src/entities';
import type { SettingsInput } from '../../src/settings';
import { systemClock } from '../../src/core/clock';
import { LocalUser } from '../../src/entities';
import type { TestAuthService } from '../support/auth-service';
import { payloadOf, startAuthService, TEST_KEY } from '../support/auth-service';
import { startClientService } from '../support/client-service';
import type { DialectName } from '../support/databases';
import { forEachDialect } from '../support/databases';
import type { TestAccount, TestProvider } from '../support/oidc-provider';
import { rsaSigningKey, signIn, signRs256, startProvider } from '../support/oidc-provider';

const ACCOUNTS: Record<string, TestAccount> = {
  alice: { email: 'alice@test.com', email_verified: true, given_name: 'Alice', family_name: 'Liddell' },
  bob: { email: 'Bob@Test.com', email_verified: true, given_name: 'Bob', family_name: 'Builder' },
  eve: { email: 'eve@test.com', email_verified: false, given_name: 'Eve', family_name: 'Unverified' },
  carol: { email: 'carol@test.com', email_verified: true, given_name: 'Carol', family_name: 'Local' },
};

const providerSetting = (provider: TestProvider, extra: Record<string, unknown> = {}) => ({
  name: 'test-idp',
  issuer: provider.issuer,
  client_id: 'easyjwt-spa',
  create_users: true,
  ...extra,
});

forEachDialect((dialect: DialectName) => {
  describe('POST /auth/social-exchange/ with a real OpenID Connect provider', function () {
    this.timeout(30000);
    let provider: TestProvider;
    let auth: TestAuthService;

    const start = async (providers: unknown[], overrides: SettingsInput = {}, clock = systemClock) => {
      auth = await startAuthService(dialect, { OIDC_PROVIDERS: providers as never, LOGIN_THROTTLE_PER_IP: 'off', ...overrides }, { clock });
      return auth;
    };
    const exchange = (body: unknown) => auth.post('/auth/social-exchange/', body);
    const identities = () => auth.service.dataSource.manager.find(ExternalIdentity, { order: { id: 'ASC' } });

    before(async () => {
      provider = await startProvider(ACCOUNTS);
    });
    after(async () => provider.close());
    afterEach(async () => auth?.close());

    describe('a good sign-in', () => {
      it('answers our pair for the id token, creating the user and the identity, and reuses them the second time', async () => {
        await start([providerSetting(provider)]);
        const tokens = await signIn(provider, 'alice', { nonce: 'n-1' });
        const first = await exchange({
          id_token: tokens.id_token,
          access_token: tokens.access_token,
          expires_in: tokens.expires_in,
          token_type: 'Bearer',
          nonce: 'n-1',
        });
        expect(first.status, first.text).to.equal(200);
        expect(first.headers.get('content-type')).to.equal('application/json');
        expect(first.headers.get('cache-control')).to.equal('no-store');
        expect(Object.keys(first.body)).to.deep.equal(['refresh', 'access']);
        const user = await auth.service.dataSource.manager.findOneByOrFail(User, { email: 'alice@test.com' });
        expect(payloadOf(first.body.access).user_id).to.equal(user.id);
        expect([user.firstName, user.lastName, user.isActive, user.isStaff]).to.deep.equal(['Alice', 'Liddell', true, false]);
        expect(user.password.startsWith('!'), 'an unusable password').to.equal(true);
        // The pair is ours: it refreshes and reads the user like any other.
        expect((await auth.post('/auth/token/refresh/', { refresh: first.body.refresh })).status).to.equal(200);
        expect((await auth.get('/auth/user/', { Authorization: `Bearer ${first.body.access}` })).body.email).to.equal('alice@test.com');
        // No password signs in to an account the exchange created.
        expect((await auth.post('/auth/token/', { email: 'alice@test.com', password: '' })).status).to.equal(400);

        const again = await exchange({ id_token: (await signIn(provider, 'alice')).id_token });
        expect(again.status, again.text).to.equal(200);
        expect(payloadOf(again.body.access).user_id).to.equal(user.id);
        expect(await auth.service.dataSource.manager.count(User)).to.equal(1);
        const rows = await identities();
        expect(rows.map((row) => [row.provider, row.subject, row.userId, row.email])).to.deep.equal([['test-idp', 'alice', user.id, 'alice@test.com']]);
      });

      it('links a first sign-in to the local account with the same (verified) email, compared lower-cased', async () => {
        await start([providerSetting(provider, { create_users: false })]);
        const bobId = await auth.createUser({ email: 'bob@test.com' });
        const answer = await exchange({ id_token: (await signIn(provider, 'bob')).id_token });
        expect(answer.status, answer.text).to.equal(200);
        expect(payloadOf(answer.body.access).user_id).to.equal(bobId);
        expect((await identities()).map((row) => row.userId)).to.deep.equal([bobId]);
        // The local password still works: linking takes nothing away.
        expect((await auth.post('/auth/token/', { email: 'bob@test.com', password: 'user-pass' })).status).to.equal(200);
      });

      it('goes through the same issuing path as a login: the registry records the pair and loginSucceeded is announced', async () => {
        await start([providerSetting(provider)], { UPDATE_LAST_LOGIN: true });
        const announced: number[] = [];
        auth.service.events.on('loginSucceeded', ({ userId }) => {
          announced.push(userId);
        });
        const answer = await exchange({ id_token: (await signIn(provider, 'alice')).id_token });
        expect(answer.status, answer.text).to.equal(200);
        const user = await auth.service.dataSource.manager.findOneByOrFail(User, { email: 'alice@test.com' });
        expect(announced).to.deep.equal([user.id]);
        expect(user.lastLogin).to.be.instanceOf(Date);
        const sessions = await auth.get('/auth/sessions/', { Authorization: `Bearer ${answer.body.access}` });
        expect(sessions.status, sessions.text).to.equal(200);
        expect(sessions.body).to.have.length(1);
      });

      it('answers in the configured delivery mode: the refresh token in its HttpOnly cookie under refresh-cookie', async () => {
        await start([providerSetting(provider)], { DELIVERY_MODE: 'refresh-cookie', COOKIE_SECURE: false });
        const answer = await exchange({ id_token: (await signIn(provider, 'alice')).id_token });
        expect(answer.status, answer.text).to.equal(200);
        expect(Object.keys(answer.body).sort()).to.deep.equal(['access', 'csrf_token']);
        const cookies = answer.headers.getSetCookie();
        expect(cookies.some((line) => line.startsWith('easyjwt_refresh=') && /HttpOnly/i.test(line))).to.equal(true);
        // A page of another origin cannot make a browser sign in here with a token it lifted.
        const foreign = await auth.post('/auth/social-exchange/', { id_token: (await signIn(provider, 'alice')).id_token }, { Origin: 'https://evil.example' });
        expect([foreign.status, foreign.body.code]).to.deep.equal([403, 'origin_not_allowed']);
      });

      it('lets several providers link to one user', async () => {
        const second = await startProvider(ACCOUNTS);
        try {
          await start([providerSetting(provider), providerSetting(second, { name: 'second-idp' })]);
          const one = await exchange({ provider: 'test-idp', id_token: (await signIn(provider, 'alice')).id_token });
          const two = await exchange({ provider: 'second-idp', id_token: (await signIn(second, 'alice')).id_token });
          expect([one.status, two.status]).to.deep.equal([200, 200]);
          expect(payloadOf(two.body.access).user_id).to.equal(payloadOf(one.body.access).user_id);
          expect((await identities()).map((row) => row.provider)).to.deep.equal(['test-idp', 'second-idp']);
        } finally {
          await second.close();
        }
      });
    });

    describe('refused tokens', () => {
      const expectRefused = async (body: unknown, status: number, code: string) => {
        const answer = await exchange(body);
        expect({ status: answer.status, body: answer.body }, answer.text).to.deep.include({ status });
        expect(answer.body.code, answer.text).to.equal(code);
        expect(Object.keys(answer.body)).to.deep.equal(['detail', 'code']);
        if (status === 401) expect(answer.headers.get('www-authenticate')).to.equal('Bearer realm="api"');
        return answer;
      };

      it('refuses a token from another issuer, even one signed with the same key', async () => {
        const key = rsaSigningKey('shared-key');
        const ours = await startProvider(ACCOUNTS, { key });
        const impostor = await startProvider(ACCOUNTS, { key });
        try {
          await start([providerSetting(ours)]);
          await expectRefused({ id_token: (await signIn(impostor, 'alice')).id_token }, 401, 'provider_issuer_mismatch');
          // Another provider with keys of its own: no key of ours verifies it.
          await expectRefused({ id_token: (await signIn(provider, 'alice')).id_token }, 401, 'provider_token_invalid');
        } finally {
          await ours.close();
          await impostor.close();
        }
        expect(await auth.service.dataSource.manager.count(User)).to.equal(0);
      });

      it('refuses a token issued to another client (wrong audience)', async () => {
        await start([providerSetting(provider)]);
        await expectRefused({ id_token: (await signIn(provider, 'alice', { clientId: 'other-client' })).id_token }, 401, 'provider_audience_mismatch');
      });

      it('refuses an expired token with its own code (our clock two hours ahead of the provider)', async () => {
        const ahead = { now: () => Date.now() + 2 * 3600 * 1000 };
        await start([providerSetting(provider)], {}, ahead);
        await expectRefused({ id_token: (await signIn(provider, 'alice')).id_token }, 401, 'provider_token_expired');
      });

      it('refuses a tampered token and an alg-none token', async () => {
        await start([providerSetting(provider)]);
        const token = (await signIn(provider, 'alice')).id_token;
        const [header, payload, signature] = token.split('.');
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
        const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'bob' })).toString('base64url');
        await expectRefused({ id_token: `${header}.${forged}.${signature}` }, 401, 'provider_token_invalid');
        const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
        await expectRefused({ id_token: `${none}.${payload}.` }, 401, 'provider_token_invalid');
        await expectRefused({ id_token: `${none}.${payload}.${signature}` }, 401, 'provider_token_invalid');
        // HS256 keyed with the provider's public key text: the algorithm comes from our settings, not the header.
        const hs = Buffer.from(JSON.stringify({ alg: 'HS256', kid: provider.kid })).toString('base64url');
        await expectRefused({ id_token: `${hs}.${payload}.${signature}` }, 401, 'provider_token_invalid');
        expect(await auth.service.dataSource.manager.count(User)).to.equal(0);
      });

      it('refuses a nonce that differs, and a token with a nonce when the request has none', async () => {
        await start([providerSetting(provider)]);
        const token = (await signIn(provider, 'alice', { nonce: 'the-nonce' })).id_token;
        await expectRefused({ id_token: token, nonce: 'another-nonce' }, 401, 'nonce_mismatch');
        await expectRefused({ id_token: token }, 401, 'nonce_mismatch');
        const plain = (await signIn(provider, 'alice')).id_token;
        await expectRefused({ id_token: plain, nonce: 'the-nonce' }, 401, 'nonce_mismatch');
        expect((await exchange({ id_token: token, nonce: 'the-nonce' })).status).to.equal(200);
      });

      it('fetches the JWKS once more for an unknown kid, then refuses; within the cooldown it does not fetch again', async () => {
        let offset = 0;
        await start([providerSetting(provider)], { OIDC_JWKS_REFETCH_COOLDOWN: 30 }, { now: () => Date.now() + offset });
        expect((await exchange({ id_token: (await signIn(provider, 'alice')).id_token })).status).to.equal(200);
        const fetches = provider.hits.get('/jwks') ?? 0;
        // Right after the first fetch the cooldown holds even an unknown kid back.
        const stranger = rsaSigningKey('unknown-kid');
        const now = Math.floor(Date.now() / 1000);
        const claims = { iss: provider.issuer, aud: 'easyjwt-spa', sub: 'alice', iat: now, exp: now + 600, email: 'alice@test.com', email_verified: true };
        const token = signRs256({ kid: 'unknown-kid' }, claims, stranger.privateKey);
        await expectRefused({ id_token: token }, 401, 'provider_token_invalid');
        expect(provider.hits.get('/jwks')).to.equal(fetches);
        offset += 31_000;
        await expectRefused({ id_token: token }, 401, 'provider_token_invalid');
        expect(provider.hits.get('/jwks')).to.equal(fetches + 1);
        await expectRefused({ id_token: token }, 401, 'provider_token_invalid');
        expect(provider.hits.get('/jwks')).to.equal(fetches + 1);
        // Signed with the provider's own key, the same claims pass: only the key was wrong.
        expect((await exchange({ id_token: signRs256({ kid: provider.kid }, claims, provider.privateKey) })).status).to.equal(200);
      });

      it('checks at_hash against the access token when both are given', async () => {
        await start([providerSetting(provider)]);
        const now = Math.floor(Date.now() / 1000);
        const { createHash } = await import('node:crypto');
        const atHash = createHash('sha256').update('the-access-token').digest().subarray(0, 16).toString('base64url');
        const claims = {
          iss: provider.issuer,
          aud: 'easyjwt-spa',
          sub: 'alice',
          iat: now,
          exp: now + 600,
          at_hash: atHash,
          email: 'alice@test.com',
          email_verified: true,
        };
        const token = signRs256({ kid: provider.kid }, claims, provider.privateKey);
        await expectRefused({ id_token: token, access_token: 'another-access-token' }, 401, 'provider_token_invalid');
        expect((await exchange({ id_token: token, access_token: 'the-access-token' })).status).to.equal(200);
      });
    });

    describe('accounts', () => {
      const expectRefused = async (body: unknown, status: number, code: string) => {
        const answer = await exchange(body);
        expect(answer.status, answer.text).to.equal(status);
        expect(answer.body.code, answer.text).to.equal(code);
      };

      it('refuses an unverified email with 403 when the provider requires verified ones (the default)', async () => {
        await start([providerSetting(provider)]);
        await expectRefused({ id_token: (await signIn(provider, 'eve')).id_token }, 403, 'email_not_verified');
        expect(await auth.service.dataSource.manager.count(User)).to.equal(0);
      });

      it('never links or creates by an unverified email, even when the provider does not require verified ones', async () => {
        await start([providerSetting(provider, { require_verified_email: false })]);
        await auth.createUser({ email: 'eve@test.com' });
        await expectRefused({ id_token: (await signIn(provider, 'eve')).id_token }, 403, 'email_not_verified');
        expect(await identities()).to.deep.equal([]);
      });

      it('refuses a disabled local user with 401 user_inactive', async () => {
        await start([providerSetting(provider)]);
        expect((await exchange({ id_token: (await signIn(provider, 'alice')).id_token })).status).to.equal(200);
        await auth.service.users.changeAccess('alice@test.com', { isActive: false });
        await expectRefused({ id_token: (await signIn(provider, 'alice')).id_token }, 401, 'user_inactive');
      });

      it('refuses an identity with no account when the provider does not create users (403 account_not_provisioned)', async () => {
        await start([providerSetting(provider, { create_users: false })]);
        await expectRefused({ id_token: (await signIn(provider, 'carol')).id_token }, 403, 'account_not_provisioned');
        expect(await auth.service.dataSource.manager.count(User)).to.equal(0);
      });
    });

    describe('providers and requests', () => {
      it('answers 503 when the provider cannot be reached, and counts no failure against the caller', async () => {
        const gone = await startProvider(ACCOUNTS);
        const token = (await signIn(gone, 'alice')).id_token;
        await gone.close();
        await start([providerSetting(gone)], { LOGIN_THROTTLE_PER_IP: '1/15m' });
        for (let i = 0; i < 2; i++) {
          const answer = await exchange({ id_token: token });
          expect(answer.status, answer.text).to.equal(503);
          expect(answer.body).to.deep.equal({ detail: 'Identity provider unavailable.', code: 'provider_unavailable' });
        }
      });

      it('keeps verifying with the keys it holds while the provider is down, and answers 503 for a kid it would have to fetch', async () => {
        const flaky = await startProvider(ACCOUNTS);
        let offset = 0;
        await start([providerSetting(flaky)], {}, { now: () => Date.now() + offset });
        const first = (await signIn(flaky, 'alice')).id_token;
        const second = (await signIn(flaky, 'alice')).id_token;
        expect((await exchange({ id_token: first })).status).to.equal(200);
        await flaky.close();
        expect((await exchange({ id_token: second })).status, 'a known kid needs no fetch').to.equal(200);
        offset += 31_000;
        const now = Math.floor(Date.now() / 1000) + 31;
        const claims = { iss: flaky.issuer, aud: 'easyjwt-spa', sub: 'alice', iat: now, exp: now + 600, email: 'alice@test.com', email_verified: true };
        const rotated = signRs256({ kid: 'rotated-in' }, claims, rsaSigningKey('rotated-in').privateKey);
        const answer = await exchange({ id_token: rotated });
        expect([answer.status, answer.body]).to.deep.equal([503, { detail: 'Identity provider unavailable.', code: 'provider_unavailable' }]);
      });

      it('counts refused tokens in the login throttle per address', async () => {
        await start([providerSetting(provider)], { LOGIN_THROTTLE_PER_IP: '2/15m' });
        const bad = (await signIn(provider, 'alice', { clientId: 'other-client' })).id_token;
        expect((await exchange({ id_token: bad })).status).to.equal(401);
        expect((await exchange({ id_token: bad })).status).to.equal(401);
        const throttled = await exchange({ id_token: (await signIn(provider, 'alice')).id_token });
        expect(throttled.status, throttled.text).to.equal(429);
        expect(throttled.body.code).to.equal('throttled');
      });

      it('needs the provider named when several are configured, and refuses a name it does not know', async () => {
        const second = await startProvider(ACCOUNTS);
        try {
          await start([providerSetting(provider), providerSetting(second, { name: 'second-idp' })]);
          const token = (await signIn(provider, 'alice')).id_token;
          const unnamed = await exchange({ id_token: token });
          expect([unnamed.status, unnamed.body]).to.deep.equal([400, { provider: ['This field is required.'] }]);
          const unknown = await exchange({ id_token: token, provider: 'nobody' });
          expect([unknown.status, unknown.body]).to.deep.equal([401, { detail: 'Unknown identity provider.', code: 'unknown_provider' }]);
          // The right token for the wrong provider: its issuer gives it away.
          const crossed = await exchange({ id_token: token, provider: 'second-idp' });
          expect(crossed.status).to.equal(401);
        } finally {
          await second.close();
        }
      });

      it('answers 400 field errors for a malformed body, never a 500', async () => {
        await start([providerSetting(provider)]);
        const cases: [unknown, Record<string, unknown>][] = [
          [{}, { id_token: ['This field is required.'] }],
          [{ id_token: '' }, { id_token: ['This field may not be blank.'] }],
          [{ id_token: ['x'] }, { id_token: ['Not a valid string.'] }],
          [{ id_token: 'a.b.c', nonce: 5 }, { nonce: ['Not a valid string.'] }],
          [{ id_token: 'a.b.c', expires_in: 'soon' }, { expires_in: ['A valid integer is required.'] }],
          [[1], { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] }],
        ];
        for (const [body, expected] of cases) {
          const answer = await exchange(body);
          expect([answer.status, answer.body], JSON.stringify(body)).to.deep.equal([400, expected]);
        }
        const garbage = await exchange({ id_token: 'not-a-token' });
        expect([garbage.status, garbage.body.code]).to.deep.equal([401, 'provider_token_invalid']);
        const broken = await auth.post('/auth/social-exchange/', '{"id_token":', { 'Content-Type': 'application/json' });
        expect(broken.status).to.equal(400);
      });

      it('answers other methods with 405', async () => {
        await start([providerSetting(provider)]);
        const answer = await auth.get('/auth/social-exchange/');
        expect([answer.status, answer.body]).to.deep.equal([405, { detail: 'Method "GET" not allowed.' }]);
      });

      it('is relayed by a client-service, which keeps the user copy and answers in its own mode', async () => {
        await start([providerSetting(provider)]);
        const client = await startClientService(dialect, { REMOTE_AUTH_SERVICE_URL: auth.url, SIGNING_KEY: TEST_KEY, TOKEN_VERIFICATION: 'local' });
        try {
          const answer = await client.post('/auth/social-exchange/', { id_token: (await signIn(provider, 'alice', { nonce: 'n' })).id_token, nonce: 'n' });
          expect(answer.status, answer.text).to.equal(200);
          expect(Object.keys(answer.body)).to.deep.equal(['refresh', 'access']);
          const copy = await client.service.dataSource.manager.findOneByOrFail(LocalUser, { email: 'alice@test.com' });
          expect(copy.id).to.equal(payloadOf(answer.body.access).user_id);
          const refused = await client.post('/auth/social-exchange/', { id_token: (await signIn(provider, 'alice', { clientId: 'other-client' })).id_token });
          expect([refused.status, refused.body.code]).to.deep.equal([401, 'provider_audience_mismatch']);
        } finally {
          await client.close();
        }
      });

      it('is not served when no provider is configured', async () => {
        await start([]);
        const answer = await exchange({ id_token: 'a.b.c' });
        expect(answer.status).to.equal(404);
      });
    });
  });
});
