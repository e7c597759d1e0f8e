// The key store while services run: two auth-service instances on one database, a key rotated and
// one retired under them. Old tokens keep verifying, new ones carry the new kid, retired keys stop
// verifying, and the JWKS publishes what verifies (a key not yet signing included).
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, jwtVerify } from 'jose';
import { KeyStore } from '../../src/auth-service/key-store';
import { systemClock } from '../../src/core/clock';
import { createDataSource, openDatabase } from '../../src/db/data-source';
import { createLogger } from '../../src/logger';
import type { SettingsInput } from '../../src/settings';
import { resolveSettings } from '../../src/settings';
import { createAuthService } from '../../src/services/auth-service';
import type { TestAuthService } from '../support/auth-service';
import { jsonClient, startAuthService, testSettings } from '../support/auth-service';
import type { DialectName } from '../support/databases';
import { forEachDialect, freshDatabaseUrl } from '../support/databases';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const kidOf = (token: string): unknown => (JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as { kid?: unknown }).kid;

/** Polls `check` every 100 ms until it is true, for at most `ms`; the time it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check()) return Date.now() - start;
    await sleep(100);
  }
  throw new Error(`not true within ${ms} ms`);
}

/** A database two instances can share: a SQLite file (memory is per connection), or a MariaDB database. */
async function sharedDatabaseUrl(dialect: DialectName): Promise<string> {
  if (dialect === 'sqlite') return `sqlite:${join(mkdtempSync(join(tmpdir(), 'easyjwt-keys-')), 'auth.sqlite3')}`;
  return freshDatabaseUrl(dialect);
}

/** An auth-service on `url` with its own server, as a second instance of the first. */
async function instance(url: string, overrides: SettingsInput): Promise<TestAuthService> {
  const service = await createAuthService({ settings: testSettings({ DATABASE_URL: url, ...overrides }) });
  const listening = await service.listen(0, '127.0.0.1');
  return {
    service,
    url: listening.url,
    ...jsonClient(listening.url),
    createUser: async (input) => (await service.users.create({ password: 'user-pass', ...input })).id,
    close: async () => {
      await listening.close();
      await service.close();
    },
  };
}

// Reloads every second; a rotated key signs 3 s after it is stored, well after every reload has seen it.
const STORE: SettingsInput = { ALGORITHM: 'ES256', SIGNING_KEY: '', KEY_RELOAD_INTERVAL: 1, KEY_ACTIVATION_DELAY: 3, REFRESH_TOKEN_LIFETIME: 600 };

forEachDialect((dialect) => {
  describe('the key store', function () {
    this.timeout(30000);
    let url: string;
    let a: TestAuthService;
    let b: TestAuthService;
    const admin = async () => {
      const settings = resolveSettings(testSettings({ DATABASE_URL: url, ...STORE }));
      return KeyStore.forAdmin(a.service.dataSource, settings, systemClock, createLogger('silent'));
    };
    const verifies = async (at: TestAuthService, token: string) => (await at.post('/auth/token/verify/', { token })).status === 200;

    beforeEach(async () => {
      url = await sharedDatabaseUrl(dialect);
      a = await instance(url, STORE);
      // The second instance reloads only every hour: it learns new keys from the kids it meets.
      b = await instance(url, { ...STORE, KEY_RELOAD_INTERVAL: 3600, KEY_ACTIVATION_DELAY: 3600 });
      await a.createUser({ email: 'ann@example.com' });
    });
    afterEach(async () => {
      await b.close();
      await a.close();
    });

    it('starts with one generated key, signs with its thumbprint as kid, and both instances verify', async () => {
      const keys = await (await admin()).list();
      expect(keys).to.have.length(1);
      expect(keys[0]).to.include({ algorithm: 'ES256', verifyUntil: null });
      const { access, refresh } = await a.login('ann@example.com');
      expect(kidOf(access)).to.equal(keys[0].kid);
      expect(await verifies(a, access)).to.equal(true);
      expect(await verifies(b, refresh)).to.equal(true);
      expect((await b.post('/auth/token/refresh/', { refresh })).status).to.equal(200);
    });

    it('rotates while both run: the new key is published first, signs after the delay, and old tokens keep verifying', async () => {
      const before = await a.login('ann@example.com');
      const oldKid = kidOf(before.access) as string;
      const { created, retiring } = await (await admin()).rotate('ES256');
      expect(retiring.map((key) => key.kid)).to.deep.equal([oldKid]);
      // Published at once (after A's next reload) while the old key still signs.
      await within(2000, async () => ((await a.get('/.well-known/jwks.json')).body.keys as { kid: string }[]).some((key) => key.kid === created.kid));
      expect(Date.now()).to.be.below(created.signsFrom.getTime() - 500, 'the test ran too slowly to see the key before it signs');
      const jwks = (await a.get('/.well-known/jwks.json')).body.keys as { kid: string }[];
      expect(jwks.map((key) => key.kid).sort()).to.deep.equal([oldKid, created.kid].sort());
      expect(kidOf((await a.login('ann@example.com')).access)).to.equal(oldKid);

      // After the activation delay, A signs with the new key.
      await within(5000, async () => kidOf((await a.login('ann@example.com')).access) === created.kid);
      expect(Date.now()).to.be.at.least(created.signsFrom.getTime());
      const after = await a.login('ann@example.com');
      expect(kidOf(after.access)).to.equal(created.kid);

      // B has not reloaded on its own (hourly); the new kid makes it reload at once.
      const learned = await within(3000, () => verifies(b, after.access));
      expect(learned).to.be.below(3000);
      // Tokens of the old key still verify on both, and refresh there.
      expect(await verifies(a, before.access)).to.equal(true);
      expect(await verifies(b, before.refresh)).to.equal(true);
      expect((await b.post('/auth/token/refresh/', { refresh: before.refresh })).status).to.equal(200);
      // The old key retires when the last token it signed has expired.
      const old = (await (await admin()).list()).find((key) => key.kid === oldKid);
      expect(old?.verifyUntil?.getTime()).to.equal(created.signsFrom.getTime() + 600 * 1000);
    });

    it('retires a key at once: its tokens stop verifying, and a new key signs when it was the only one', async () => {
      const before = await a.login('ann@example.com');
      const kid = kidOf(before.access) as string;
      const { replacement } = await (await admin()).retire(kid);
      expect(replacement).to.not.equal(null);
      await within(2500, async () => !(await verifies(a, before.access)));
      const refused = await a.post('/auth/token/refresh/', { refresh: before.refresh });
      expect(refused.status).to.equal(401);
      expect(refused.body).to.deep.include({ code: 'token_not_valid' });
      const jwks = (await a.get('/.well-known/jwks.json')).body.keys as { kid: string }[];
      expect(jwks.map((key) => key.kid)).to.deep.equal([replacement!.kid]);
      await within(2500, async () => kidOf((await a.login('ann@example.com')).access) === replacement!.kid);
    });

    it('publishes public keys that verify its tokens in jose, with a short public cache', async () => {
      const { access } = await a.login('ann@example.com');
      const answer = await a.get('/.well-known/jwks.json');
      expect(answer.status).to.equal(200);
      expect(answer.headers.get('cache-control')).to.equal('public, max-age=300');
      const [jwk] = answer.body.keys as Record<string, unknown>[];
      expect(jwk).to.include({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: kidOf(access) });
      expect(jwk).to.not.have.property('d');
      const { payload } = await jwtVerify(access, await importJWK(jwk as Parameters<typeof importJWK>[0], 'ES256'));
      expect(payload.token_type).to.equal('access');
    });
  });
});

