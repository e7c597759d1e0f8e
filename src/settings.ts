// Settings: every option declared once with its default and its check, validated and frozen once.
//
// Names follow simplejwt's SIMPLE_JWT dict so a Django team can carry its configuration over
// unchanged; durations take seconds or "5m" / "1d" strings where Django takes a timedelta.
import { SettingsError } from './errors';

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;
export type Algorithm = (typeof HMAC_ALGORITHMS)[number] | (typeof ASYMMETRIC_ALGORITHMS)[number];

/** The validated, frozen settings every part of the library receives. */
export interface Settings {
  readonly ALGORITHM: Algorithm;
  readonly SIGNING_KEY: string;
  readonly VERIFYING_KEY: string | null;
  readonly AUDIENCE: string | readonly string[] | null;
  readonly ISSUER: string | null;
  readonly LEEWAY: number;
  readonly ACCESS_TOKEN_LIFETIME: number;
  readonly REFRESH_TOKEN_LIFETIME: number;
  readonly TOKEN_TYPE_CLAIM: string;
  readonly JTI_CLAIM: string;
  readonly USER_ID_FIELD: 'id' | 'email' | 'username';
  readonly USER_ID_CLAIM: string;
  readonly USER_ID_CLAIM_TYPE: 'number' | 'string';
  readonly CHECK_REVOKE_TOKEN: boolean;
  readonly REVOKE_TOKEN_CLAIM: string;
  readonly ROTATE_REFRESH_TOKENS: boolean;
  readonly BLACKLIST_AFTER_ROTATION: boolean;
  readonly UPDATE_LAST_LOGIN: boolean;
  readonly CHECK_USER_IS_ACTIVE: boolean;
  readonly LOGIN_FIELD: 'email' | 'username';
  readonly AUTH_HEADER_TYPES: readonly string[];
  readonly AUTH_HEADER_NAME: string;
  readonly URL_PREFIX: string;
  readonly USER_CACHE_TTL: number;
  readonly USER_CACHE_SIZE: number;
  readonly BODY_LIMIT: number;
  readonly PASSWORD_SCRYPT_N: number;
  readonly PASSWORD_SCRYPT_R: number;
  readonly PASSWORD_SCRYPT_P: number;
  readonly DATABASE_URL: string;
  readonly HOST: string;
  readonly PORT: number;
  readonly LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  // ---- delivery modes, cookies, CSRF, claims and user data (issue 5) ----
  readonly DELIVERY_MODE: DeliveryMode;
  readonly ACCESS_COOKIE_NAME: string;
  readonly REFRESH_COOKIE_NAME: string;
  readonly PAYLOAD_COOKIE_NAME: string;
  readonly CSRF_COOKIE_NAME: string;
  readonly CSRF_HEADER_NAME: string;
  readonly COOKIE_DOMAIN: string | null;
  readonly COOKIE_PATH: string;
  readonly COOKIE_SECURE: boolean;
  readonly COOKIE_SAMESITE: 'Lax' | 'Strict' | 'None';
  readonly ACCESS_COOKIE_MAX_AGE: number | null;
  readonly REFRESH_COOKIE_MAX_AGE: number | null;
  readonly CSRF_TRUSTED_ORIGINS: readonly string[];
  readonly TOKEN_RESPONSE_USER: boolean;
  readonly USER_CLAIMS: readonly string[];
  readonly USER_PAYLOAD_CLAIM: string | null;
  // ---- the token registry (issue 4) ----
  readonly REGISTRY_ENABLED: boolean;
  readonly REGISTRY_AFTER_RESPONSE: boolean;
  readonly TOKEN_EXPIRE_ON_REFRESH: boolean;
  readonly REFRESH_TOKEN_REUSE_DETECTION: boolean | null;
  readonly ROTATION_GRACE_PERIOD: number;
  readonly SESSION_MAX_LIFETIME: number | null;
  readonly NUM_PROXIES: number;
}

