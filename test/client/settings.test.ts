// resolveClientSettings and the choice of verification: start-up failures name the key, 'auto' follows the key.
import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import type { ClientSettingsInput } from '../../src/client-service/client-settings';
import { isResolvedClientSettings, jwksUrlOf, resolveClientSettings, verifiesLocally } from '../../src/client-service/client-settings';
import { SettingsError } from '../../src/errors';
import { resolveSettings } from '../../src/settings';
import { TEST_KEY, startAuthService } from '../support/auth-service';
import { bearer, deadPort, GuardedController, startClientService } from '../support/client-service';
import { forEachDialect } from '../support/databases';

const URL_ = 'http://127.0.0.1:8000';

/** The SettingsError thrown for `input` (raw, as from a config file: bad values included), or a failure if none is. */
function refusal(input: Readonly<Record<string, unknown>>): SettingsError {
  try {
    resolveClientSettings(input);
  } catch (error) {
    expect(error).to.be.instanceOf(SettingsError);
    return error as SettingsError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

describe('resolveClientSettings', () => {
  it('requires REMOTE_AUTH_SERVICE_URL and names it', () => {
    const error = refusal({});
    expect(error.key).to.equal('REMOTE_AUTH_SERVICE_URL');
    expect(error.message).to.include('REMOTE_AUTH_SERVICE_URL');
  });

  it('refuses an auth-service URL that is not http or https, naming the key', () => {
    for (const url of ['ftp://127.0.0.1:8000', 'not a url', '127.0.0.1:8000', 'file:///etc/passwd', '']) {
      const error = refusal({ REMOTE_AUTH_SERVICE_URL: url });
      expect(error.key, url).to.equal('REMOTE_AUTH_SERVICE_URL');
    }
  });

  it('accepts http and https URLs and drops trailing slashes', () => {
    expect(resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: 'http://127.0.0.1:8000/' }).REMOTE_AUTH_SERVICE_URL).to.equal(URL_);
    expect(resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: 'https://auth.example.com/base//' }).REMOTE_AUTH_SERVICE_URL).to.equal(
      'https://auth.example.com/base',
    );
  });

  it("uses easyjwt's client defaults, frozen", () => {
    const settings = resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: URL_ });
    expect(settings).to.include({
      SIGNING_KEY: null,
      REMOTE_AUTH_SERVICE_TOKEN_PATH: '/auth/token/',
      REMOTE_AUTH_SERVICE_REFRESH_PATH: '/auth/token/refresh/',
      REMOTE_AUTH_SERVICE_VERIFY_PATH: '/auth/token/verify/',
      REMOTE_AUTH_SERVICE_BLACKLIST_PATH: '/auth/token/blacklist/',
      REMOTE_AUTH_SERVICE_USER_PATH: '/auth/user/',
      REMOTE_AUTH_REQUEST_TIMEOUT: 5,
      REMOTE_AUTH_SSL_VERIFY: true,
      REMOTE_AUTH_CA_BUNDLE: null,
      TOKEN_VERIFICATION: 'auto',
      USER_SYNC_MAX_AGE: 60,
      REMOTE_VERIFY_CACHE_TTL: 30,
      PORT: 8001,
    });
    expect(Object.isFrozen(settings)).to.equal(true);
  });

  it('refuses TOKEN_VERIFICATION local without a key, naming SIGNING_KEY', () => {
    const error = refusal({ REMOTE_AUTH_SERVICE_URL: URL_, TOKEN_VERIFICATION: 'local' });
    expect(error.key).to.equal('SIGNING_KEY');
    expect(error.message).to.include('SIGNING_KEY');
  });

  it('refuses TOKEN_VERIFICATION local for RS256 without a public key, naming VERIFYING_KEY', () => {
    expect(refusal({ REMOTE_AUTH_SERVICE_URL: URL_, TOKEN_VERIFICATION: 'local', ALGORITHM: 'RS256' }).key).to.equal('VERIFYING_KEY');
  });

  it('refuses an unknown TOKEN_VERIFICATION, a short HMAC key, a zero timeout and a relative path, naming each', () => {
    expect(refusal({ REMOTE_AUTH_SERVICE_URL: URL_, TOKEN_VERIFICATION: 'sometimes' }).key).to.equal('TOKEN_VERIFICATION');
    expect(refusal({ REMOTE_AUTH_SERVICE_URL: URL_, SIGNING_KEY: 'short' }).key).to.equal('SIGNING_KEY');
    expect(refusal({ REMOTE_AUTH_SERVICE_URL: URL_, REMOTE_AUTH_REQUEST_TIMEOUT: 0 }).key).to.equal('REMOTE_AUTH_REQUEST_TIMEOUT');
    expect(refusal({ REMOTE_AUTH_SERVICE_URL: URL_, REMOTE_AUTH_REQUEST_TIMEOUT: -1 }).key).to.equal('REMOTE_AUTH_REQUEST_TIMEOUT');
    expect(refusal({ REMOTE_AUTH_SERVICE_URL: URL_, REMOTE_AUTH_SERVICE_USER_PATH: 'auth/user/' }).key).to.equal('REMOTE_AUTH_SERVICE_USER_PATH');
  });

  it('refuses auth-service-only settings, naming them', () => {
    expect(refusal({ REMOTE_AUTH_SERVICE_URL: URL_, PASSWORD_SCRYPT_N: 1024 }).key).to.equal('PASSWORD_SCRYPT_N');
  });

  it('marks what it returns as resolved: not a frozen copy, nor auth-service settings', () => {
    const settings = resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: URL_ });
    expect(isResolvedClientSettings(settings)).to.equal(true);
    expect(isResolvedClientSettings(Object.freeze({ ...settings }))).to.equal(false);
    expect(isResolvedClientSettings(resolveSettings({ SIGNING_KEY: TEST_KEY }))).to.equal(false);
    expect(resolveClientSettings({ ...settings })).to.deep.equal(settings);
  });

  it('finds the JWKS below the auth-service unless JWKS_URL says where, and checks the JWKS settings', () => {
    expect(jwksUrlOf(resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: `${URL_}/` }))).to.equal(`${URL_}/.well-known/jwks.json`);
    const elsewhere = resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: URL_, JWKS_URL: 'https://keys.example.com/jwks/' });
    expect(jwksUrlOf(elsewhere)).to.equal('https://keys.example.com/jwks/');
    expect(resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: URL_ })).to.include({ JWKS_URL: null, JWKS_MAX_AGE: 300, JWKS_REFETCH_COOLDOWN: 5 });
    expect(resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: URL_, TOKEN_VERIFICATION: 'jwks', USER_FROM_CLAIM: 'user' }).TOKEN_VERIFICATION).to.equal('jwks');
    for (const url of ['ftp://keys.example.com/jwks.json', '/.well-known/jwks.json', ''])
      expect(refusal({ REMOTE_AUTH_SERVICE_URL: URL_, JWKS_URL: url }).key).to.equal('JWKS_URL');
    expect(refusal({ REMOTE_AUTH_SERVICE_URL: URL_, JWKS_MAX_AGE: 0 }).key).to.equal('JWKS_MAX_AGE');
    expect(refusal({ REMOTE_AUTH_SERVICE_URL: URL_, JWKS_REFETCH_COOLDOWN: '-1' }).key).to.equal('JWKS_REFETCH_COOLDOWN');
    // Under 'auto' without a key the mode may turn out remote, where a claim cannot be trusted.
    expect(refusal({ REMOTE_AUTH_SERVICE_URL: URL_, USER_FROM_CLAIM: 'user' }).key).to.equal('USER_FROM_CLAIM');
  });

  it("'auto' verifies locally exactly when a key is configured", () => {
    expect(verifiesLocally(resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: URL_, SIGNING_KEY: TEST_KEY }))).to.equal(true);
    expect(verifiesLocally(resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: URL_ }))).to.equal(false);
    expect(verifiesLocally(resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: URL_, SIGNING_KEY: TEST_KEY, TOKEN_VERIFICATION: 'remote' }))).to.equal(false);
  });
});