forEachDialect((dialect) => {
  describe('the well-known endpoints', () => {
    let auth: TestAuthService;
    afterEach(async () => auth.close());

    it('publish no key with HMAC keys, and name the issuer and the JWKS', async () => {
      auth = await startAuthService(dialect);
      const jwks = await auth.get('/.well-known/jwks.json');
      expect(jwks.status).to.equal(200);
      expect(jwks.text).to.equal('{"keys":[]}');
      const discovery = await auth.get('/.well-known/openid-configuration');
      expect(discovery.body).to.deep.equal({ issuer: auth.url, jwks_uri: `${auth.url}/.well-known/jwks.json` });
      expect(discovery.headers.get('cache-control')).to.equal('no-store');
    });

    it('publish the public half of a settings key, with ISSUER as issuer and the configured max-age', async () => {
      const { generateKeyPairSync } = await import('node:crypto');
      const pair = generateKeyPairSync('ed25519', { publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
      auth = await startAuthService(dialect, { ALGORITHM: 'EdDSA', SIGNING_KEY: pair.privateKey, ISSUER: 'https://auth.example.com', JWKS_MAX_AGE: 60 });
      const jwks = await auth.get('/.well-known/jwks.json');
      expect(jwks.headers.get('cache-control')).to.equal('public, max-age=60');
      const keys = jwks.body.keys as Record<string, unknown>[];
      expect(keys).to.have.length(1);
      expect(keys[0]).to.include({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(Object.keys(keys[0]).sort()).to.deep.equal(['alg', 'crv', 'kid', 'kty', 'use', 'x']);
      expect((await auth.get('/.well-known/openid-configuration')).body.issuer).to.equal('https://auth.example.com');
      expect((await auth.get('/.well-known/nothing')).status).to.equal(404);
    });
  });
});

forEachDialect((dialect) => {
  describe('the key store meeting unknown kids', function () {
    this.timeout(20000);

    it('reloads at once for an unknown kid, then not again for 2 s, however many unknown kids come', async () => {
      const dataSource = createDataSource(await freshDatabaseUrl(dialect));
      await openDatabase(dataSource);
      const settings = resolveSettings(testSettings({ ...STORE, KEY_RELOAD_INTERVAL: 3600, KEY_ACTIVATION_DELAY: 3600 }));
      const store = await KeyStore.open(dataSource, settings, systemClock, createLogger('silent'));
      const admin = await KeyStore.forAdmin(dataSource, settings, systemClock, createLogger('silent'));
      try {
        expect(store.resolve('garbage-1', 'ES256')).to.equal(undefined); // reloads
        const started = Date.now();
        await sleep(200);
        const added = await admin.generate('ES256'); // written behind the store's back
        for (let i = 0; i < 5; i++) expect(store.resolve(`garbage-${i + 2}`, 'ES256')).to.equal(undefined);
        expect(store.resolve(added.kid, 'ES256')).to.equal(undefined);
        await sleep(300);
        // Still unknown: none of those asked the database again.
        expect(store.resolve(added.kid, 'ES256')).to.equal(undefined);
        expect(Date.now() - started).to.be.below(1500, 'the test ran too slowly to show the pause');
        await sleep(2100 - (Date.now() - started));
        expect(store.resolve(added.kid, 'ES256')).to.equal(undefined); // this one reloads
        await within(1000, () => Promise.resolve(store.resolve(added.kid, 'ES256') !== undefined));
      } finally {
        store.close();
        await dataSource.destroy();
      }
    });
  });
});