/** Where tokens travel between a service and its callers (see src/delivery/). */
export const DELIVERY_MODES = ['json', 'refresh-cookie', 'one-cookie', 'two-cookies'] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

/** What callers may pass: any subset, durations as numbers or strings. */
export type SettingsInput = { -readonly [K in keyof Settings]?: unknown };

/** One option: its default (undefined: required), its parser and what it means. */
export interface Option<T> {
  readonly default: T | undefined;
  readonly parse: (value: unknown, key: string) => T;
  readonly doc: string;
}

// ---- parsers: each names the key in its message --------------------------------------------

const fail = (key: string, problem: string, value: unknown): never => {
  throw new SettingsError(key, `${problem}, got ${JSON.stringify(value)}`);
};

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds from a number or a string such as "300", "5m", "1d". */
export function parseDuration(value: unknown, key: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/.exec(value);
    if (match) return Number(match[1]) * DURATION_UNITS[match[2] || 's'];
  }
  return fail(key, 'must be a duration (seconds, or a string like "5m", "1h", "1d")', value);
}

export const positiveDuration = (value: unknown, key: string): number => {
  const seconds = parseDuration(value, key);
  return seconds > 0 ? seconds : fail(key, 'must be longer than zero', value);
};

export const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: unknown, key: string): number => {
    const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max
      ? n
      : fail(key, `must be a whole number from ${min} to ${max}`, value);
  };

export const powerOfTwo = (value: unknown, key: string): number => {
  const n = integer(1024, 1 << 22)(value, key);
  return (n & (n - 1)) === 0 ? n : fail(key, 'must be a power of two', value);
};

export const boolean = (value: unknown, key: string): boolean => {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return fail(key, 'must be true or false', value);
};

export const text = (value: unknown, key: string): string =>
  typeof value === 'string' && value.length > 0 ? value : fail(key, 'must be a non-empty string', value);

export const optionalText = (value: unknown, key: string): string | null => (value === null ? null : text(value, key));

export const oneOf =
  <T extends string>(choices: readonly T[]) =>
  (value: unknown, key: string): T =>
    choices.includes(value as T) ? (value as T) : fail(key, `must be one of ${choices.join(', ')}`, value);

export const textList = (value: unknown, key: string): readonly string[] => {
  const list = typeof value === 'string' ? [value] : value;
  if (Array.isArray(list) && list.length > 0 && list.every((item) => typeof item === 'string' && item.length > 0)) {
    return Object.freeze([...list]);
  }
  return fail(key, 'must be a non-empty list of strings', value);
};

export const audience = (value: unknown, key: string): string | readonly string[] | null =>
  value === null ? null : typeof value === 'string' ? text(value, key) : textList(value, key);

export const claimName = (value: unknown, key: string): string =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(String(value)) ? String(value) : fail(key, 'must be a claim name ([A-Za-z_][A-Za-z0-9_]*)', value);

export const urlPrefix = (value: unknown, key: string): string => {
  const prefix = text(value, key);
  return /^\/[A-Za-z0-9/_-]*$/.test(prefix) ? prefix.replace(/\/+$/, '') : fail(key, 'must be a path starting with "/"', value);
};

// RFC 6265 cookie-name characters (an HTTP token), so a name never needs quoting or escaping.
export const cookieName = (value: unknown, key: string): string =>
  typeof value === 'string' && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value) ? value : fail(key, 'must be a cookie name (letters, digits and !#$%&\'*+-.^_`|~)', value);

export const headerName = (value: unknown, key: string): string =>
  typeof value === 'string' && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value) ? value : fail(key, 'must be an HTTP header name', value);

export const cookiePath = (value: unknown, key: string): string =>
  typeof value === 'string' && /^\/[\x21-\x3a\x3c-\x7e]*$/.test(value) ? value : fail(key, 'must be a path starting with "/" (no spaces or ";")', value);

export const optionalDomain = (value: unknown, key: string): string | null =>
  value === null ? null : typeof value === 'string' && /^\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(value) ? value : fail(key, 'must be a domain name such as "example.com", or null', value);

