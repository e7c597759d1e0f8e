// resolveSettings: simplejwt's defaults, frozen results, and start-up failures that name the bad key.
import { expect } from 'chai';
import { SettingsError } from '../../src/errors';
import { loadConfig } from '../../src/cli/config';
import { resolveClientSettings } from '../../src/client-service/client-settings';
import type { SettingsInput } from '../../src/settings';
import { isResolvedSettings, OPTIONS, parseDuration, resolveSettings } from '../../src/settings';

const KEY = 'settings-test-key-of-at-least-32-bytes!';
const KEY_64 = 'k'.repeat(64);

/** The SettingsError thrown for `input` (raw, as from a config file: bad values included), or a failure if none is. */
function refusal(input: Readonly<Record<string, unknown>>): SettingsError {
  try {
    resolveSettings(input);
  } catch (error) {
    expect(error).to.be.instanceOf(SettingsError);
    return error as SettingsError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

describe('resolveSettings', () => {
  it("uses simplejwt's and easyjwt's defaults", () => {
    const settings = resolveSettings({ SIGNING_KEY: KEY });
    expect(settings).to.include({
      ALGORITHM: 'HS256',
      SIGNING_KEY: KEY,
      VERIFYING_KEY: null,
      AUDIENCE: null,
      ISSUER: null,
      LEEWAY: 0,
      ACCESS_TOKEN_LIFETIME: 300,
      REFRESH_TOKEN_LIFETIME: 86400,
      TOKEN_TYPE_CLAIM: 'token_type',
      JTI_CLAIM: 'jti',
      USER_ID_FIELD: 'id',
      USER_ID_CLAIM: 'user_id',
      USER_ID_CLAIM_TYPE: 'number',
      ROTATE_REFRESH_TOKENS: false,
      BLACKLIST_AFTER_ROTATION: false,
      UPDATE_LAST_LOGIN: false,
      CHECK_USER_IS_ACTIVE: true,
      CHECK_REVOKE_TOKEN: false,
      LOGIN_FIELD: 'email',
      AUTH_HEADER_NAME: 'Authorization',
      URL_PREFIX: '/auth',
    });
    expect(settings.AUTH_HEADER_TYPES).to.deep.equal(['Bearer']);
  });

  it('serves no sign-up unless asked, and refuses one whose users could not log in by the login field', () => {
    expect(resolveSettings({ SIGNING_KEY: KEY }).CREATE_USER_ENABLED).to.equal(false);
    expect(resolveSettings({ SIGNING_KEY: KEY, CREATE_USER_ENABLED: 'true' }).CREATE_USER_ENABLED).to.equal(true);
    expect(refusal({ SIGNING_KEY: KEY, CREATE_USER_ENABLED: true, LOGIN_FIELD: 'username' }).message).to.equal(
      'Invalid setting CREATE_USER_ENABLED: needs LOGIN_FIELD "email": users who sign up have no username to log in with',
    );
    expect(refusal({ SIGNING_KEY: KEY, CREATE_USER_ENABLED: 'maybe' }).key).to.equal('CREATE_USER_ENABLED');
    // The command line takes it from EASYJWT_CREATE_USER_ENABLED, for the auth-service only.
    const config = loadConfig({ EASYJWT_CREATE_USER_ENABLED: 'true' }, process.cwd(), undefined);
    expect(resolveSettings({ ...config.input, SIGNING_KEY: KEY }).CREATE_USER_ENABLED).to.equal(true);
    expect(config.clientInput).to.not.have.property('CREATE_USER_ENABLED');
  });

  it('returns a frozen object that cannot be changed afterwards', () => {
    const settings = resolveSettings({ SIGNING_KEY: KEY });
    expect(Object.isFrozen(settings)).to.equal(true);
    expect(() => {
      (settings as { ACCESS_TOKEN_LIFETIME: number }).ACCESS_TOKEN_LIFETIME = 1;
    }).to.throw(TypeError);
    expect(Object.isFrozen(settings.AUTH_HEADER_TYPES)).to.equal(true);
  });

  it('does not share state between calls', () => {
    const a = resolveSettings({ SIGNING_KEY: KEY, ACCESS_TOKEN_LIFETIME: 60 });
    const b = resolveSettings({ SIGNING_KEY: KEY });
    expect(a.ACCESS_TOKEN_LIFETIME).to.equal(60);
    expect(b.ACCESS_TOKEN_LIFETIME).to.equal(300);
  });

  it('refuses to start without SIGNING_KEY, naming it', () => {
    const error = refusal({});
    expect(error.key).to.equal('SIGNING_KEY');
    expect(error.message).to.contain('SIGNING_KEY');
  });

  it('names an unknown key, such as a misspelt one', () => {
    const error = refusal({ SIGNING_KEY: KEY, ACCESS_TOKEN_LIFETIM: 300 });
    expect(error.key).to.equal('ACCESS_TOKEN_LIFETIM');
    expect(error.message).to.contain('Invalid setting ACCESS_TOKEN_LIFETIM: is not a known setting');
  });

  it('names an unknown key even when it is a property every object inherits', () => {
    for (const key of ['constructor', 'toString', 'hasOwnProperty']) {
      const input = JSON.parse(`{"SIGNING_KEY":"${KEY}","${key}":1}`) as SettingsInput;
      expect(refusal(input).key).to.equal(key);
    }
  });

  it('names the key of a bad value', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ACCESS_TOKEN_LIFETIME: -1 }, 'ACCESS_TOKEN_LIFETIME'],
      [{ ACCESS_TOKEN_LIFETIME: 'abc' }, 'ACCESS_TOKEN_LIFETIME'],
      [{ ACCESS_TOKEN_LIFETIME: 0 }, 'ACCESS_TOKEN_LIFETIME'],
      [{ REFRESH_TOKEN_LIFETIME: '1w' }, 'REFRESH_TOKEN_LIFETIME'],
      [{ ALGORITHM: 'none' }, 'ALGORITHM'],
      [{ ALGORITHM: 'hs256' }, 'ALGORITHM'],
      [{ ROTATE_REFRESH_TOKENS: 'yes' }, 'ROTATE_REFRESH_TOKENS'],
      [{ LOGIN_FIELD: 'phone' }, 'LOGIN_FIELD'],
      [{ USER_ID_CLAIM_TYPE: 'int' }, 'USER_ID_CLAIM_TYPE'],
      [{ USER_ID_CLAIM: 'user id' }, 'USER_ID_CLAIM'],
      [{ AUTH_HEADER_TYPES: [] }, 'AUTH_HEADER_TYPES'],
      [{ URL_PREFIX: 'auth' }, 'URL_PREFIX'],
      [{ PORT: 70000 }, 'PORT'],
      [{ LEEWAY: -5 }, 'LEEWAY'],
    ];
    for (const [input, key] of cases) {
      const error = refusal({ SIGNING_KEY: KEY, ...input });
      expect(error.key, JSON.stringify(input)).to.equal(key);
      expect(error.message).to.contain(`Invalid setting ${key}:`);
    }
  });

  it('reads durations as seconds or as "5m", "1h", "1d", "300"', () => {
    expect(resolveSettings({ SIGNING_KEY: KEY, ACCESS_TOKEN_LIFETIME: '5m' }).ACCESS_TOKEN_LIFETIME).to.equal(300);
    expect(resolveSettings({ SIGNING_KEY: KEY, ACCESS_TOKEN_LIFETIME: '1h' }).ACCESS_TOKEN_LIFETIME).to.equal(3600);
    expect(resolveSettings({ SIGNING_KEY: KEY, REFRESH_TOKEN_LIFETIME: '1d' }).REFRESH_TOKEN_LIFETIME).to.equal(86400);
    expect(resolveSettings({ SIGNING_KEY: KEY, ACCESS_TOKEN_LIFETIME: '300' }).ACCESS_TOKEN_LIFETIME).to.equal(300);
    expect(resolveSettings({ SIGNING_KEY: KEY, ACCESS_TOKEN_LIFETIME: 90 }).ACCESS_TOKEN_LIFETIME).to.equal(90);
    expect(parseDuration('30s', 'X')).to.equal(30);
    expect(() => parseDuration('5 minutes', 'X')).to.throw(SettingsError, 'Invalid setting X');
  });

  it('reads login throttle limits as "N/duration", "off" or null, and refuses anything else', () => {
    const defaults = resolveSettings({ SIGNING_KEY: KEY });
    expect(defaults.LOGIN_THROTTLE_PER_ACCOUNT).to.deep.equal({ points: 10, seconds: 900 });
    expect(defaults.LOGIN_THROTTLE_PER_IP).to.deep.equal({ points: 100, seconds: 900 });
    const given = resolveSettings({ SIGNING_KEY: KEY, LOGIN_THROTTLE_PER_ACCOUNT: '3/2s', LOGIN_THROTTLE_PER_IP: '50/1h' });
    expect(given.LOGIN_THROTTLE_PER_ACCOUNT).to.deep.equal({ points: 3, seconds: 2 });
    expect(given.LOGIN_THROTTLE_PER_IP).to.deep.equal({ points: 50, seconds: 3600 });
    // Written back as it reads, for the settings table and a dump of the settings.
    expect(JSON.stringify(given.LOGIN_THROTTLE_PER_IP)).to.equal('"50/1h"');
    expect(JSON.stringify(defaults.LOGIN_THROTTLE_PER_ACCOUNT)).to.equal('"10/15m"');
    expect(resolveSettings({ SIGNING_KEY: KEY, LOGIN_THROTTLE_PER_ACCOUNT: 'off', LOGIN_THROTTLE_PER_IP: null })).to.include({
      LOGIN_THROTTLE_PER_ACCOUNT: null,
      LOGIN_THROTTLE_PER_IP: null,
    });
    for (const bad of ['10', '0/1m', '-1/1m', 'x/1m', '10/0s', '10/1.5s', '10/5 minutes', '10/', 10, { points: 10 }, { points: 0, seconds: 5 }]) {
      const error = refusal({ SIGNING_KEY: KEY, LOGIN_THROTTLE_PER_ACCOUNT: bad });
      expect(error.key, JSON.stringify(bad)).to.equal('LOGIN_THROTTLE_PER_ACCOUNT');
      expect(error.message).to.contain('must be "N/duration"');
    }
  });

  it('reads booleans and whole numbers given as environment-variable strings', () => {
    const settings = resolveSettings({ SIGNING_KEY: KEY, ROTATE_REFRESH_TOKENS: 'true', CHECK_USER_IS_ACTIVE: '0', PORT: '8080' });
    expect(settings).to.include({ ROTATE_REFRESH_TOKENS: true, CHECK_USER_IS_ACTIVE: false, PORT: 8080 });
  });

  it('refuses an HMAC key shorter than the hash: 32 bytes for HS256, 64 for HS512', () => {
    expect(refusal({ SIGNING_KEY: 'k'.repeat(31) }).key).to.equal('SIGNING_KEY');
    expect(resolveSettings({ SIGNING_KEY: 'k'.repeat(32) }).SIGNING_KEY).to.have.length(32);
    expect(refusal({ SIGNING_KEY: 'k'.repeat(63), ALGORITHM: 'HS512' }).message).to.contain('64 bytes');
    expect(resolveSettings({ SIGNING_KEY: KEY_64, ALGORITHM: 'HS512' }).ALGORITHM).to.equal('HS512');
    // Counted in UTF-8 bytes: 16 two-byte characters are 32 bytes.
    expect(resolveSettings({ SIGNING_KEY: 'é'.repeat(16) }).SIGNING_KEY).to.equal('é'.repeat(16));
  });

  it('does not apply the HMAC length rule to asymmetric algorithms', () => {
    // The PEM itself is checked when the keys are loaded, not here.
    expect(resolveSettings({ SIGNING_KEY: 'short', ALGORITHM: 'RS256' }).ALGORITHM).to.equal('RS256');
  });

  it('refuses a PASSWORD_SCRYPT_N that is not a power of two, or is below 1024', () => {
    expect(refusal({ SIGNING_KEY: KEY, PASSWORD_SCRYPT_N: 3000 }).message).to.contain('power of two');
    expect(refusal({ SIGNING_KEY: KEY, PASSWORD_SCRYPT_N: 512 }).key).to.equal('PASSWORD_SCRYPT_N');
    expect(resolveSettings({ SIGNING_KEY: KEY, PASSWORD_SCRYPT_N: 2048 }).PASSWORD_SCRYPT_N).to.equal(2048);
  });

  it('keeps an AUDIENCE list and strips a trailing slash from URL_PREFIX', () => {
    const settings = resolveSettings({ SIGNING_KEY: KEY, AUDIENCE: ['a', 'b'], URL_PREFIX: '/api/auth/' });
    expect(settings.AUDIENCE).to.deep.equal(['a', 'b']);
    expect(settings.URL_PREFIX).to.equal('/api/auth');
  });
});

