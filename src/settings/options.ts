// The auth-service's options: every setting declared once with its default, its parser and its
// meaning. Names follow simplejwt's SIMPLE_JWT dict so a Django team can carry its configuration
// over unchanged; durations take seconds or "5m" / "1d" strings where Django takes a timedelta.
import type { InputOf, OptionsFor, OptionTable } from './option-table';
import type { Parser, RateLimit } from './parsers';
import type { OidcProvider } from './oidc-providers';
import { oidcProviderList } from './oidc-providers';
import type { PasswordValidatorConfig } from './password-validator-setting';
import { DEFAULT_PASSWORD_VALIDATORS, passwordValidatorList } from './password-validator-setting';
import {
  audience,
  boolean,
  claimName,
  claimNameList,
  cookieName,
  cookiePath,
  headerName,
  integer,
  oneOf,
  optionalBoolean,
  optionalClaimName,
  optionalDomain,
  optionalDuration,
  optionalRateLimit,
  optionalText,
  originList,
  parseDuration,
  positiveDuration,
  powerOfTwo,
  rateLimit,
  text,
  textList,
  urlPrefix,
} from './parsers';

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
const ALGORITHMS = [...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

/** Where tokens travel between a service and its callers (see src/delivery/). */
export const DELIVERY_MODES = ['json', 'refresh-cookie', 'one-cookie', 'two-cookies', 'easyjwt-cookie'] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

const USER_ID_FIELDS = ['id', 'email', 'username'] as const;
export type UserIdField = (typeof USER_ID_FIELDS)[number];
const USER_ID_CLAIM_TYPES = ['number', 'string'] as const;
export type UserIdClaimType = (typeof USER_ID_CLAIM_TYPES)[number];
const LOGIN_FIELDS = ['email', 'username'] as const;
export type LoginField = (typeof LOGIN_FIELDS)[number];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const SAME_SITES = ['Lax', 'Strict', 'None'] as const;
export type SameSite = (typeof SAME_SITES)[number];

/** The validated, frozen settings every part of the library receives. */
export interface Settings {
  readonly ALGORITHM: Algorithm;
  readonly SIGNING_KEY: string;
  readonly VERIFYING_KEY: string | null;
  readonly SIGNING_KEY_ID: string | null;
  readonly KEY_RELOAD_INTERVAL: number;
  readonly KEY_ACTIVATION_DELAY: number;
  readonly JWKS_MAX_AGE: number;
  readonly AUDIENCE: string | readonly string[] | null;
  readonly ISSUER: string | null;
  readonly LEEWAY: number;
  readonly ACCESS_TOKEN_LIFETIME: number;
  readonly REFRESH_TOKEN_LIFETIME: number;
  readonly TOKEN_TYPE_CLAIM: string;
  readonly JTI_CLAIM: string;
  readonly USER_ID_FIELD: UserIdField;
  readonly USER_ID_CLAIM: string;
  readonly USER_ID_CLAIM_TYPE: UserIdClaimType;
  readonly CHECK_REVOKE_TOKEN: boolean;
  readonly REVOKE_TOKEN_CLAIM: string;
  readonly ROTATE_REFRESH_TOKENS: boolean;
  readonly BLACKLIST_AFTER_ROTATION: boolean;
  readonly UPDATE_LAST_LOGIN: boolean;
  readonly CHECK_USER_IS_ACTIVE: boolean;
  readonly LOGIN_FIELD: LoginField;
  readonly CREATE_USER_ENABLED: boolean;
  readonly AUTH_HEADER_TYPES: readonly string[];
  readonly AUTH_HEADER_NAME: string;
  readonly URL_PREFIX: string;
  readonly USER_CACHE_TTL: number;
  readonly USER_CACHE_SIZE: number;
  readonly BODY_LIMIT: number;
  readonly PASSWORD_SCRYPT_N: number;
  readonly PASSWORD_SCRYPT_R: number;
  readonly PASSWORD_SCRYPT_P: number;
  readonly THREAD_POOL_SIZE: number;
  readonly PASSWORD_VALIDATORS: readonly PasswordValidatorConfig[];
  readonly DATABASE_URL: string;
  readonly HOST: string;
  readonly PORT: number;
  readonly LOG_LEVEL: LogLevel;
  readonly DELIVERY_MODE: DeliveryMode;
  readonly ACCESS_COOKIE_NAME: string;
  readonly REFRESH_COOKIE_NAME: string;
  readonly PAYLOAD_COOKIE_NAME: string;
  readonly CSRF_COOKIE_NAME: string;
  readonly CSRF_HEADER_NAME: string;
  readonly COOKIE_DOMAIN: string | null;
  readonly COOKIE_PATH: string;
  readonly COOKIE_SECURE: boolean;
  readonly COOKIE_SAMESITE: SameSite;
  readonly ACCESS_COOKIE_MAX_AGE: number | null;
  readonly REFRESH_COOKIE_MAX_AGE: number | null;
  readonly CSRF_TRUSTED_ORIGINS: readonly string[];
  readonly TOKEN_RESPONSE_USER: boolean;
  readonly USER_CLAIMS: readonly string[];
  readonly USER_PAYLOAD_CLAIM: string | null;
  readonly REGISTRY_ENABLED: boolean;
  readonly REGISTRY_AFTER_RESPONSE: boolean;
  readonly TOKEN_EXPIRE_ON_REFRESH: boolean;
  readonly REFRESH_TOKEN_REUSE_DETECTION: boolean | null;
  readonly ROTATION_GRACE_PERIOD: number;
  readonly SESSION_MAX_LIFETIME: number | null;
  readonly NUM_PROXIES: number;
  readonly REVOCATION_FEED_KEY: string | null;
  readonly REVOCATION_POLL_INTERVAL: number;
  readonly REDIS_URL: string | null;
  readonly REVOCATION_CHANNEL_PREFIX: string;
  readonly LOGIN_THROTTLE_PER_ACCOUNT: RateLimit | null;
  readonly LOGIN_THROTTLE_PER_IP: RateLimit | null;
  readonly THROTTLE_KEY_PREFIX: string;
  readonly HEADERS_TIMEOUT: number;
  readonly REQUEST_TIMEOUT: number;
  readonly KEEP_ALIVE_TIMEOUT: number;
  readonly MAX_CONNECTIONS: number;
  readonly MAX_CONNECTIONS_PER_IP: number;
  readonly SECURITY_HEADERS: boolean;
  readonly STRICT_TRANSPORT_SECURITY: boolean | null;
  readonly OIDC_PROVIDERS: readonly OidcProvider[];
  readonly OIDC_JWKS_MAX_AGE: number;
  readonly OIDC_JWKS_REFETCH_COOLDOWN: number;
  readonly OIDC_REQUEST_TIMEOUT: number;
}

/** The SIGNING_KEY text: empty means none (HS* then refuses it; the others take the key store). */
const keyText: Parser<string, string> = (value, key) => (typeof value === 'string' ? value : text(value, key));

const table = {
  ALGORITHM: {
    default: 'HS256',
    parse: oneOf(ALGORITHMS),
    doc: 'Algorithm of the settings key (and of the keys the key store makes): HS256/384/512, RS256/384/512, PS256/384/512, ES256/384/512 or EdDSA. A key verifies with its own algorithm only.',
  },
  SIGNING_KEY: {
    default: '',
    parse: keyText,
    doc: 'HMAC secret, or PEM private key for RS/PS/ES/EdDSA (EdDSA: an Ed25519 key). Required for HS*; for the others, empty means the keys come from the key store in the database (see Keys).',
  },
  VERIFYING_KEY: { default: null, parse: optionalText, doc: 'PEM public key for RS/PS/ES/EdDSA (derived from SIGNING_KEY when null). Ignored for HS*.' },
  SIGNING_KEY_ID: {
    default: null,
    parse: optionalText,
    doc: "`kid` of the settings key, written into every token's header and required of tokens that carry one. null: none for HS* (tokens stay byte-identical to simplejwt's), the key's RFC 7638 thumbprint for RS/PS/ES/EdDSA. Must match between the auth-service and its client-services.",
  },
  KEY_RELOAD_INTERVAL: {
    default: 30,
    parse: positiveDuration,
    doc: 'Key store: how often every instance reloads the keys from the database (also at once, at most every few seconds, when a token names an unknown kid).',
  },
  KEY_ACTIVATION_DELAY: {
    default: 60,
    parse: parseDuration,
    doc: 'Key store: how long a key made by `easyjwt keys rotate` is published before it signs, so every instance and client-service knows it first. At least KEY_RELOAD_INTERVAL.',
  },
  JWKS_MAX_AGE: { default: 300, parse: parseDuration, doc: '`Cache-Control: max-age` of `/.well-known/jwks.json`, in seconds.' },
  AUDIENCE: { default: null, parse: audience, doc: 'When set, tokens carry `aud` and must carry it to verify.' },
  ISSUER: { default: null, parse: optionalText, doc: 'When set, tokens carry `iss` and must carry it to verify.' },
  LEEWAY: { default: 0, parse: parseDuration, doc: 'Seconds of clock skew allowed when checking `exp`.' },
  ACCESS_TOKEN_LIFETIME: { default: 300, parse: positiveDuration, doc: 'Lifetime of access tokens.' },
  REFRESH_TOKEN_LIFETIME: { default: 86400, parse: positiveDuration, doc: 'Lifetime of refresh tokens.' },
  TOKEN_TYPE_CLAIM: { default: 'token_type', parse: claimName, doc: 'Claim holding the token type.' },
  JTI_CLAIM: { default: 'jti', parse: claimName, doc: 'Claim holding the token id.' },
  USER_ID_FIELD: { default: 'id', parse: oneOf(USER_ID_FIELDS), doc: 'User field whose value identifies the user in tokens.' },
  USER_ID_CLAIM: { default: 'user_id', parse: claimName, doc: 'Claim holding that value.' },
  USER_ID_CLAIM_TYPE: {
    default: 'number',
    parse: oneOf(USER_ID_CLAIM_TYPES),
    doc: 'JSON type of an integer user id in new tokens (simplejwt >= 5.5.1 writes strings). Both are accepted on input.',
  },
  CHECK_REVOKE_TOKEN: {
    default: false,
    parse: boolean,
    doc: 'Put a digest of the password hash in tokens and refuse them once the password changes (simplejwt-compatible).',
  },
  REVOKE_TOKEN_CLAIM: { default: 'hash_password', parse: claimName, doc: 'Claim holding that digest.' },
  ROTATE_REFRESH_TOKENS: { default: false, parse: boolean, doc: 'Refresh also answers a new refresh token.' },
  BLACKLIST_AFTER_ROTATION: { default: false, parse: boolean, doc: 'With rotation, blacklist the refresh token that was used.' },
  UPDATE_LAST_LOGIN: { default: false, parse: boolean, doc: 'Set `last_login` when a pair is obtained.' },
  CHECK_USER_IS_ACTIVE: { default: true, parse: boolean, doc: 'Refuse refresh and authentication for inactive users.' },
  LOGIN_FIELD: { default: 'email', parse: oneOf(LOGIN_FIELDS), doc: 'Body field naming the user at login (`username` for stock Django).' },
  CREATE_USER_ENABLED: {
    default: false,
    parse: boolean,
    doc: "Serve django-easyjwt's open sign-up, `POST /create-user/` (variable `EASYJWT_CREATE_USER_ENABLED`): anyone may create an active, non-staff account, its password held to PASSWORD_VALIDATORS, attempts counted per address under LOGIN_THROTTLE_PER_IP. Off by default, since open sign-up is a team's decision (easyjwt mounts it open; set true to replace it); off, the path answers 404. Needs LOGIN_FIELD `email`.",
  },
  AUTH_HEADER_TYPES: { default: Object.freeze(['Bearer']), parse: textList, doc: 'Accepted schemes in the Authorization header (case-sensitive).' },
  AUTH_HEADER_NAME: { default: 'Authorization', parse: text, doc: 'Header carrying the token.' },
  URL_PREFIX: { default: '/auth', parse: urlPrefix, doc: 'Where the endpoints are mounted.' },
  USER_CACHE_TTL: {
    default: 5,
    parse: parseDuration,
    doc: 'Seconds a user loaded for request authentication is reused (0: load on every request). Changes made through this service take effect at once.',
  },
  USER_CACHE_SIZE: { default: 10000, parse: integer(1), doc: 'Most users kept in that cache.' },
  BODY_LIMIT: { default: 65536, parse: integer(64, 16 * 1024 * 1024), doc: 'Largest request body in bytes; larger ones get 413.' },
  PASSWORD_SCRYPT_N: {
    default: 16384,
    parse: powerOfTwo,
    doc: "scrypt work factor (a power of two). With r=8, p=3 a hash costs about 73 ms here against 43 ms for Django 3.2 PBKDF2, in 16 MiB, which Django's own scrypt hasher can still verify.",
  },
  PASSWORD_SCRYPT_R: { default: 8, parse: integer(1, 64), doc: 'scrypt block size.' },
  PASSWORD_SCRYPT_P: { default: 3, parse: integer(1, 16), doc: 'scrypt parallelism (run one after another: multiplies time, not memory).' },
  THREAD_POOL_SIZE: {
    default: 4,
    parse: integer(1, 1024),
    doc: "Threads of libuv's pool, which password hashes share with file system calls and dns lookups; hashes take all but one of them at once, the rest queue. `easyjwt serve auth` applies it (variable `UV_THREADPOOL_SIZE`, which libuv reads once, at the pool's first use) and, when it is not set, picks one hash per core but one per worker, at most 3 (2 threads on a 2-core machine); in your own process, set UV_THREADPOOL_SIZE before node starts and give the same number here.",
  },
  PASSWORD_VALIDATORS: {
    default: DEFAULT_PASSWORD_VALIDATORS,
    parse: passwordValidatorList,
    doc: 'Django\'s AUTH_PASSWORD_VALIDATORS: what a new password must pass wherever one is set, in order, every failing validator\'s message answered. Entries `{"name": ..., "options": {...}}` naming UserAttributeSimilarityValidator (`user_attributes`, `max_similarity`), MinimumLengthValidator (`min_length`), CommonPasswordValidator or NumericPasswordValidator; `[]` turns them off. A password over 4096 characters or only whitespace is refused regardless (see Passwords).',
  },
  DATABASE_URL: { default: 'sqlite:data/easyjwt.sqlite3', parse: text, doc: '`sqlite:PATH`, `sqlite::memory:`, `mysql://...` or `mariadb://...`.' },
  HOST: { default: '127.0.0.1', parse: text, doc: 'Address the service listens on.' },
  PORT: { default: 8000, parse: integer(0, 65535), doc: 'Port the service listens on (0: any free port).' },
  LOG_LEVEL: { default: 'info', parse: oneOf(LOG_LEVELS), doc: 'pino log level.' },
  DELIVERY_MODE: {
    default: 'json',
    parse: oneOf(DELIVERY_MODES),
    doc: "`json`: tokens in bodies, `Authorization: Bearer` in requests (the wire contract); `refresh-cookie`: access in the body, refresh in an HttpOnly cookie; `one-cookie`: both in HttpOnly cookies; `two-cookies`: as one-cookie plus a cookie JavaScript can read holding the access claims; `easyjwt-cookie` (client-services only): django-easyjwt 1.1's cookie mode, access in the body, refresh in the `refresh_token` cookie, Django's `csrftoken` from `GET /auth/csrf/` required on login, refresh and logout. Cookie modes require CSRF tokens (see CSRF).",
  },
  ACCESS_COOKIE_NAME: { default: 'easyjwt_access', parse: cookieName, doc: 'HttpOnly cookie carrying the access token (one-cookie, two-cookies).' },
  REFRESH_COOKIE_NAME: {
    default: 'easyjwt_refresh',
    parse: cookieName,
    doc: "HttpOnly cookie carrying the refresh token (every cookie mode); its path is narrowed to the refresh and logout endpoints, except in easyjwt-cookie (COOKIE_PATH, as easyjwt's AUTH_COOKIE_PATH). Defaults to `refresh_token` in easyjwt-cookie.",
  },
  PAYLOAD_COOKIE_NAME: {
    default: 'easyjwt_payload',
    parse: cookieName,
    doc: "Cookie JavaScript can read, holding the access token's claims as base64url JSON (two-cookies).",
  },
  CSRF_COOKIE_NAME: {
    default: 'easyjwt_csrf',
    parse: cookieName,
    doc: "Cookie JavaScript can read, holding the CSRF token to echo in the CSRF header (every cookie mode). Defaults to `csrftoken`, Django's, in easyjwt-cookie.",
  },
  CSRF_HEADER_NAME: {
    default: 'X-CSRFToken',
    parse: headerName,
    doc: 'Header that must repeat the CSRF cookie on unsafe requests whose credentials came from a cookie.',
  },
  COOKIE_DOMAIN: { default: null, parse: optionalDomain, doc: '`Domain` of every cookie; null sends them to this host only.' },
  COOKIE_PATH: {
    default: '/',
    parse: cookiePath,
    doc: '`Path` of the access, payload and CSRF cookies (the refresh cookie has the refresh and logout paths, except in easyjwt-cookie where it takes this one too).',
  },
  COOKIE_SECURE: { default: true, parse: boolean, doc: 'Mark cookies `Secure` (HTTPS only). Turn off only for local development over plain http.' },
  COOKIE_SAMESITE: { default: 'Lax', parse: oneOf(SAME_SITES), doc: '`SameSite` of every cookie; `None` requires COOKIE_SECURE.' },
  ACCESS_COOKIE_MAX_AGE: {
    default: null,
    parse: optionalDuration,
    doc: "`Max-Age` of the access and payload cookies; null: what is left of the access token's lifetime.",
  },
  REFRESH_COOKIE_MAX_AGE: {
    default: null,
    parse: optionalDuration,
    doc: "`Max-Age` of the refresh and CSRF cookies; null: what is left of the refresh token's lifetime. (easyjwt-cookie's `csrftoken` lives a year, Django's CSRF_COOKIE_AGE.)",
  },
  CSRF_TRUSTED_ORIGINS: {
    default: Object.freeze([]),
    parse: originList,
    doc: 'Origins besides the service\'s own allowed to log in, refresh and log out in cookie modes (checked against `Origin`, or `Referer` without it), e.g. `["https://app.example.com"]`.',
  },
  TOKEN_RESPONSE_USER: { default: false, parse: boolean, doc: 'Obtain and refresh answers carry `"user"`: the user as the service\'s serializer shapes it.' },
  USER_CLAIMS: {
    default: Object.freeze([]),
    parse: claimNameList,
    doc: 'Fields of the user JSON copied into every token as claims of the same name (rebuilt on refresh), e.g. `["email", "is_staff"]`.',
  },
  USER_PAYLOAD_CLAIM: {
    default: null,
    parse: optionalClaimName,
    doc: 'When set (e.g. `"user"`), tokens carry a claim of that name with `id`, the login field, `is_staff`, `is_superuser` and `perms` (djwto\'s shape), rebuilt on refresh, so client-services can authorise from the token alone.',
  },
  REGISTRY_ENABLED: {
    default: true,
    parse: boolean,
    doc: 'Record every obtained and refreshed token with its session and device (see Token registry). Off: generate-and-forget; blacklisting still records the tokens it refuses, and the endpoints only the registry can honour (`POST /token/expire/`, `GET /sessions/`, `DELETE /sessions/{id}/`) are not mounted (404); logout-all stays.',
  },
  REGISTRY_AFTER_RESPONSE: {
    default: false,
    parse: boolean,
    doc: "Register the tokens after the answer is written instead of before it: answers do not wait for the registry's commit, and a step that fails is logged, not answered. The price: a crash can lose the registrations of requests already answered; those tokens still work as tokens issued elsewhere do (see Token registry).",
  },
  TOKEN_EXPIRE_ON_REFRESH: {
    default: false,
    parse: boolean,
    doc: 'On refresh, expire every other token of the tree except the ones just handed out (and the refresh token used, when it stays valid).',
  },
  REFRESH_TOKEN_REUSE_DETECTION: {
    default: null,
    parse: optionalBoolean,
    doc: 'A rotated-out refresh token presented again after ROTATION_GRACE_PERIOD expires its whole family. null: on whenever ROTATE_REFRESH_TOKENS is.',
  },
  ROTATION_GRACE_PERIOD: {
    default: 5,
    parse: parseDuration,
    doc: 'Seconds a rotated-out refresh token may still be used, so near-simultaneous refreshes from one client do not end its session; it is answered with the same pair its first refresh gave, so a login keeps one live chain.',
  },
  SESSION_MAX_LIFETIME: {
    default: null,
    parse: optionalDuration,
    doc: 'Longest a login may be kept alive by refreshes (e.g. `"30d"`): no token of it outlives it, the pair the login itself answers included. null: no cap.',
  },
  NUM_PROXIES: {
    default: 0,
    parse: integer(0, 16),
    doc: 'Reverse proxies in front of the service: the client address is taken from `X-Forwarded-For` that many entries from the right (0: the socket address).',
  },
  REVOCATION_FEED_KEY: {
    default: null,
    parse: optionalText,
    doc: "Shared secret of the revocation feed (`GET /auth/revocations/`), the same on the auth-service and its client-services. null with an HS* algorithm: derived from SIGNING_KEY, so nothing extra is needed; null otherwise: no feed, and client-services only see revocations through their caches' expiry.",
  },
  REVOCATION_POLL_INTERVAL: {
    default: 2,
    parse: positiveDuration,
    doc: 'Seconds between two reads of the revocation feed (client-services) or table (other auth-service instances): the bound within which a revocation reaches them without Redis. Fractions allowed.',
  },
  REDIS_URL: {
    default: null,
    parse: optionalText,
    doc: 'When set (`redis://host:6379`, variable `EASYJWT_REDIS_URL`), revocations are also published on Redis after they commit and every service subscribes: they arrive within about a second, the feed still catching up after each reconnect.',
  },
  REVOCATION_CHANNEL_PREFIX: {
    default: 'easyjwt',
    parse: text,
    doc: 'Prefix of the Redis channel (`<prefix>:revocations`); give each deployment sharing a Redis its own.',
  },
  LOGIN_THROTTLE_PER_ACCOUNT: {
    default: rateLimit(10, 900),
    parse: optionalRateLimit,
    doc: 'Failed logins and password changes allowed per account (the login field, normalised as login reads it) per window, written `"N/duration"`; past them every attempt, the right password included, gets 429 until the window ends. A success clears the account\'s count. `"off"` or null: no limit.',
  },
  LOGIN_THROTTLE_PER_IP: {
    default: rateLimit(100, 900),
    parse: optionalRateLimit,
    doc: 'Failed logins and password changes allowed per client address (as NUM_PROXIES picks it) per window, whatever the accounts: failures only, so many users behind one NAT who type their passwords right are never refused. Same form; `"off"` or null: no limit.',
  },
  THROTTLE_KEY_PREFIX: {
    default: 'easyjwt',
    parse: text,
    doc: 'Prefix of the throttle counters in Redis (`<prefix>:throttle:...`); with REDIS_URL every instance sharing it shares the counters, without it each instance counts in memory.',
  },
  HEADERS_TIMEOUT: {
    default: 10,
    parse: positiveDuration,
    doc: "Seconds a client has to send a request's headers; a slower one gets 408 and its connection is closed (checked about once a second). At most REQUEST_TIMEOUT.",
  },
  REQUEST_TIMEOUT: {
    default: 30,
    parse: positiveDuration,
    doc: 'Seconds a client has to send a whole request, headers and body; a slower one gets 408 and its connection is closed.',
  },
  KEEP_ALIVE_TIMEOUT: {
    default: 65,
    parse: positiveDuration,
    doc: "Seconds an idle kept-alive connection stays open; longer than common proxies' idle timeouts, so they close first.",
  },
  MAX_CONNECTIONS: {
    default: 1024,
    parse: integer(1),
    doc: "Most connections open at once; further ones are closed as they arrive, so slow clients cannot exhaust the process. Count a proxy's pool and your load balancer's health checks.",
  },
  MAX_CONNECTIONS_PER_IP: {
    default: 0,
    parse: integer(0),
    doc: "Most connections open at once from one address (0: no cap), so one slow client cannot take every MAX_CONNECTIONS slot. Leave at 0 behind a proxy: every connection then comes from the proxy's address.",
  },
  SECURITY_HEADERS: {
    default: true,
    parse: boolean,
    doc: "Send helmet's security headers on every answer (nosniff, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`, `Cross-Origin-Resource-Policy: same-origin`, a CSP of `default-src 'none'; frame-ancestors 'none'`; the demo page gets a CSP that runs its own scripts). Off only when a proxy in front sets them.",
  },
  STRICT_TRANSPORT_SECURITY: {
    default: null,
    parse: optionalBoolean,
    doc: '`Strict-Transport-Security: max-age=31536000` (with SECURITY_HEADERS): browsers then reach this host over HTTPS only. null: on when COOKIE_SECURE is.',
  },
  OIDC_PROVIDERS: {
    default: Object.freeze([]),
    parse: oidcProviderList,
    doc: 'Identity providers whose OpenID Connect id tokens `POST /auth/social-exchange/` trades for our pair (variable `EASYJWT_OIDC_PROVIDERS`, as JSON). Each entry: `name`; `issuer`, or for Cognito `region` and `user_pool_id`; `client_id`; `algorithms` (default RS256); `claims` naming the claims of `email`, `first_name`, `last_name` (default email, given_name, family_name); `create_users` (default false); `require_verified_email` (default true); `leeway` in seconds (default 30). Issuers must be https (http only on loopback). Empty: the endpoint answers 404. See Sign in with an identity provider.',
  },
  OIDC_JWKS_MAX_AGE: {
    default: 3600,
    parse: positiveDuration,
    doc: "Longest time a provider's JWKS is used before it is fetched again in the background (a shorter Cache-Control max-age is followed). The discovery document naming it is read once, at the provider's first exchange.",
  },
  OIDC_JWKS_REFETCH_COOLDOWN: {
    default: 30,
    parse: positiveDuration,
    doc: "Least time between two fetches of a provider's JWKS: an id token naming an unknown `kid` triggers one at once (a key just rotated in), but no more often than this, so made-up kids cannot make this service hammer the provider.",
  },
  OIDC_REQUEST_TIMEOUT: {
    default: 5,
    parse: positiveDuration,
    doc: "Seconds a fetch of a provider's discovery document or JWKS may take in all; past it the exchange answers 503 unless keys are already known.",
  },
} satisfies OptionsFor<Settings>;

/** Every option, its default and what it means: the README's settings table is printed from this. */
export const OPTIONS: OptionTable<Settings, typeof table> = table;

/**
 * What callers may pass to resolveSettings: any subset, each value of a type its parser accepts
 * (durations as seconds or "5m", booleans and whole numbers also as environment-variable strings).
 */
export type SettingsInput = InputOf<typeof OPTIONS>;