export const optionalDuration = (value: unknown, key: string): number | null => (value === null ? null : positiveDuration(value, key));

/** A list of origins (`scheme://host[:port]`), normalised as browsers send them in `Origin`. */
export const originList = (value: unknown, key: string): readonly string[] => {
  const list = typeof value === 'string' ? value.split(',').map((item) => item.trim()).filter(Boolean) : value;
  if (!Array.isArray(list)) return fail(key, 'must be a list of origins such as ["https://app.example.com"]', value);
  return Object.freeze(
    list.map((item) => {
      let url: URL | null = null;
      try {
        url = typeof item === 'string' ? new URL(item) : null;
      } catch {
        url = null;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search || url.hash || url.username) {
        return fail(key, 'must list origins as scheme://host[:port], without a path', item);
      }
      return url.origin;
    }),
  );
};

/** A possibly empty list of claim names. */
export const claimNameList = (value: unknown, key: string): readonly string[] => {
  const list = typeof value === 'string' ? value.split(',').map((item) => item.trim()).filter(Boolean) : value;
  if (!Array.isArray(list)) return fail(key, 'must be a list of claim names', value);
  return Object.freeze(list.map((item) => claimName(item, key)));
};

export const optionalClaimName = (value: unknown, key: string): string | null => (value === null ? null : claimName(value, key));

export const optionalBoolean = (value: unknown, key: string): boolean | null => (value === null ? null : boolean(value, key));

// ---- the one table of options --------------------------------------------------------------

