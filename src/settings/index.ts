// Settings: every option declared once with its default and its check (options.ts, parsers.ts),
// validated and frozen once here. Both services accept raw input or settings resolved before.
import { SettingsError } from '../errors';
import { checkCookieSettings } from './cookie-checks';
import { withDeliveryDefaults } from './delivery-defaults';
import { resolveOptions, isResolvedBy } from './option-table';
import type { Algorithm, Settings, SettingsInput } from './options';
import { OPTIONS } from './options';

export * from './cookie-checks';
export * from './delivery-defaults';
export * from './option-table';
export * from './options';
export * from './parsers';
export * from './password-validator-setting';
export * from './oidc-providers';

/** Whether rotated-out refresh tokens are watched for reuse (REFRESH_TOKEN_REUSE_DETECTION, resolved). */
export const reuseDetection = (settings: Pick<Settings, 'REFRESH_TOKEN_REUSE_DETECTION' | 'ROTATE_REFRESH_TOKENS'>): boolean =>
  settings.ROTATE_REFRESH_TOKENS && (settings.REFRESH_TOKEN_REUSE_DETECTION ?? true);

/** Whether the auth-service takes its keys from the database: an asymmetric ALGORITHM and no SIGNING_KEY. */
export const usesKeyStore = (settings: Pick<Settings, 'ALGORITHM' | 'SIGNING_KEY'>): boolean =>
  settings.SIGNING_KEY === '' && !settings.ALGORITHM.startsWith('HS');

const MINIMUM_HMAC_KEY_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };

/** Refuses an HMAC secret shorter than the hash it keys (RFC 7518 3.2). */
export function checkHmacKeyLength(algorithm: Algorithm, key: string | null): void {
  const minimum = MINIMUM_HMAC_KEY_BYTES[algorithm];
  if (minimum && key === '') throw new SettingsError('SIGNING_KEY', `is required for ${algorithm}: the key store holds asymmetric keys only`);
  if (minimum && key !== null && Buffer.byteLength(key, 'utf8') < minimum) {
    throw new SettingsError('SIGNING_KEY', `must be at least ${minimum} bytes for ${algorithm} (RFC 7518 3.2)`);
  }
}

/**
 * Validates `input` against the auth-service's option table and returns frozen settings.
 * Unknown keys and bad values throw a SettingsError naming the key.
 *
 * @example
 *   const settings = resolveSettings({ SIGNING_KEY: process.env.KEY, ACCESS_TOKEN_LIFETIME: '10m' });
 */
export function resolveSettings(input: SettingsInput = {}): Settings {
  return resolveOptions<Settings>(OPTIONS, withDeliveryDefaults(input), (settings) => {
    checkHmacKeyLength(settings.ALGORITHM, settings.SIGNING_KEY);
    // Its login needs a CSRF cookie from /auth/csrf/, a client-service route; and our
    // client-services need their auth-service in json mode.
    if (settings.DELIVERY_MODE === 'easyjwt-cookie') {
      throw new SettingsError('DELIVERY_MODE', 'easyjwt-cookie is a client-service mode, as in django-easyjwt 1.1: use refresh-cookie for an auth-service');
    }
    if (usesKeyStore(settings) && settings.KEY_ACTIVATION_DELAY < settings.KEY_RELOAD_INTERVAL) {
      throw new SettingsError(
        'KEY_ACTIVATION_DELAY',
        `must be at least KEY_RELOAD_INTERVAL (${settings.KEY_RELOAD_INTERVAL} s), so every instance knows a key before it signs`,
      );
    }
    checkCookieSettings(settings);
    if (settings.CREATE_USER_ENABLED && settings.LOGIN_FIELD !== 'email') {
      // The sign-up takes an email and no username, so its users could never log in by username.
      throw new SettingsError('CREATE_USER_ENABLED', `needs LOGIN_FIELD "email": users who sign up have no ${settings.LOGIN_FIELD} to log in with`);
    }
  });
}

/**
 * Whether `value` is settings resolveSettings returned, which a service may use without checking
 * them again. A copy (`{ ...settings, LEEWAY: 5 }`) is not: it is raw input like any other.
 *
 * @example
 *   const settings = resolveSettings({ SIGNING_KEY: 'a-signing-key-of-at-least-32-bytes' });
 *   isResolvedSettings(settings); // true
 *   isResolvedSettings({ ...settings, LEEWAY: 5 }); // false: checked again wherever it is passed
 */
export function isResolvedSettings(value: unknown): value is Settings {
  return isResolvedBy<Settings>(value, OPTIONS);
}