forEachDialect((dialect) => {
  describe('the verification a client-service picks', () => {
    let nowhere: string;
    before(async () => {
      nowhere = `http://127.0.0.1:${await deadPort()}`;
    });

    const verificationFor = async (settings: ClientSettingsInput) => {
      const client = await startClientService(dialect, { REMOTE_AUTH_SERVICE_URL: nowhere, ...settings });
      try {
        return client.service.verification;
      } finally {
        await client.close();
      }
    };

    it("is local under 'auto' with a SIGNING_KEY", async () => {
      expect(await verificationFor({ SIGNING_KEY: TEST_KEY })).to.equal('local');
    });

    it("is remote under 'auto' without a key", async () => {
      expect(await verificationFor({})).to.equal('remote');
    });

    it('is remote when asked for, even with a key', async () => {
      expect(await verificationFor({ SIGNING_KEY: TEST_KEY, TOKEN_VERIFICATION: 'remote' })).to.equal('remote');
    });

    it("is local under 'auto' with only the public key of an RS256 auth-service, whose tokens it then accepts without asking", async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
      const auth = await startAuthService(dialect, { ALGORITHM: 'RS256', SIGNING_KEY: privateKey });
      try {
        await auth.createUser({ email: 'user@test.com' });
        const client = await startClientService(
          dialect,
          { REMOTE_AUTH_SERVICE_URL: auth.url, ALGORITHM: 'RS256', VERIFYING_KEY: publicKey },
          { controllers: [GuardedController] },
        );
        try {
          expect(client.service.verification).to.equal('local');
          const { access } = await client.login('user@test.com');
          const before = client.service.upstream.totalCalls;
          for (let i = 0; i < 3; i++) expect((await client.get('/guarded/login/', bearer(access))).status).to.equal(200);
          expect(client.service.upstream.totalCalls).to.equal(before);
        } finally {
          await client.close();
        }
      } finally {
        await auth.close();
      }
    });
  });
});