/** Every option, its default and what it means: the README's settings table is printed from this. */
export const OPTIONS: { readonly [K in keyof Settings]: Option<Settings[K]> } = {
  ALGORITHM: { default: 'HS256', parse: oneOf([...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS]), doc: 'Signing algorithm; verification accepts this one only.' },
  SIGNING_KEY: { default: undefined, parse: text, doc: 'HMAC secret, or PEM private key for RS/PS/ES. Required: there is no default (the CLI generates one in development only).' },
  VERIFYING_KEY: { default: null, parse: optionalText, doc: 'PEM public key for RS/PS/ES (derived from SIGNING_KEY when null). Ignored for HS*.' },
  AUDIENCE: { default: null, parse: audience, doc: 'When set, tokens carry `aud` and must carry it to verify.' },
  ISSUER: { default: null, parse: optionalText, doc: 'When set, tokens carry `iss` and must carry it to verify.' },
  LEEWAY: { default: 0, parse: parseDuration, doc: 'Seconds of clock skew allowed when checking `exp`.' },
  ACCESS_TOKEN_LIFETIME: { default: 300, parse: positiveDuration, doc: 'Lifetime of access tokens.' },
  REFRESH_TOKEN_LIFETIME: { default: 86400, parse: positiveDuration, doc: 'Lifetime of refresh tokens.' },
  TOKEN_TYPE_CLAIM: { default: 'token_type', parse: claimName, doc: 'Claim holding the token type.' },
  JTI_CLAIM: { default: 'jti', parse: claimName, doc: 'Claim holding the token id.' },
  USER_ID_FIELD: { default: 'id', parse: oneOf(['id', 'email', 'username'] as const), doc: 'User field whose value identifies the user in tokens.' },
  USER_ID_CLAIM: { default: 'user_id', parse: claimName, doc: 'Claim holding that value.' },
  USER_ID_CLAIM_TYPE: { default: 'number', parse: oneOf(['number', 'string'] as const), doc: 'JSON type of an integer user id in new tokens (simplejwt >= 5.5.1 writes strings). Both are accepted on input.' },
  CHECK_REVOKE_TOKEN: { default: false, parse: boolean, doc: 'Put a digest of the password hash in tokens and refuse them once the password changes (simplejwt-compatible).' },
  REVOKE_TOKEN_CLAIM: { default: 'hash_password', parse: claimName, doc: 'Claim holding that digest.' },
  ROTATE_REFRESH_TOKENS: { default: false, parse: boolean, doc: 'Refresh also answers a new refresh token.' },
  BLACKLIST_AFTER_ROTATION: { default: false, parse: boolean, doc: 'With rotation, blacklist the refresh token that was used.' },
  UPDATE_LAST_LOGIN: { default: false, parse: boolean, doc: 'Set `last_login` when a pair is obtained.' },
  CHECK_USER_IS_ACTIVE: { default: true, parse: boolean, doc: 'Refuse refresh and authentication for inactive users.' },
  LOGIN_FIELD: { default: 'email', parse: oneOf(['email', 'username'] as const), doc: 'Body field naming the user at login (`username` for stock Django).' },
  AUTH_HEADER_TYPES: { default: Object.freeze(['Bearer']), parse: textList, doc: 'Accepted schemes in the Authorization header (case-sensitive).' },
  AUTH_HEADER_NAME: { default: 'Authorization', parse: text, doc: 'Header carrying the token.' },
  URL_PREFIX: { default: '/auth', parse: urlPrefix, doc: 'Where the endpoints are mounted.' },
  USER_CACHE_TTL: { default: 5, parse: parseDuration, doc: 'Seconds a user loaded for request authentication is reused (0: load on every request). Changes made through this service take effect at once.' },
  USER_CACHE_SIZE: { default: 10000, parse: integer(1), doc: 'Most users kept in that cache.' },
  BODY_LIMIT: { default: 65536, parse: integer(64, 16 * 1024 * 1024), doc: 'Largest request body in bytes; larger ones get 413.' },
  PASSWORD_SCRYPT_N: { default: 16384, parse: powerOfTwo, doc: 'scrypt work factor (a power of two). With r=8, p=3 a hash costs about 73 ms here against 43 ms for Django 3.2 PBKDF2, in 16 MiB, which Django\'s own scrypt hasher can still verify.' },
  PASSWORD_SCRYPT_R: { default: 8, parse: integer(1, 64), doc: 'scrypt block size.' },
  PASSWORD_SCRYPT_P: { default: 3, parse: integer(1, 16), doc: 'scrypt parallelism (run one after another: multiplies time, not memory).' },
  DATABASE_URL: { default: 'sqlite:data/easyjwt.sqlite3', parse: text, doc: '`sqlite:PATH`, `sqlite::memory:`, `mysql://...` or `mariadb://...`.' },
  HOST: { default: '127.0.0.1', parse: text, doc: 'Address the service listens on.' },
  PORT: { default: 8000, parse: integer(0, 65535), doc: 'Port the service listens on (0: any free port).' },
  LOG_LEVEL: { default: 'info', parse: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const), doc: 'pino log level.' },
  DELIVERY_MODE: {
    default: 'json',
    parse: oneOf(DELIVERY_MODES),
    doc: '`json`: tokens in bodies, `Authorization: Bearer` in requests (the wire contract); `refresh-cookie`: access in the body, refresh in an HttpOnly cookie; `one-cookie`: both in HttpOnly cookies; `two-cookies`: as one-cookie plus a cookie JavaScript can read holding the access claims. Cookie modes require CSRF tokens (see CSRF).',
  },
  ACCESS_COOKIE_NAME: { default: 'easyjwt_access', parse: cookieName, doc: 'HttpOnly cookie carrying the access token (one-cookie, two-cookies).' },
  REFRESH_COOKIE_NAME: { default: 'easyjwt_refresh', parse: cookieName, doc: 'HttpOnly cookie carrying the refresh token (every cookie mode); its path is always narrowed to the refresh and logout endpoints.' },
  PAYLOAD_COOKIE_NAME: { default: 'easyjwt_payload', parse: cookieName, doc: 'Cookie JavaScript can read, holding the access token\'s claims as base64url JSON (two-cookies).' },
  CSRF_COOKIE_NAME: { default: 'easyjwt_csrf', parse: cookieName, doc: 'Cookie JavaScript can read, holding the CSRF token to echo in the CSRF header (every cookie mode).' },
  CSRF_HEADER_NAME: { default: 'X-CSRFToken', parse: headerName, doc: 'Header that must repeat the CSRF cookie on unsafe requests whose credentials came from a cookie.' },
  COOKIE_DOMAIN: { default: null, parse: optionalDomain, doc: '`Domain` of every cookie; null sends them to this host only.' },
  COOKIE_PATH: { default: '/', parse: cookiePath, doc: '`Path` of the access, payload and CSRF cookies (the refresh cookie always has the refresh and logout paths).' },
  COOKIE_SECURE: { default: true, parse: boolean, doc: 'Mark cookies `Secure` (HTTPS only). Turn off only for local development over plain http.' },
  COOKIE_SAMESITE: { default: 'Lax', parse: oneOf(['Lax', 'Strict', 'None'] as const), doc: '`SameSite` of every cookie; `None` requires COOKIE_SECURE.' },
  ACCESS_COOKIE_MAX_AGE: { default: null, parse: optionalDuration, doc: '`Max-Age` of the access and payload cookies; null: what is left of the access token\'s lifetime.' },
  REFRESH_COOKIE_MAX_AGE: { default: null, parse: optionalDuration, doc: '`Max-Age` of the refresh and CSRF cookies; null: what is left of the refresh token\'s lifetime.' },
  CSRF_TRUSTED_ORIGINS: { default: Object.freeze([]), parse: originList, doc: 'Origins besides the service\'s own allowed to log in, refresh and log out in cookie modes (checked against `Origin`, or `Referer` without it), e.g. `["https://app.example.com"]`.' },
  TOKEN_RESPONSE_USER: { default: false, parse: boolean, doc: 'Obtain and refresh answers carry `"user"`: the user as the service\'s serializer shapes it.' },
  USER_CLAIMS: { default: Object.freeze([]), parse: claimNameList, doc: 'Fields of the user JSON copied into every token as claims of the same name (rebuilt on refresh), e.g. `["email", "is_staff"]`.' },
  USER_PAYLOAD_CLAIM: { default: null, parse: optionalClaimName, doc: 'When set (e.g. `"user"`), tokens carry a claim of that name with `id`, the login field, `is_staff`, `is_superuser` and `perms` (djwto\'s shape), rebuilt on refresh, so client-services can authorise from the token alone.' },
  REGISTRY_ENABLED: { default: true, parse: boolean, doc: 'Record every obtained and refreshed token with its session and device (see Token registry). Off: generate-and-forget; blacklisting still records the tokens it refuses.' },
  REGISTRY_AFTER_RESPONSE: { default: false, parse: boolean, doc: 'Run the registration pipeline after the answer is written instead of before it (faster answers; a registry step that fails is logged, not answered).' },
  TOKEN_EXPIRE_ON_REFRESH: { default: false, parse: boolean, doc: 'On refresh, expire every other token of the tree except the ones just handed out (and the refresh token used, when it stays valid).' },
  REFRESH_TOKEN_REUSE_DETECTION: { default: null, parse: optionalBoolean, doc: 'A rotated-out refresh token presented again after ROTATION_GRACE_PERIOD expires its whole family. null: on whenever ROTATE_REFRESH_TOKENS is.' },
  ROTATION_GRACE_PERIOD: { default: 5, parse: parseDuration, doc: 'Seconds a rotated-out refresh token may still be used, so near-simultaneous refreshes from one client do not end its session.' },
  SESSION_MAX_LIFETIME: { default: null, parse: optionalDuration, doc: 'Longest a login may be kept alive by refreshes (e.g. `"30d"`); refresh tokens never outlive it. null: no cap.' },
  NUM_PROXIES: { default: 0, parse: integer(0, 16), doc: 'Reverse proxies in front of the service: the client address is taken from `X-Forwarded-For` that many entries from the right (0: the socket address).' },
};