describe('isResolvedSettings', () => {
  const settings = resolveSettings({ SIGNING_KEY: KEY });

  it('knows what resolveSettings returned', () => {
    expect(isResolvedSettings(settings)).to.equal(true);
  });

  it('does not take a frozen object, a copy, an object inheriting from them, or client settings for them', () => {
    expect(isResolvedSettings(Object.freeze({ ...settings }))).to.equal(false);
    expect(isResolvedSettings({ ...settings })).to.equal(false);
    expect(isResolvedSettings(Object.create(settings))).to.equal(false);
    expect(isResolvedSettings(resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: 'http://127.0.0.1:8000' }))).to.equal(false);
    for (const value of [null, undefined, 'settings', 0]) expect(isResolvedSettings(value)).to.equal(false);
  });

  it('leaves no trace a reader of the settings would see', () => {
    expect(Object.keys(settings)).to.deep.equal(Object.keys(OPTIONS));
    expect(JSON.parse(JSON.stringify(settings))).to.deep.equal(JSON.parse(JSON.stringify({ ...settings })));
    expect({ ...settings }).to.deep.equal(settings);
  });

  it('resolves resolved settings, given as raw input, to the same values', () => {
    const again = resolveSettings({ ...settings });
    expect(again).to.not.equal(settings);
    expect(again).to.deep.equal(settings);
  });
});
