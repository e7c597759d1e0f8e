// A client-service's settings: where the auth-service is and how to trust its tokens. Token and
// server options are the auth-service's own entries (same names, checks and docs); the rest are
// easyjwt's client settings, under easyjwt's names, plus what local verification adds.
import { SettingsError } from '../errors';
import type { InputOf, Option, OptionsFor, OptionTable, Parser, Settings } from '../settings';
import {
  boolean,
  checkCookieSettings,
  checkHmacKeyLength,
  isResolvedBy,
  oneOf,
  OPTIONS,
  optionalClaimName,
  optionalText,
  parseDuration,
  positiveDuration,
  resolveOptions,
  text,
  withDeliveryDefaults,
} from '../settings';

/** Options shared with the auth-service, taken from its table as they are. */
const SHARED = [
  'ALGORITHM',
  'VERIFYING_KEY',
  'SIGNING_KEY_ID',
  'AUDIENCE',
  'ISSUER',
  'LEEWAY',
  'ACCESS_TOKEN_LIFETIME',
  'REFRESH_TOKEN_LIFETIME',
  'TOKEN_TYPE_CLAIM',
  'JTI_CLAIM',
  'USER_ID_FIELD',
  'USER_ID_CLAIM',
  'USER_ID_CLAIM_TYPE',
  'CHECK_USER_IS_ACTIVE',
  'AUTH_HEADER_TYPES',
  'AUTH_HEADER_NAME',
  'URL_PREFIX',
  'USER_CACHE_SIZE',
  'BODY_LIMIT',
  'HOST',
  'LOG_LEVEL',
  'DELIVERY_MODE',
  'ACCESS_COOKIE_NAME',
  'REFRESH_COOKIE_NAME',
  'PAYLOAD_COOKIE_NAME',
  'CSRF_COOKIE_NAME',
  'CSRF_HEADER_NAME',
  'COOKIE_DOMAIN',
  'COOKIE_PATH',
  'COOKIE_SECURE',
  'COOKIE_SAMESITE',
  'ACCESS_COOKIE_MAX_AGE',
  'REFRESH_COOKIE_MAX_AGE',
  'CSRF_TRUSTED_ORIGINS',
  'TOKEN_RESPONSE_USER',
  'REVOCATION_FEED_KEY',
  'REVOCATION_POLL_INTERVAL',
  'REDIS_URL',
  'REVOCATION_CHANNEL_PREFIX',
  'LOGIN_FIELD',
  'NUM_PROXIES',
  'LOGIN_THROTTLE_PER_ACCOUNT',
  'LOGIN_THROTTLE_PER_IP',
  'THROTTLE_KEY_PREFIX',
  'HEADERS_TIMEOUT',
  'REQUEST_TIMEOUT',
  'KEEP_ALIVE_TIMEOUT',
  'MAX_CONNECTIONS',
  'MAX_CONNECTIONS_PER_IP',
  'SECURITY_HEADERS',
  'STRICT_TRANSPORT_SECURITY',
] as const;

type Shared = Pick<Settings, (typeof SHARED)[number]>;

/** The validated, frozen settings of a client-service. */
export interface ClientSettings extends Shared {
  /** The HMAC secret shared with the auth-service, when local verification uses one. */
  readonly SIGNING_KEY: string | null;
  readonly REMOTE_AUTH_SERVICE_URL: string;
  readonly REMOTE_AUTH_SERVICE_TOKEN_PATH: string;
  readonly REMOTE_AUTH_SERVICE_REFRESH_PATH: string;
  readonly REMOTE_AUTH_SERVICE_VERIFY_PATH: string;
  readonly REMOTE_AUTH_SERVICE_BLACKLIST_PATH: string;
  readonly REMOTE_AUTH_SERVICE_USER_PATH: string;
  readonly REMOTE_AUTH_SERVICE_PASSWORD_CHANGE_PATH: string;
  readonly REMOTE_AUTH_SERVICE_REVOCATIONS_PATH: string;
  readonly REMOTE_AUTH_SERVICE_SOCIAL_EXCHANGE_PATH: string;
  readonly REMOTE_AUTH_REQUEST_TIMEOUT: number;
  readonly REMOTE_AUTH_SSL_VERIFY: boolean;
  readonly REMOTE_AUTH_CA_BUNDLE: string | null;
  readonly TOKEN_VERIFICATION: 'auto' | 'local' | 'jwks' | 'remote';
  /** Where the auth-service's JWK Set is; null: REMOTE_AUTH_SERVICE_URL + JWKS_PATH. */
  readonly JWKS_URL: string | null;
  readonly JWKS_MAX_AGE: number;
  readonly JWKS_REFETCH_COOLDOWN: number;
  readonly USER_SYNC_MAX_AGE: number;
  readonly REMOTE_VERIFY_CACHE_TTL: number;
  readonly DATABASE_URL: string;
  readonly PORT: number;
  readonly USER_FROM_CLAIM: string | null;
}

