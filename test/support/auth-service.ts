// Building an auth-service for a test: a fresh database, fast password hashing, a listening
// server on 127.0.0.1 port 0, and small helpers to call it.
import type { AuthService } from '../../src/services/auth-service';
import { createAuthService } from '../../src/services/auth-service';
import type { NewUser } from '../../src/auth-service/user-store';
import type { ClaimBuilder, ClaimRegistry } from '../../src/core/claims';
import type { Clock } from '../../src/core/clock';
import type { PasswordValidator } from '../../src/core/password-validators';
import type { RegistrationStep } from '../../src/registry/pipeline';
import type { Logger } from '../../src/logger';
import type { SettingsInput } from '../../src/settings';
import type { UserSerializer } from '../../src/serializers/user-serializer';
import type { DialectName } from './databases';
import { freshDatabaseUrl } from './databases';

export const TEST_KEY = 'test-signing-key-that-is-at-least-32-bytes-long';

/** Settings tests start from: a known key and scrypt cheap enough for hundreds of logins. */
export const testSettings = (overrides: SettingsInput = {}): SettingsInput => ({
  SIGNING_KEY: TEST_KEY,
  PASSWORD_SCRYPT_N: 1024,
  PASSWORD_SCRYPT_P: 1,
  LOG_LEVEL: 'silent',
  ...overrides,
});

/** A running auth-service and ways to talk to it. */
export interface TestAuthService {
  readonly service: AuthService;
  readonly url: string;
  createUser(input: Partial<NewUser> & { email: string }): Promise<number>;
  /** POST with a JSON body (or a raw string body with the given content type). */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  get(path: string, headers?: Record<string, string>): Promise<TestResponse>;
  /** Logs in and returns the pair. */
  login(email: string, password?: string): Promise<{ refresh: string; access: string }>;
  close(): Promise<void>;
}

export interface TestResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body (undefined when it is not JSON). */
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- assertions read it like the JSON it is
}

async function toTestResponse(response: Response): Promise<TestResponse> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** Calls `url` and reads the whole answer. */
export async function call(url: string, init: RequestInit = {}): Promise<TestResponse> {
  return toTestResponse(await fetch(url, init));
}

/** POST (JSON, or a raw string body), GET and a login at `/auth/token/`, against one base URL. */
export function jsonClient(url: string) {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    call(url + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return {
    post,
    get: (path: string, headers: Record<string, string> = {}) => call(url + path, { headers }),
    /** Logs in and returns the pair; any other answer fails the test with its body. */
    login: async (email: string, password = 'user-pass'): Promise<{ refresh: string; access: string }> => {
      const response = await post('/auth/token/', { email, password });
      if (response.status !== 200) throw new Error(`login at ${url} failed: ${response.status} ${response.text}`);
      return response.body;
    },
  };
}

/**
 * Starts an auth-service on a fresh database of `dialect`.
 *
 * @example
 *   const auth = await startAuthService('sqlite', { ROTATE_REFRESH_TOKENS: true });
 */
export async function startAuthService(
  dialect: DialectName,
  overrides: SettingsInput = {},
  extra: {
    clock?: Clock;
    logger?: Logger;
    serializer?: UserSerializer;
    claims?: ClaimRegistry | readonly ClaimBuilder[];
    registrationSteps?: readonly RegistrationStep[];
    passwordValidators?: readonly PasswordValidator[];
  } = {},
): Promise<TestAuthService> {
  const DATABASE_URL = await freshDatabaseUrl(dialect);
  const service = await createAuthService({ settings: testSettings({ DATABASE_URL, ...overrides }), ...extra });
  const listening = await service.listen(0, '127.0.0.1');
  const url = listening.url;
  return {
    service,
    url,
    ...jsonClient(url),
    createUser: async (input) => (await service.users.create({ password: 'user-pass', ...input })).id,
    close: async () => {
      await listening.close();
      await service.close();
    },
  };
}

/** The payload of a token, decoded without checking it. */
export const payloadOf = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