/** Whether rotated-out refresh tokens are watched for reuse (REFRESH_TOKEN_REUSE_DETECTION, resolved). */
export const reuseDetection = (settings: Pick<Settings, 'REFRESH_TOKEN_REUSE_DETECTION' | 'ROTATE_REFRESH_TOKENS'>): boolean =>
  settings.ROTATE_REFRESH_TOKENS && (settings.REFRESH_TOKEN_REUSE_DETECTION ?? true);

const MINIMUM_HMAC_KEY_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };

/**
 * Checks `input` against an option table: unknown keys and bad values throw a SettingsError naming
 * the key, missing ones take their defaults. Returns the frozen result.
 */
export function resolveOptions<T>(table: { readonly [K in keyof T]: Option<T[K]> }, input: Record<string, unknown>): T {
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(table, key)) throw new SettingsError(key, `is not a known setting (known: ${Object.keys(table).join(', ')})`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(table) as [string, Option<unknown>][]) {
    const given = input[key];
    if (given === undefined) {
      if (option.default === undefined) throw new SettingsError(key, 'is required and has no default');
      out[key] = option.default;
    } else {
      out[key] = option.parse(given, key);
    }
  }
  return Object.freeze(out) as T;
}

/** Refuses an HMAC secret shorter than the hash it keys (RFC 7518 3.2). */
export function checkHmacKeyLength(algorithm: Algorithm, key: string | null): void {
  const minimum = MINIMUM_HMAC_KEY_BYTES[algorithm];
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
  const settings = resolveOptions<Settings>(OPTIONS, input as Record<string, unknown>);
  checkHmacKeyLength(settings.ALGORITHM, settings.SIGNING_KEY);
  checkCookieSettings(settings);
  return settings;
}