/** An absolute http(s) URL, as given. */
const httpUrl: Parser<string, string> = (value, key) => {
  const url = text(value, key);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SettingsError(key, `must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new SettingsError(key, `must be an http(s) URL, got ${JSON.stringify(value)}`);
  return url;
};

const optionalHttpUrl: Parser<string | null, string | null> = (value, key) => (value === null ? null : httpUrl(value, key));

/** A base URL: trailing slashes go, since paths starting with `/` are appended to it. */
const serviceUrl: Parser<string, string> = (value, key) => httpUrl(value, key).replace(/\/+$/, '');

/** Where an auth-service publishes its JWK Set, below its base URL (RFC 8615's well-known prefix). */
export const JWKS_PATH = '/.well-known/jwks.json';

const path = (fallback: string): Option<string, string> => ({
  default: fallback,
  parse: (value, key) => {
    const given = text(value, key);
    if (!given.startsWith('/')) throw new SettingsError(key, `must start with "/", got ${JSON.stringify(value)}`);
    return given;
  },
  doc: `Path of that endpoint on the auth-service (default \`${fallback}\`).`,
});

const pick = <K extends keyof Settings>(keys: readonly K[]) => Object.fromEntries(keys.map((key) => [key, OPTIONS[key]])) as { [P in K]: (typeof OPTIONS)[P] };

const table = {
  ...pick(SHARED),
  SIGNING_KEY: {
    default: null,
    parse: optionalText,
    doc: 'The HMAC secret shared with the auth-service (HS*), for local verification. Leave unset with remote verification.',
  },
  REMOTE_AUTH_SERVICE_URL: { default: undefined, parse: serviceUrl, doc: 'Base URL of the auth-service, e.g. `http://127.0.0.1:8000`. Required.' },
  REMOTE_AUTH_SERVICE_TOKEN_PATH: path('/auth/token/'),
  REMOTE_AUTH_SERVICE_REFRESH_PATH: path('/auth/token/refresh/'),
  REMOTE_AUTH_SERVICE_VERIFY_PATH: path('/auth/token/verify/'),
  REMOTE_AUTH_SERVICE_BLACKLIST_PATH: path('/auth/token/blacklist/'),
  REMOTE_AUTH_SERVICE_USER_PATH: path('/auth/user/'),
  REMOTE_AUTH_SERVICE_PASSWORD_CHANGE_PATH: path('/auth/password-change/'),
  REMOTE_AUTH_SERVICE_REVOCATIONS_PATH: path('/auth/revocations/'),
  REMOTE_AUTH_SERVICE_SOCIAL_EXCHANGE_PATH: path('/auth/social-exchange/'),
  REMOTE_AUTH_REQUEST_TIMEOUT: {
    default: 5,
    parse: positiveDuration,
    doc: 'Seconds to wait for the auth-service before answering 503 (easyjwt waits 30; a request slot held that long is worse than a quick 503).',
  },
  REMOTE_AUTH_SSL_VERIFY: { default: true, parse: boolean, doc: "Verify the auth-service's TLS certificate. Turn off only for local development." },
  REMOTE_AUTH_CA_BUNDLE: { default: null, parse: optionalText, doc: 'Path of a PEM file of CA certificates to trust for the auth-service (a private CA).' },
  TOKEN_VERIFICATION: {
    default: 'auto',
    parse: oneOf(['auto', 'local', 'jwks', 'remote'] as const),
    doc: "`local`: check signatures in-process with the configured key (SIGNING_KEY or VERIFYING_KEY); `jwks`: check them in-process with the public keys the auth-service publishes at JWKS_URL (RS/PS/ES/EdDSA); `remote`: ask the auth-service (verify, then user), cached briefly; `auto`: local when a key is configured, else jwks when the auth-service's JWKS holds at least one usable key at start-up, else remote.",
  },
  JWKS_URL: {
    default: null,
    parse: optionalHttpUrl,
    doc: `The auth-service's JWK Set, for jwks verification (and auto's probe). null: REMOTE_AUTH_SERVICE_URL followed by \`${JWKS_PATH}\`.`,
  },
  JWKS_MAX_AGE: {
    default: 300,
    parse: positiveDuration,
    doc: 'Longest time the JWKS is used before it is fetched again in the background, whatever its Cache-Control max-age says (a shorter max-age is followed). Bounds how long a key the auth-service withdrew keeps verifying here.',
  },
  JWKS_REFETCH_COOLDOWN: {
    default: 5,
    parse: positiveDuration,
    doc: 'Least time between two JWKS fetches: a token naming an unknown `kid` triggers a fetch at once (a key just rotated in), but no more often than this, so tokens with made-up kids cannot make this service hammer the auth-service.',
  },
  USER_SYNC_MAX_AGE: { default: 60, parse: parseDuration, doc: 'Seconds a local user copy is trusted before it is refreshed from the auth-service.' },
  REMOTE_VERIFY_CACHE_TTL: {
    default: 30,
    parse: parseDuration,
    doc: "Seconds a remote verification is reused for the same token (never beyond the token's `exp`).",
  },
  DATABASE_URL: { ...OPTIONS.DATABASE_URL, default: 'sqlite:data/client.sqlite3' },
  PORT: { ...OPTIONS.PORT, default: 8001 },
  USER_FROM_CLAIM: {
    default: null,
    parse: optionalClaimName,
    doc: 'When set (e.g. `"user"`, the auth-service\'s USER_PAYLOAD_CLAIM), requests are authorised from that claim of the verified token alone: no user copy, no call to the auth-service, but changes to the user (permissions, deactivation) reach this service only when the token is refreshed. Needs local verification.',
  },
} satisfies OptionsFor<ClientSettings>;

/** Every client-service option. */
export const CLIENT_OPTIONS: OptionTable<ClientSettings, typeof table> = table;

/** What callers may pass to resolveClientSettings: any subset, each value of a type its parser accepts. */
export type ClientSettingsInput = InputOf<typeof CLIENT_OPTIONS>;

/** Whether requests are verified in-process with the configured key under these settings (local mode). */
export const verifiesLocally = (settings: ClientSettings): boolean =>
  settings.TOKEN_VERIFICATION === 'local' || (settings.TOKEN_VERIFICATION === 'auto' && (settings.SIGNING_KEY !== null || settings.VERIFYING_KEY !== null));

/**
 * Where the auth-service's JWK Set is fetched from.
 *
 * @example
 *   jwksUrlOf(resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: 'http://auth:8000' })); // 'http://auth:8000/.well-known/jwks.json'
 */
export const jwksUrlOf = (settings: Pick<ClientSettings, 'JWKS_URL' | 'REMOTE_AUTH_SERVICE_URL'>): string =>
  settings.JWKS_URL ?? `${settings.REMOTE_AUTH_SERVICE_URL}${JWKS_PATH}`;

/**
 * Refuses a base URL that already ends with the first segment of the endpoint paths
 * (`http://host/auth/` with `/auth/token/`): every call would go to `/auth/auth/token/` and each
 * login would be a bare 404. A path of another name stays allowed (an auth-service behind a
 * gateway's prefix).
 */
function checkBaseUrl(url: string, tokenPath: string): void {
  const segment = tokenPath.split('/').find((part) => part !== '');
  const path = new URL(url).pathname.replace(/\/+$/, '');
  if (segment === undefined || !path.endsWith(`/${segment}`)) return;
  const base = url.slice(0, url.length - segment.length - 1);
  throw new SettingsError(
    'REMOTE_AUTH_SERVICE_URL',
    `must be the auth-service's base URL, without /${segment}/ (the client adds ${tokenPath} to it): use ${JSON.stringify(base)}, not ${JSON.stringify(url)}`,
  );
}

/**
 * Validates client-service settings; a bad or missing one throws a SettingsError naming it.
 *
 * @example
 *   resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: 'http://127.0.0.1:8000', SIGNING_KEY: key });
 */
export function resolveClientSettings(input: ClientSettingsInput = {}): ClientSettings {
  return resolveOptions<ClientSettings>(CLIENT_OPTIONS, withDeliveryDefaults(input), (settings) => {
    const hmac = settings.ALGORITHM.startsWith('HS');
    if (settings.TOKEN_VERIFICATION === 'local' && (hmac ? settings.SIGNING_KEY === null : settings.VERIFYING_KEY === null)) {
      throw new SettingsError(hmac ? 'SIGNING_KEY' : 'VERIFYING_KEY', `is required for TOKEN_VERIFICATION=local with ${settings.ALGORITHM}`);
    }
    checkHmacKeyLength(settings.ALGORITHM, hmac ? settings.SIGNING_KEY : null);
    checkBaseUrl(settings.REMOTE_AUTH_SERVICE_URL, settings.REMOTE_AUTH_SERVICE_TOKEN_PATH);
    checkCookieSettings(settings);
    // Under 'auto' without a key the mode is only known once the JWKS is probed, and it may be
    // remote: the claim needs a verification mode that checks signatures here, known up front.
    if (settings.USER_FROM_CLAIM !== null && !verifiesLocally(settings) && settings.TOKEN_VERIFICATION !== 'jwks') {
      throw new SettingsError(
        'USER_FROM_CLAIM',
        'needs local verification (a SIGNING_KEY or VERIFYING_KEY) or TOKEN_VERIFICATION=jwks: a claim is only as good as the signature checked here',
      );
    }
  });
}

/**
 * Whether `value` is settings resolveClientSettings returned, which a service may use without
 * checking them again. A copy (`{ ...settings, LEEWAY: 5 }`) is not: it is raw input like any other.
 *
 * @example
 *   const settings = resolveClientSettings({ REMOTE_AUTH_SERVICE_URL: 'http://127.0.0.1:8000' });
 *   isResolvedClientSettings(settings); // true
 *   isResolvedClientSettings(Object.freeze({ ...settings })); // false: frozen is not resolved
 */
export function isResolvedClientSettings(value: unknown): value is ClientSettings {
  return isResolvedBy<ClientSettings>(value, CLIENT_OPTIONS);
}
