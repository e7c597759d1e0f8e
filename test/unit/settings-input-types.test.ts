// The input types of resolveSettings and resolveClientSettings. Each `@ts-expect-error` below is
// itself a check: the build fails if the type would let that value through. Run time refuses the
// same values, since input from a file or the environment never passes through the type checker.
import { expect } from 'chai';
import type { ClientSettings, ClientSettingsInput } from '../../src/client-service/client-settings';
import { resolveClientSettings } from '../../src/client-service/client-settings';
import { SettingsError } from '../../src/errors';
import type { Settings, SettingsInput } from '../../src/settings';
import { resolveSettings } from '../../src/settings';

const KEY = 'settings-test-key-of-at-least-32-bytes!';
const URL_ = 'http://127.0.0.1:8000';

/** The keys of `T` whose type accepts anything. */
type Untyped<T> = { [K in keyof T]-?: unknown extends T[K] ? K : never }[keyof T];

describe('the settings input types', () => {
  it('refuse what run time refuses: unknown modes and algorithms, durations as objects, booleans as words', () => {
    const refused: (() => unknown)[] = [
      // @ts-expect-error: not a delivery mode
      () => resolveSettings({ SIGNING_KEY: KEY, DELIVERY_MODE: 'tow-cookies' }),
      // @ts-expect-error: a duration is seconds, or a string such as "5m"
      () => resolveSettings({ SIGNING_KEY: KEY, ACCESS_TOKEN_LIFETIME: { minutes: 5 } }),
      // @ts-expect-error: a duration's unit is s, m, h or d
      () => resolveSettings({ SIGNING_KEY: KEY, REFRESH_TOKEN_LIFETIME: '1w' }),
      // @ts-expect-error: not an algorithm
      () => resolveSettings({ SIGNING_KEY: KEY, ALGORITHM: 'none' }),
      // @ts-expect-error: not a boolean, nor a string an environment variable spells one with
      () => resolveSettings({ SIGNING_KEY: KEY, ROTATE_REFRESH_TOKENS: 'yes' }),
      // @ts-expect-error: SameSite values are capitalised
      () => resolveSettings({ SIGNING_KEY: KEY, COOKIE_SAMESITE: 'lax' }),
      // @ts-expect-error: not a pino level
      () => resolveSettings({ SIGNING_KEY: KEY, LOG_LEVEL: 'verbose' }),
      // @ts-expect-error: not a user field
      () => resolveSettings({ SIGNING_KEY: KEY, USER_ID_FIELD: 'uuid' }),
      // @ts-expect-error: not a whole number
      () => resolveSettings({ SIGNING_KEY: KEY, PORT: 'eighty' }),
      // @ts-expect-error: a list of strings
      () => resolveSettings({ SIGNING_KEY: KEY, AUTH_HEADER_TYPES: [1] }),
      // @ts-expect-error: not a verification mode
      () => resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: URL_, TOKEN_VERIFICATION: 'sometimes' }),
      // @ts-expect-error: a duration is seconds, or a string such as "5s"
      () => resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: URL_, REMOTE_AUTH_REQUEST_TIMEOUT: { seconds: 5 } }),
      // @ts-expect-error: not a boolean
      () => resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: URL_, REMOTE_AUTH_SSL_VERIFY: 'no' }),
    ];
    for (const resolve of refused) expect(resolve).to.throw(SettingsError);
  });

  it('allow the strings environment variables carry where the parsers read them', () => {
    const settings = resolveSettings({
      SIGNING_KEY: KEY,
      ACCESS_TOKEN_LIFETIME: '5m',
      LEEWAY: '30',
      SESSION_MAX_LIFETIME: '30d',
      COOKIE_SECURE: 'false',
      CHECK_USER_IS_ACTIVE: '1',
      PORT: '8080',
      AUTH_HEADER_TYPES: 'JWT',
      CSRF_TRUSTED_ORIGINS: 'https://a.example.com, https://b.example.com',
      USER_CLAIMS: 'email,is_staff',
    });
    expect(settings).to.include({
      ACCESS_TOKEN_LIFETIME: 300,
      LEEWAY: 30,
      SESSION_MAX_LIFETIME: 2592000,
      COOKIE_SECURE: false,
      CHECK_USER_IS_ACTIVE: true,
      PORT: 8080,
    });
    expect(settings.AUTH_HEADER_TYPES).to.deep.equal(['JWT']);
    expect(settings.CSRF_TRUSTED_ORIGINS).to.deep.equal(['https://a.example.com', 'https://b.example.com']);
    expect(settings.USER_CLAIMS).to.deep.equal(['email', 'is_staff']);
    expect(resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: URL_, REMOTE_AUTH_REQUEST_TIMEOUT: '1.5', REMOTE_AUTH_SSL_VERIFY: 'true' })).to.include({
      REMOTE_AUTH_REQUEST_TIMEOUT: 1.5,
      REMOTE_AUTH_SSL_VERIFY: true,
    });
  });

  it('take resolved settings as input, and give no option an untyped input', () => {
    // Compile-time checks: a copy of resolved settings is valid input, and every option has a type.
    const auth: SettingsInput = resolveSettings({ SIGNING_KEY: KEY }) satisfies Settings;
    const client: ClientSettingsInput = resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: URL_ }) satisfies ClientSettings;
    const everyOptionTyped: [Untyped<SettingsInput>, Untyped<ClientSettingsInput>] extends [never, never] ? true : false = true;
    expect(everyOptionTyped).to.equal(true);
    expect(resolveSettings({ ...auth }).SIGNING_KEY).to.equal(KEY);
    expect(resolveClientSettings({ ...client }).REMOTE_AUTH_SERVICE_URL).to.equal(URL_);
  });
});
