// OIDC_PROVIDERS checked once at start-up, and id tokens verified by the token core with every
// algorithm a provider may use, the algorithm always the key's and the configuration's.
import { expect } from 'chai';
import type { KeyObject } from 'node:crypto';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { verifyIdToken } from '../../src/core/id-token';
import { importJwkSet } from '../../src/core/jwk-set';
import { KeyRing } from '../../src/core/key-ring';
import { NonceMismatch, ProviderAudienceMismatch, ProviderIssuerMismatch, ProviderTokenExpired, ProviderTokenInvalid, SettingsError } from '../../src/errors';
import type { Algorithm } from '../../src/settings';
import { resolveSettings } from '../../src/settings';
import { TEST_KEY } from '../support/auth-service';

const settingsWith = (providers: unknown) => resolveSettings({ SIGNING_KEY: TEST_KEY, OIDC_PROVIDERS: providers as never });
const failure = (providers: unknown): string => {
  try {
    settingsWith(providers);
  } catch (error) {
    expect(error).to.be.instanceOf(SettingsError);
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('OIDC_PROVIDERS', () => {
  it('fills in the defaults: RS256, the standard claim names, no user creation, verified emails required, 30 s leeway', () => {
    const [provider] = settingsWith([{ name: 'corp', issuer: 'https://id.example.com/realms/corp', client_id: 'easyjwt' }]).OIDC_PROVIDERS;
    expect(provider).to.deep.equal({
      name: 'corp',
      issuer: 'https://id.example.com/realms/corp',
      clientId: 'easyjwt',
      algorithms: ['RS256'],
      claims: { email: 'email', first_name: 'given_name', last_name: 'family_name' },
      createUsers: false,
      requireVerifiedEmail: true,
      leeway: 30,
    });
  });

  it('derives a Cognito issuer from region and user pool id, and reads the list from JSON text (the environment variable)', () => {
    const json = JSON.stringify([{ name: 'cognito', region: 'eu-west-1', user_pool_id: 'eu-west-1_AbC123', client_id: 'abc', claims: { first_name: 'name' } }]);
    const [provider] = settingsWith(json).OIDC_PROVIDERS;
    expect(provider.issuer).to.equal('https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123');
    expect(provider.claims).to.deep.equal({ email: 'email', first_name: 'name', last_name: 'family_name' });
  });

  it('keeps resolved settings valid when they are passed again', () => {
    const settings = settingsWith([{ name: 'corp', issuer: 'https://id.example.com', client_id: 'x', algorithms: ['ES256', 'RS256'] }]);
    expect(resolveSettings({ ...settings }).OIDC_PROVIDERS).to.deep.equal(settings.OIDC_PROVIDERS);
  });

  it('refuses bad entries with a message naming the setting, the entry and the problem', () => {
    const base = { name: 'corp', issuer: 'https://id.example.com', client_id: 'x' };
    expect(failure([base, { ...base }])).to.equal('Invalid setting OIDC_PROVIDERS: two providers are named "corp": names must be unique');
    expect(failure([{ ...base, issuer: 'http://id.example.com' }])).to.contain('entry 1: provider "corp": issuer must be an https URL');
    expect(failure([{ ...base, issuer: 'not a url' }])).to.contain('issuer is not a URL');
    expect(failure([{ ...base, issuer: 'https://id.example.com/?x=1' }])).to.contain('no query, fragment or credentials');
    expect(failure([{ name: 'corp', issuer: 'https://id.example.com' }])).to.contain('client_id is required');
    expect(failure([{ name: 'corp', client_id: 'x' }])).to.contain('issuer is required (or region and user_pool_id');
    expect(failure([{ ...base, algorithms: ['HS256'] }])).to.contain('algorithms must be a non-empty list of RS256');
    expect(failure([{ ...base, algorithms: [] }])).to.contain('algorithms must be a non-empty list');
    expect(failure([{ ...base, clientid: 'x' }])).to.contain('unknown field "clientid"');
    expect(failure([{ ...base, name: 'with space' }])).to.contain('name must be 1 to 64 letters');
    expect(failure([{ ...base, create_users: 'yes' }])).to.contain('create_users must be true or false');
    expect(failure([{ ...base, leeway: 3600 }])).to.contain('leeway must be a number of seconds from 0 to 300');
    expect(failure([{ ...base, claims: { mail: 'email' } }])).to.contain('claims has no field "mail"');
    expect(failure([{ name: 'c', region: 'eu-west-1', user_pool_id: 'us-east-1_Abc', client_id: 'x' }])).to.contain('belongs to region us-east-1');
    expect(failure([{ ...base, region: 'eu-west-1', user_pool_id: 'eu-west-1_Abc' }])).to.contain('not both');
    expect(failure('[{')).to.contain('must be a list of providers (or its JSON text)');
  });

  it('allows plain http on loopback only, for development and tests', () => {
    for (const issuer of ['http://127.0.0.1:8080', 'http://localhost:9000/realms/dev', 'http://[::1]:5556']) {
      expect(settingsWith([{ name: 'dev', issuer, client_id: 'x' }]).OIDC_PROVIDERS[0].issuer).to.equal(issuer);
    }
  });
});

describe('verifyIdToken', () => {
  const NOW = 1_796_000_000;
  const ISSUER = 'https://id.example.com';
  const checks = (algorithms: Algorithm[], extra: Partial<Parameters<typeof verifyIdToken>[2]> = {}) => ({
    issuer: ISSUER,
    clientId: 'easyjwt',
    algorithms,
    leeway: 30,
    now: NOW,
    nonce: null,
    accessToken: null,
    ...extra,
  });
  const claims = { iss: ISSUER, aud: 'easyjwt', sub: 'user-1', iat: NOW - 10, exp: NOW + 300 };
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  function signed(algorithm: Algorithm, privateKey: KeyObject, payload: Record<string, unknown>, kid = 'k1'): string {
    const input = `${b64({ alg: algorithm, kid })}.${b64(payload)}`;
    const hash = algorithm === 'EdDSA' ? null : `sha${algorithm.slice(2)}`;
    const options = algorithm.startsWith('PS')
      ? { key: privateKey, padding: 6, saltLength: -1 }
      : algorithm.startsWith('ES')
        ? { key: privateKey, dsaEncoding: 'ieee-p1363' as const }
        : privateKey;
    return `${input}.${sign(hash, Buffer.from(input), options).toString('base64url')}`;
  }

  const pairs = {
    RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    PS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    ES384: generateKeyPairSync('ec', { namedCurve: 'P-384' }),
    EdDSA: generateKeyPairSync('ed25519'),
  } as const;
  const ringOf = (algorithm: Algorithm) => new KeyRing([{ kid: 'k1', algorithm, key: pairs[algorithm as keyof typeof pairs].publicKey }], null);

  for (const algorithm of Object.keys(pairs) as Algorithm[]) {
    it(`verifies ${algorithm} with the key's algorithm`, () => {
      const token = signed(algorithm, pairs[algorithm as keyof typeof pairs].privateKey, claims);
      expect(verifyIdToken(token, ringOf(algorithm), checks([algorithm])).subject).to.equal('user-1');
    });
  }

  it('refuses an algorithm the provider does not allow, even with a key that fits', () => {
    const token = signed('ES256', pairs.ES256.privateKey, claims);
    expect(() => verifyIdToken(token, ringOf('ES256'), checks(['RS256']))).to.throw(ProviderTokenInvalid);
  });

  it('refuses a header whose alg differs from the key the kid names', () => {
    // PS256 bytes under a header saying RS256, against a key bound to PS256.
    const input = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64(claims)}`;
    const token = `${input}.${sign('sha256', Buffer.from(input), pairs.PS256.privateKey).toString('base64url')}`;
    expect(() => verifyIdToken(token, ringOf('PS256'), checks(['RS256', 'PS256']))).to.throw(ProviderTokenInvalid, /invalid/);
  });

  it('tells issuer, audience, expiry and nonce failures apart', () => {
    const ring = ringOf('RS256');
    const key = pairs.RS256.privateKey;
    const check =
      (payload: Record<string, unknown>, extra = {}) =>
      () =>
        verifyIdToken(signed('RS256', key, payload), ring, checks(['RS256'], extra));
    expect(check({ ...claims, iss: `${ISSUER}/` })).to.throw(ProviderIssuerMismatch);
    expect(check({ ...claims, aud: 'someone-else' })).to.throw(ProviderAudienceMismatch);
    expect(check({ ...claims, aud: ['easyjwt', 'api'] })).to.throw(ProviderAudienceMismatch, /another client/);
    expect(check({ ...claims, aud: ['easyjwt', 'api'], azp: 'easyjwt' })()).to.have.property('subject', 'user-1');
    expect(check({ ...claims, azp: 'api' })).to.throw(ProviderAudienceMismatch);
    expect(check({ ...claims, exp: NOW - 31 })).to.throw(ProviderTokenExpired);
    expect(check({ ...claims, exp: NOW - 29 })()).to.have.property('subject', 'user-1');
    expect(check({ ...claims, iat: NOW + 31 })).to.throw(ProviderTokenInvalid);
    expect(check({ ...claims, iat: undefined })).to.throw(ProviderTokenInvalid);
    expect(check({ ...claims, sub: '' })).to.throw(ProviderTokenInvalid);
    expect(check({ ...claims, token_use: 'access' })).to.throw(ProviderTokenInvalid);
    expect(check({ ...claims, nonce: 'a' }, { nonce: 'b' })).to.throw(NonceMismatch);
    expect(check(claims, { nonce: 'b' })).to.throw(NonceMismatch);
    const atHash = createHash('sha256').update('at').digest().subarray(0, 16).toString('base64url');
    expect(check({ ...claims, at_hash: atHash }, { accessToken: 'at' })()).to.have.property('subject', 'user-1');
    expect(check({ ...claims, at_hash: atHash }, { accessToken: 'other' })).to.throw(ProviderTokenInvalid);
  });

  it('names the unknown kid, so the caller can fetch the keys again', () => {
    const token = signed('RS256', pairs.RS256.privateKey, claims, 'rotated-in');
    try {
      verifyIdToken(token, ringOf('RS256'), checks(['RS256']));
      expect.fail('verified');
    } catch (error) {
      expect(error).to.be.instanceOf(ProviderTokenInvalid);
      expect((error as ProviderTokenInvalid).unknownKid).to.equal('rotated-in');
    }
  });

  it("takes an RSA key published without alg for the provider's one RSA algorithm, and only then", () => {
    const jwk = { ...pairs.RS256.publicKey.export({ format: 'jwk' }), kid: 'k1' };
    expect(importJwkSet({ keys: [jwk] }).keys).to.have.length(0);
    const { keys } = importJwkSet({ keys: [jwk] }, { rsaAlgorithm: 'RS256' });
    expect(keys.map((key) => key.algorithm)).to.deep.equal(['RS256']);
    const token = signed('RS256', pairs.RS256.privateKey, claims);
    expect(verifyIdToken(token, new KeyRing(keys, null), checks(['RS256'])).subject).to.equal('user-1');
  });
});
