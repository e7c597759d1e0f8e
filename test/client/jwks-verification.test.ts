// A client-service verifying tokens with the keys its auth-service publishes (TOKEN_VERIFICATION
// jwks, or auto without a configured key): every asymmetric algorithm, rotation, the refetch
// cooldown under a flood of made-up kids, outages that keep the known keys, keys a JWKS must
// never supply, audience and issuer, and the rest of local mode (user copies, guards, the user
// claim). The auth-service is a stand-in of the test's own that counts its JWKS fetches.
import { expect } from 'chai';
import { createSecretKey, randomUUID } from 'node:crypto';
import pino from 'pino';
import { FrozenClock } from '../../src/core/clock';
import { KeyRing } from '../../src/core/key-ring';
import { TokenCodec } from '../../src/core/tokens';
import type { Logger } from '../../src/logger';
import type { SettingsInput } from '../../src/settings';
import { resolveSettings } from '../../src/settings';
import { TEST_KEY, testSettings } from '../support/auth-service';
import type { ClientExtras, TestClientService } from '../support/client-service';
import { bearer, FORBIDDEN, frozenNow, GuardedController, startClientService } from '../support/client-service';
import { forEachDialect } from '../support/databases';
import type { JwksServer, TestKey } from '../support/jwks-server';
import { eventually, generateTestKey, JWKS_ALGORITHMS, signerFor, startJwksServer, supported } from '../support/jwks-server';

/** The contract's 401 for a bad token on a protected route. */
const INVALID = {
  detail: 'Given token not valid for any token type',
  code: 'token_not_valid',
  messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token is invalid or expired' }],
};

/** A logger whose records the test reads. */
function recordingLogger(): { logger: Logger; records: Record<string, unknown>[]; said: (msg: string) => number } {
  const records: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, records, said: (msg) => records.filter((record) => String(record.msg).startsWith(msg)).length };
}

/** An access token for `userId` signed with `key` (its kid in the header). */
const accessFor = (key: TestKey, userId = 7, settings: SettingsInput = {}, clock?: FrozenClock, extra: Record<string, unknown> = {}) =>
  signerFor(key, settings, clock).pairFor(userId, extra).access.token;