/** The settings the cookie checks read. */
export type CookieSettings = Pick<
  Settings,
  'ACCESS_COOKIE_NAME' | 'REFRESH_COOKIE_NAME' | 'PAYLOAD_COOKIE_NAME' | 'CSRF_COOKIE_NAME' | 'COOKIE_DOMAIN' | 'COOKIE_PATH' | 'COOKIE_SECURE' | 'COOKIE_SAMESITE'
>;

/**
 * Refuses cookie settings browsers would reject or that would defeat each other: SameSite=None
 * without Secure, two cookies of one name, and the `__Host-` / `__Secure-` name prefixes without
 * the attributes they promise (the refresh cookie can never be `__Host-`: its path is not `/`).
 */
export function checkCookieSettings(settings: CookieSettings): void {
  if (settings.COOKIE_SAMESITE === 'None' && !settings.COOKIE_SECURE) {
    throw new SettingsError('COOKIE_SAMESITE', 'None requires COOKIE_SECURE (browsers drop SameSite=None cookies that are not Secure)');
  }
  const names = ['ACCESS_COOKIE_NAME', 'REFRESH_COOKIE_NAME', 'PAYLOAD_COOKIE_NAME', 'CSRF_COOKIE_NAME'] as const;
  const seen = new Map<string, string>();
  for (const key of names) {
    const name = settings[key];
    const other = seen.get(name.toLowerCase());
    if (other) throw new SettingsError(key, `names the same cookie as ${other} (${JSON.stringify(name)})`);
    seen.set(name.toLowerCase(), key);
    if (name.startsWith('__Secure-') && !settings.COOKIE_SECURE) throw new SettingsError(key, 'a __Secure- cookie needs COOKIE_SECURE');
    if (name.startsWith('__Host-')) {
      const path = key === 'REFRESH_COOKIE_NAME' ? 'the refresh and logout paths' : settings.COOKIE_PATH;
      if (!settings.COOKIE_SECURE || settings.COOKIE_DOMAIN !== null || path !== '/') {
        throw new SettingsError(key, `a __Host- cookie needs COOKIE_SECURE, no COOKIE_DOMAIN and the path "/" (this one would get ${path})`);
      }
    }
  }
}
