// koa-easyjwt/testing: what a team needs to test its own services against a real auth-service,
// without a test framework of ours. Everything here runs on Node's own fetch and an in-memory
// SQLite database, so a test starts in milliseconds and leaves nothing behind.
import { createAuthService } from '../services/auth-service';
import type { AuthService, AuthServiceOptions } from '../services/auth-service';
import type { NewUser } from '../auth-service/user-store';
import type { SettingsInput } from '../settings';

export { FrozenClock } from '../core/clock';
export type { Clock } from '../core/clock';

/** A signing key long enough for HS256; fine for tests, never for production. */
export const TEST_SIGNING_KEY = 'koa-easyjwt-test-signing-key-at-least-32-bytes';

/** The password test users get unless they name one. */
export const TEST_PASSWORD = 'test-user-pass';

/**
 * Settings for a test auth-service: the test key, an in-memory database, quiet logs and scrypt
 * cheap enough for hundreds of logins per test run; `overrides` win.
 *
 * @example
 *   const settings = testAuthSettings({ ROTATE_REFRESH_TOKENS: true });
 */
export function testAuthSettings(overrides: SettingsInput = {}): SettingsInput {
  return {
    SIGNING_KEY: TEST_SIGNING_KEY,
    DATABASE_URL: 'sqlite::memory:',
    PASSWORD_SCRYPT_N: 1024,
    PASSWORD_SCRYPT_P: 1,
    LOG_LEVEL: 'silent',
    ...overrides,
  };
}

/** Options of startTestAuthService: those of createAuthService, with settings made optional. */
export interface TestAuthServiceOptions extends Omit<AuthServiceOptions, 'settings'> {
  /** Merged over testAuthSettings(). */
  readonly settings?: SettingsInput;
}

/** A new test user: the email is required, the password defaults to TEST_PASSWORD. */
export type TestUserInput = Partial<NewUser> & { readonly email: string };

/** A token pair as the auth-service's obtain endpoint returns it (JSON delivery). */
export interface TestTokenPair {
  readonly access: string;
  readonly refresh: string;
}

/** A running auth-service for tests. */
export interface TestAuthService {
  readonly service: AuthService;
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The key tokens are signed with: give it to a client-service that verifies locally. */
  readonly signingKey: string;
  /** Creates a user (in the auth-service's database) and returns its id. */
  createUser(input: TestUserInput): Promise<number>;
  /** Logs in at the obtain endpoint; a refusal throws with the status and body. */
  login(email: string, password?: string): Promise<TestTokenPair>;
  /** Stops listening and closes the database. */
  close(): Promise<void>;
}

/**
 * Starts an auth-service on an in-memory SQLite database, listening on 127.0.0.1 on a free port.
 *
 * @example
 *   async function demo(): Promise<void> {
 *     const auth = await startTestAuthService();
 *     await auth.createUser({ email: 'ann@example.com', permissions: ['reports.view_report'] });
 *     const { access } = await auth.login('ann@example.com');
 *     console.log(access.split('.').length);
 *     await auth.close();
 *   }
 */
export async function startTestAuthService(options: TestAuthServiceOptions = {}): Promise<TestAuthService> {
  const settings = testAuthSettings(options.settings);
  const service = await createAuthService({ ...options, settings });
  const listening = await service.listen(0, '127.0.0.1');
  const url = listening.url;
  const prefix = service.settings.URL_PREFIX;
  return {
    service,
    url,
    signingKey: service.settings.SIGNING_KEY,
    createUser: async (input) => (await service.users.create({ password: TEST_PASSWORD, ...input })).id,
    login: async (email, password = TEST_PASSWORD) => {
      const response = await fetch(`${url}${prefix}/token/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`login of ${email} failed: ${response.status} ${text}`);
      return JSON.parse(text) as TestTokenPair;
    },
    close: async () => {
      await listening.close();
      await service.close();
    },
  };
}