forEachDialect((dialect) => {
  describe('a client-service verifying with the JWKS', function () {
    this.timeout(30000);
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    const serve = async (keys: unknown[] = []): Promise<JwksServer> => {
      const server = await startJwksServer(keys);
      cleanups.push(() => server.close());
      return server;
    };
    const client = async (server: JwksServer, settings: Record<string, unknown> = {}, extras: ClientExtras = {}): Promise<TestClientService> => {
      const started = await startClientService(
        dialect,
        { REMOTE_AUTH_SERVICE_URL: server.url, TOKEN_VERIFICATION: 'jwks', ...settings },
        { controllers: [GuardedController], ...extras },
      );
      cleanups.push(() => started.close());
      return started;
    };
    const status = async (service: TestClientService, token: string, path = '/guarded/login/') => (await service.get(path, bearer(token))).status;

    describe('every algorithm', () => {
      const keys = JWKS_ALGORITHMS.filter(supported).map((algorithm) => generateTestKey(algorithm));
      let server: JwksServer;
      let service: TestClientService;
      before(async () => {
        server = await startJwksServer(keys.map((key) => key.jwk));
        service = await startClientService(dialect, { REMOTE_AUTH_SERVICE_URL: server.url, TOKEN_VERIFICATION: 'jwks' }, { controllers: [GuardedController] });
      });
      after(async () => {
        await service.close();
        await server.close();
      });

      for (const algorithm of JWKS_ALGORITHMS) {
        // EdDSA tokens need a token core that signs and verifies them; until then the case is pending.
        (supported(algorithm) ? it : it.skip)(`accepts a ${algorithm} token whose kid the JWKS publishes`, async () => {
          const key = keys.find((candidate) => candidate.algorithm === algorithm) as TestKey;
          expect(service.service.verification).to.equal('jwks');
          expect(await status(service, accessFor(key))).to.equal(200);
        });
      }

      it('makes no call at all for a known kid once the user copy is fresh: no JWKS fetch, no user fetch', async () => {
        const token = accessFor(keys[0], 8);
        expect(await status(service, token)).to.equal(200);
        const [fetches, users, calls] = [server.fetches(), server.userFetches(), service.service.upstream.totalCalls];
        for (let i = 0; i < 20; i++) expect(await status(service, i % 2 ? token : accessFor(keys[i % keys.length], 8))).to.equal(200);
        expect([server.fetches(), server.userFetches(), service.service.upstream.totalCalls]).to.deep.equal([fetches, users, calls]);
      });

      it('refuses tokens signed with a published key whose claims are out of bounds, with the usual 401', async () => {
        const absurd: Record<string, unknown>[] = [
          { exp: 253402300799 },
          { iat: -1 },
          { nbf: -5 },
          { jti: 'j'.repeat(300) },
          { jti: 'a b' },
          { user_id: 1e300 },
          { user_id: -1 },
          { token_type: 'access'.padEnd(100, 'x') },
        ];
        for (const key of keys) {
          expect(await status(service, accessFor(key)), key.algorithm).to.equal(200);
          for (const claims of absurd) {
            // Rebuilt claims replace the ones the codec writes (exp, jti and the type included).
            const token = signerFor(key).accessFrom({ user_id: 7 }, claims).token;
            const response = await service.get('/guarded/login/', bearer(token));
            expect([key.algorithm, claims, response.status, response.body]).to.deep.equal([key.algorithm, claims, 401, INVALID]);
          }
        }
      });

      it("refuses a token whose header names one key's kid with another key's algorithm", async () => {
        const [rsa, ec] = [keys.find((key) => key.algorithm === 'RS256') as TestKey, keys.find((key) => key.algorithm === 'ES256') as TestKey];
        // Signed with the ES256 key, under the RS256 key's kid: the kid's key pins RS256.
        const forged = accessFor({ ...ec, kid: rsa.kid });
        const refused = await service.get('/guarded/login/', bearer(forged));
        expect([refused.status, refused.body]).to.deep.equal([401, INVALID]);
      });
    });

    it('accepts a key that appears after start-up with one refetch, and drops a key the JWKS withdrew', async () => {
      const [a, b, c] = [generateTestKey('RS256'), generateTestKey('ES256'), generateTestKey('ES384')];
      const server = await serve([a.jwk]);
      const clock = frozenNow();
      const service = await client(server, {}, { clock });
      expect(server.fetches()).to.equal(1);
      expect(await status(service, accessFor(a, 7, {}, clock))).to.equal(200);

      server.keys = [a.jwk, b.jwk];
      clock.advance(6); // past the default 5 s cooldown since the start-up fetch
      expect(await status(service, accessFor(b, 7, {}, clock))).to.equal(200);
      expect(server.fetches()).to.equal(2);
      expect(await status(service, accessFor(b, 7, {}, clock))).to.equal(200);
      expect(await status(service, accessFor(a, 7, {}, clock))).to.equal(200);
      expect(server.fetches()).to.equal(2);

      // A rotates out: the next fetch (here for C's new kid) no longer has it.
      server.keys = [b.jwk, c.jwk];
      clock.advance(6);
      expect(await status(service, accessFor(c, 7, {}, clock))).to.equal(200);
      const refused = await service.get('/guarded/login/', bearer(accessFor(a, 7, {}, clock)));
      expect([refused.status, refused.body]).to.deep.equal([401, INVALID]);
      expect(await status(service, accessFor(b, 7, {}, clock))).to.equal(200);
    });

    it('does not refetch within the cooldown: a new kid right after a fetch waits for the cooldown', async () => {
      const [a, b] = [generateTestKey('ES256'), generateTestKey('ES256')];
      const server = await serve([a.jwk]);
      const clock = frozenNow();
      const service = await client(server, { JWKS_REFETCH_COOLDOWN: 30 }, { clock });
      server.keys = [a.jwk, b.jwk];
      clock.advance(29);
      expect(await status(service, accessFor(b, 7, {}, clock))).to.equal(401);
      expect(server.fetches()).to.equal(1);
      clock.advance(1);
      expect(await status(service, accessFor(b, 7, {}, clock))).to.equal(200);
      expect(server.fetches()).to.equal(2);
    });

    it('fetches at most once per cooldown under a flood of tokens with made-up kids, and keeps serving known ones', async () => {
      const a = generateTestKey('ES256');
      const server = await serve([a.jwk]);
      const clock = frozenNow();
      const service = await client(server, { JWKS_REFETCH_COOLDOWN: 10 }, { clock });
      const known = accessFor(a, 7, {}, clock);
      expect(await status(service, known)).to.equal(200);
      const flood = async () => {
        // Made-up kids over a real signature: 40 at once, then 10 one after another.
        const garbage = () => accessFor({ ...a, kid: randomUUID() }, 7, {}, clock);
        const answers = await Promise.all(Array.from({ length: 40 }, () => service.get('/guarded/login/', bearer(garbage()))));
        for (let i = 0; i < 10; i++) answers.push(await service.get('/guarded/login/', bearer(garbage())));
        for (const answer of answers) expect([answer.status, answer.body]).to.deep.equal([401, INVALID]);
        expect(await status(service, known)).to.equal(200);
      };
      expect(server.fetches()).to.equal(1);
      await flood(); // within the cooldown of the start-up fetch: none
      expect(server.fetches()).to.equal(1);
      clock.advance(10);
      await flood();
      expect(server.fetches()).to.equal(2);
      clock.advance(5);
      await flood();
      expect(server.fetches()).to.equal(2);
      clock.advance(5);
      await flood();
      expect(server.fetches()).to.equal(3);
    });

    it("refreshes in the background after the answer's max-age, and after JWKS_MAX_AGE when that is shorter", async () => {
      const [a, b] = [generateTestKey('ES256'), generateTestKey('ES256')];
      const server = await serve([a.jwk]);
      server.maxAge = 1;
      const service = await client(server, { JWKS_REFETCH_COOLDOWN: 0.1 });
      server.keys = [a.jwk, b.jwk];
      await eventually(() => server.fetches() >= 2, 3000);
      // B arrived in the background: its first token costs no fetch.
      const fetched = server.fetches();
      expect(await status(service, accessFor(b))).to.equal(200);
      expect(server.fetches()).to.equal(fetched);

      const capped = await serve([a.jwk]);
      capped.maxAge = 3600;
      const started = Date.now();
      await client(capped, { JWKS_MAX_AGE: 0.3, JWKS_REFETCH_COOLDOWN: 0.1 });
      await eventually(() => capped.fetches() >= 3, 3000);
      expect(Date.now() - started).to.be.at.least(500);
    });

    it('stops fetching when it is closed', async () => {
      const server = await serve([generateTestKey('ES256').jwk]);
      server.maxAge = 0;
      const service = await client(server, { JWKS_REFETCH_COOLDOWN: 0.05, JWKS_MAX_AGE: 0.1 });
      await eventually(() => server.fetches() >= 3);
      await service.service.close();
      const fetched = server.fetches();
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(server.fetches()).to.equal(fetched);
    });

    it('keeps verifying with the known keys through an outage of every kind, and says so once per outage', async () => {
      const a = generateTestKey('ES256');
      const server = await serve([a.jwk]);
      server.maxAge = 0; // every answer is stale at once: a fetch per cooldown, doubled after failures
      const { logger, said } = recordingLogger();
      const service = await client(server, { JWKS_REFETCH_COOLDOWN: 0.05, JWKS_MAX_AGE: 0.1 }, { logger });
      const token = accessFor(a);
      expect(await status(service, token)).to.equal(200);
      for (const mode of ['error500', 'garbage', 'not-a-set', 'reset', 'not-found'] as const) {
        server.mode = mode;
        const before = server.fetches();
        await eventually(() => server.fetches() >= before + 2);
        expect(await status(service, token), mode).to.equal(200);
        // A made-up kid during the outage is still a plain 401, never a 5xx.
        const refused = await service.get('/guarded/login/', bearer(accessFor({ ...a, kid: 'made-up' })));
        expect([refused.status, refused.body], mode).to.deep.equal([401, INVALID]);
      }
      expect(said('JWKS unavailable')).to.equal(1);
      server.mode = 'ok';
      await eventually(() => said('JWKS available again') === 1);
      server.mode = 'error500';
      await eventually(() => said('JWKS unavailable') === 2);
      expect(await status(service, token)).to.equal(200);
    });

    it('keeps a known key whose published JWK turns unreadable, and warns about it once, not at every refresh', async () => {
      const [a, b] = [generateTestKey('RS256'), generateTestKey('ES256')];
      const server = await serve([a.jwk, b.jwk]);
      server.maxAge = 0;
      const { logger, said } = recordingLogger();
      const service = await client(server, { JWKS_REFETCH_COOLDOWN: 0.05, JWKS_MAX_AGE: 0.1 }, { logger });
      server.keys = [{ ...a.jwk, n: 'AQAB' }, b.jwk];
      const before = server.fetches();
      await eventually(() => server.fetches() >= before + 4);
      expect(await status(service, accessFor(a))).to.equal(200);
      expect(await status(service, accessFor(b))).to.equal(200);
      expect(said('JWKS key ignored')).to.equal(1);
    });

    it('never takes a symmetric key or a private JWK from the JWKS', async () => {
      const a = generateTestKey('ES256');
      const secret = 'a-secret-that-a-jwks-must-never-supply-32';
      const rsa = generateTestKey('RS256', 'private-one');
      const oct = { kty: 'oct', k: Buffer.from(secret).toString('base64url'), kid: 'shared', alg: 'HS256', use: 'sig' };
      const privateJwk = { ...rsa.privateKey.export({ format: 'jwk' }), kid: rsa.kid, alg: 'RS256', use: 'sig' };
      const server = await serve([oct, privateJwk, a.jwk]);
      const { logger, records } = recordingLogger();
      const service = await client(server, {}, { logger });
      expect(service.service.verification).to.equal('jwks');

      const hmacRing = new KeyRing([], { kid: 'shared', algorithm: 'HS256', key: createSecretKey(Buffer.from(secret)) });
      const hmacToken = new TokenCodec(resolveSettings(testSettings()), hmacRing).pairFor(7).access.token;
      for (const token of [hmacToken, accessFor(rsa)]) {
        const refused = await service.get('/guarded/login/', bearer(token));
        expect([refused.status, refused.body]).to.deep.equal([401, INVALID]);
      }
      expect(await status(service, accessFor(a))).to.equal(200);
      const ignored = records.filter((record) => record.msg === 'JWKS key ignored').map((record) => record.kid);
      expect(ignored).to.deep.equal(['shared', 'private-one']);
    });

    it('checks audience (one or several, on either side), issuer and LEEWAY as local mode does', async () => {
      const a = generateTestKey('PS256');
      const server = await serve([a.jwk]);
      const clock = frozenNow();
      const service = await client(server, { AUDIENCE: ['svc-a', 'svc-b'], ISSUER: 'https://auth.test', LEEWAY: 10 }, { clock });
      const token = (settings: SettingsInput, signedAgo = 0) => {
        const signedAt = new FrozenClock(clock.now() - signedAgo * 1000);
        return accessFor(a, 7, { ACCESS_TOKEN_LIFETIME: 300, ...settings }, signedAt);
      };
      const issuer = { ISSUER: 'https://auth.test' };
      expect(await status(service, token({ AUDIENCE: ['other', 'svc-b'], ...issuer }))).to.equal(200);
      expect(await status(service, token({ AUDIENCE: 'svc-a', ...issuer }))).to.equal(200);
      expect(await status(service, token({ AUDIENCE: 'svc-a', ...issuer }, 305))).to.equal(200); // 5 s past exp, within LEEWAY
      for (const [name, refusedToken] of [
        ['an audience of others', token({ AUDIENCE: ['x', 'y'], ...issuer })],
        ['no audience', token(issuer)],
        ['another issuer', token({ AUDIENCE: 'svc-a', ISSUER: 'https://evil.test' })],
        ['no issuer', token({ AUDIENCE: 'svc-a' })],
        ['expired beyond LEEWAY', token({ AUDIENCE: 'svc-a', ...issuer }, 315)],
      ] as const) {
        const refused = await service.get('/guarded/login/', bearer(refusedToken));
        expect([refused.status, refused.body], name).to.deep.equal([401, INVALID]);
      }
    });

    it('keeps local copies of users, synced from the auth-service, and guards routes with their permissions', async () => {
      const a = generateTestKey('ES256');
      const server = await serve([a.jwk]);
      server.permissions.set(7, ['app.view']);
      const service = await client(server);
      const token = accessFor(a, 7);
      expect(await status(service, token, '/guarded/view/')).to.equal(200);
      const forbidden = await service.get('/guarded/view-and-edit/', bearer(token));
      expect([forbidden.status, forbidden.body]).to.deep.equal([403, FORBIDDEN]);
      expect((await service.get('/guarded/me/', bearer(token))).body).to.include({ id: 7, email: 'user7@test.com' });
      expect(server.userFetches()).to.equal(1);
    });

    it('authorises from the user claim alone with USER_FROM_CLAIM', async () => {
      const a = generateTestKey('ES256');
      const server = await serve([a.jwk]);
      const service = await client(server, { USER_FROM_CLAIM: 'user' });
      const user = { id: 9, email: 'user9@test.com', is_staff: false, is_superuser: false, perms: ['app.view'] };
      const token = accessFor(a, 9, {}, undefined, { user });
      expect(await status(service, token, '/guarded/view/')).to.equal(200);
      expect(await status(service, token, '/guarded/view-and-edit/')).to.equal(403);
      expect(await status(service, accessFor(a, 9), '/guarded/view/')).to.equal(401);
      expect(server.userFetches()).to.equal(0);
    });

    it('starts while the JWKS does not answer, and verifies once it does', async () => {
      const a = generateTestKey('ES256');
      const server = await serve([a.jwk]);
      server.mode = 'reset';
      const clock = frozenNow();
      const { logger, said } = recordingLogger();
      const service = await client(server, {}, { clock, logger });
      expect(service.service.verification).to.equal('jwks');
      expect(service.service.verificationReason).to.contain('TOKEN_VERIFICATION=jwks; no key yet');
      expect(said("the auth-service's JWKS")).to.equal(1);
      expect(await status(service, accessFor(a, 7, {}, clock))).to.equal(401);
      server.mode = 'ok';
      clock.advance(5);
      expect(await status(service, accessFor(a, 7, {}, clock))).to.equal(200);
    });

    describe("under 'auto'", () => {
      it('picks jwks when the auth-service publishes a usable key, and says why', async () => {
        const a = generateTestKey('ES512');
        const server = await serve([a.jwk]);
        const { logger, records } = recordingLogger();
        const service = await client(server, { TOKEN_VERIFICATION: 'auto' }, { logger });
        expect(service.service.verification).to.equal('jwks');
        expect(service.service.verificationReason).to.equal(
          `no key configured, and the auth-service publishes 1 usable key at ${server.url}/.well-known/jwks.json`,
        );
        const ready = records.find((record) => String(record.msg).startsWith('client-service ready'));
        expect(ready).to.include({ verification: 'jwks', reason: service.service.verificationReason });
        expect(await status(service, accessFor(a))).to.equal(200);
      });

      it('fetches the JWKS from JWKS_URL when it is set', async () => {
        const a = generateTestKey('ES256');
        const [keys, elsewhere] = [await serve([a.jwk]), await serve([])];
        const service = await client(elsewhere, { TOKEN_VERIFICATION: 'auto', JWKS_URL: `${keys.url}/.well-known/jwks.json` });
        expect(service.service.verification).to.equal('jwks');
        expect([keys.fetches(), elsewhere.fetches()]).to.deep.equal([1, 0]);
      });

      it('picks remote when the auth-service publishes no key, no usable key, or no JWKS at all', async () => {
        const empty = await serve([]);
        const octOnly = await serve([{ kty: 'oct', k: 'c2VjcmV0', kid: 'k', alg: 'HS256' }]);
        const none = await serve([]);
        none.mode = 'not-found';
        const reasons = [];
        for (const server of [empty, octOnly, none]) {
          const service = await client(server, { TOKEN_VERIFICATION: 'auto' });
          expect(service.service.verification).to.equal('remote');
          reasons.push(service.service.verificationReason);
        }
        expect(reasons[0]).to.contain('publishes no key at');
        expect(reasons[1]).to.contain('none of the 1 key of the JWKS');
        expect(reasons[2]).to.contain('answered 404');
      });

      it('picks local with a configured key, without fetching the JWKS', async () => {
        const server = await serve([generateTestKey('ES256').jwk]);
        const service = await client(server, { TOKEN_VERIFICATION: 'auto', SIGNING_KEY: TEST_KEY });
        expect([service.service.verification, service.service.verificationReason]).to.deep.equal(['local', 'a SIGNING_KEY is configured']);
        expect(server.fetches()).to.equal(0);
      });
    });
  });
});
