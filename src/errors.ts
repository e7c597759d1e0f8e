// The one error hierarchy: every failure a client can see is an EasyJwtError, one class per
// failure, with a status, a stable code from a closed list, and a DRF-shaped body.
//
// The HTTP layer renders these in one place (the error renderer); everything else only throws
// them. They follow Koa's conventions: `message` is what the client may see (so `expose` is
// true), `headers` is a property, and what really happened (expired, bad signature, ...) travels
// in `cause`, for the log only, so a caller cannot probe why a token was refused.

/** A DRF-shaped response body: `{detail}`, `{detail, code}`, or per-field message lists. */
export type ErrorBody = Record<string, unknown>;

/** The stable codes of a CSRF refusal. */
export type CsrfFailureCode = 'csrf_missing' | 'csrf_mismatch' | 'origin_not_allowed';

/**
 * Every code an EasyJwtError can carry: the machine codes simplejwt, DRF and easyjwt clients
 * match on, plus ours. Callers narrow on the class; logs and metrics can group by the code.
 */
export type ErrorCode =
  | 'invalid'
  | 'parse_error'
  | 'authentication_failed'
  | 'not_authenticated'
  | 'no_active_account'
  | 'bad_authorization_header'
  | 'token_not_valid'
  | 'user_not_found'
  | 'user_inactive'
  | 'password_changed'
  | 'token_expired_by_registry'
  | 'token_reuse_detected'
  | 'session_expired'
  | 'upstream_rejected'
  | 'permission_denied'
  | CsrfFailureCode
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'auth_service_unavailable'
  | 'error';

/** The challenge of every 401, with the realm fixed so Django peers see the one DRF sends. */
export const BEARER_CHALLENGE = 'Bearer realm="api"';

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const CHALLENGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'WWW-Authenticate': BEARER_CHALLENGE });

/**
 * Base class of every error a client can see.
 *
 * @example
 *   throw new NotFound();
 */
export abstract class EasyJwtError extends Error {
  abstract readonly status: number;
  abstract readonly code: ErrorCode;
  /** Koa reads `expose` to decide whether `message` may reach the client; ours always may. */
  readonly expose = true;
  /** Response headers the failure adds (the 401s add the Bearer challenge). */
  readonly headers: Readonly<Record<string, string>> = NO_HEADERS;
  /** Whether the body carries `code` beside `detail`, as DRF does only where the peers set one. */
  protected readonly codeInBody: boolean = false;

  /** `cause`: what really happened, for the log; never rendered. */
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
  }

  /** The response body, in the shape DRF gives for this error. */
  body(): ErrorBody {
    return this.codeInBody ? { detail: this.message, code: this.code } : { detail: this.message };
  }
}

/** 400 with per-field messages: `{"email":["This field is required."]}`. */
export class ValidationFailed extends EasyJwtError {
  readonly status = 400;
  readonly code = 'invalid';
  constructor(readonly fields: Readonly<Record<string, string[]>>) {
    super('Invalid input.');
  }
  override body(): ErrorBody {
    return { ...this.fields };
  }
}

/** 400 for a body that is not valid JSON or form data (DRF names the parser's complaint). */
export class ParseError extends EasyJwtError {
  readonly status = 400;
  readonly code = 'parse_error';
  constructor(problem: string) {
    super(`JSON parse error - ${problem}`);
  }
}

/** The 401s: each carries the Bearer challenge. */
export abstract class AuthenticationFailed extends EasyJwtError {
  readonly status = 401;
  override readonly headers = CHALLENGE_HEADERS;
}

/** 401 when a protected route gets no credentials it recognises. */
export class NotAuthenticated extends AuthenticationFailed {
  readonly code = 'not_authenticated';
  constructor() {
    super('Authentication credentials were not provided.');
  }
}

/**
 * 401 for a refresh or logout, in a cookie delivery mode, that carries no refresh token: neither
 * the cookie nor a `refresh` field. DRF's NotAuthenticated, with its code.
 */
export class NoRefreshToken extends AuthenticationFailed {
  readonly code = 'not_authenticated';
  protected override readonly codeInBody = true;
  constructor() {
    super('Authentication credentials were not provided.');
  }
}

/** 401 for every failed login (unknown login, wrong password, inactive user), so none can be told apart. */
export class NoActiveAccount extends AuthenticationFailed {
  readonly code = 'no_active_account';
  constructor() {
    super('No active account found with the given credentials');
  }
}

/** 401 at refresh for a token whose user is gone or inactive. */
export class NoActiveAccountForToken extends AuthenticationFailed {
  readonly code = 'no_active_account';
  protected override readonly codeInBody = true;
  constructor() {
    super('No active account found for the given token.');
  }
}

/** 401 for an Authorization header of an accepted scheme that is not `<scheme> <token>`. */
export class BadAuthorizationHeader extends AuthenticationFailed {
  readonly code = 'bad_authorization_header';
  protected override readonly codeInBody = true;
  constructor() {
    super('Authorization header must contain two space-delimited values');
  }
}

/** 401 for a valid access token whose user id claim is missing or unusable. */
export class NoUserId extends AuthenticationFailed {
  readonly code = 'token_not_valid';
  protected override readonly codeInBody = true;
  constructor() {
    super('Token contained no recognizable user identification');
  }
}

/** 401 for a valid access token without the user claim a client-service authorises from (USER_FROM_CLAIM). */
export class InvalidUserClaim extends AuthenticationFailed {
  readonly code = 'token_not_valid';
  protected override readonly codeInBody = true;
  constructor(claim: string) {
    super(`Token has no valid "${claim}" claim`);
  }
}

/** 401 on a protected route for a token whose user no longer exists. */
export class UserNotFound extends AuthenticationFailed {
  readonly code = 'user_not_found';
  protected override readonly codeInBody = true;
  constructor() {
    super('User not found');
  }
}

/** 401 on a protected route for an inactive user (CHECK_USER_IS_ACTIVE). */
export class UserInactive extends AuthenticationFailed {
  readonly code = 'user_inactive';
  protected override readonly codeInBody = true;
  constructor() {
    super('User is inactive');
  }
}

/** 401 for a token issued before its user's password changed (or carrying an old password's digest). */
export class PasswordChanged extends AuthenticationFailed {
  readonly code = 'password_changed';
  protected override readonly codeInBody = true;
  constructor() {
    super("The user's password has been changed.");
  }
}

/**
 * 401 for a token refused by the token endpoints (refresh, verify, blacklist): bad signature,
 * expired, malformed. `expired` tells an expired but otherwise good token apart (for logout),
 * never shown to callers.
 */
export class InvalidToken extends AuthenticationFailed {
  static readonly INVALID = 'Token is invalid or expired';
  static readonly WRONG_TYPE = 'Token has wrong type';
  static readonly BLACKLISTED = 'Token is blacklisted';
  readonly code = 'token_not_valid';
  protected override readonly codeInBody = true;
  readonly expired: boolean;

  constructor(cause?: unknown, options: { readonly expired?: boolean; readonly message?: string } = {}) {
    super(options.message ?? InvalidToken.INVALID, cause);
    this.expired = options.expired ?? false;
  }
}

/** 401 for a token of the other type: an access token where a refresh token belongs, or the reverse. */
export class WrongTokenType extends InvalidToken {
  constructor(cause?: unknown) {
    super(cause, { message: InvalidToken.WRONG_TYPE });
  }
}

/** 401 for a refresh token that was blacklisted (by the blacklist endpoint, a logout or rotation). */
export class TokenBlacklisted extends InvalidToken {
  constructor() {
    super(undefined, { message: InvalidToken.BLACKLISTED });
  }
}

/**
 * 401 for a token the registry expired before its `exp`: the expire endpoint, a session ended
 * (DELETE /sessions/{id}/, logout-all) or TOKEN_EXPIRE_ON_REFRESH. Same status and shape at
 * refresh, verify and on protected routes, so clients can match the code anywhere.
 */
export class TokenExpiredByRegistry extends AuthenticationFailed {
  readonly code = 'token_expired_by_registry';
  protected override readonly codeInBody = true;
  constructor(cause?: unknown) {
    super('Token has been expired.', cause);
  }
}

/** 401 at refresh for a rotated-out refresh token presented after the grace window: its family is gone. */
export class TokenReuseDetected extends AuthenticationFailed {
  readonly code = 'token_reuse_detected';
  protected override readonly codeInBody = true;
  constructor(cause?: unknown) {
    super('Refresh token was already used; the session has been ended.', cause);
  }
}

/** 401 at refresh once a login is older than SESSION_MAX_LIFETIME. */
export class SessionLifetimeExceeded extends AuthenticationFailed {
  readonly code = 'session_expired';
  protected override readonly codeInBody = true;
  constructor() {
    super('Session has reached its maximum lifetime; log in again.');
  }
}

/**
 * 401 for a bad Bearer token on a protected route: simplejwt's envelope that lists, per accepted
 * token class, why the token did not fit.
 */
export class BearerTokenRejected extends AuthenticationFailed {
  readonly code = 'token_not_valid';
  constructor(readonly rejection: InvalidToken) {
    super('Given token not valid for any token type', rejection.cause);
  }
  override body(): ErrorBody {
    return {
      detail: this.message,
      code: this.code,
      messages: [{ token_class: 'AccessToken', token_type: 'access', message: this.rejection.message }],
    };
  }
}

/**
 * 401 carrying the auth-service's own answer, as a Django easyjwt client-service passes it on: the
 * caller sees the upstream body unchanged.
 */
export class UpstreamRejected extends AuthenticationFailed {
  readonly code = 'upstream_rejected';
  constructor(
    readonly upstreamBody: ErrorBody,
    readonly upstreamStatus: number,
  ) {
    super(typeof upstreamBody.detail === 'string' ? upstreamBody.detail : 'Authentication failed.', `auth-service answered ${upstreamStatus}`);
  }
  override body(): ErrorBody {
    return { ...this.upstreamBody };
  }
}

/** 403: authenticated, but not allowed. */
export class PermissionDenied extends EasyJwtError {
  readonly status = 403;
  readonly code: ErrorCode = 'permission_denied';
  constructor(message = 'You do not have permission to perform this action.') {
    super(message);
  }
}

/**
 * 403 for a request refused by the CSRF defences of the cookie delivery modes: no CSRF cookie or
 * header (`csrf_missing`), a header that does not match the cookie (`csrf_mismatch`), or an
 * `Origin` that is neither the service's own nor trusted (`origin_not_allowed`). The wording
 * follows Django's "CSRF Failed: ..." so a front end built for DRF recognises it.
 *
 * @example
 *   throw new CsrfFailed('csrf_mismatch', 'CSRF token incorrect.');
 */
export class CsrfFailed extends PermissionDenied {
  protected override readonly codeInBody = true;
  constructor(
    override readonly code: CsrfFailureCode,
    problem: string,
  ) {
    super(`CSRF Failed: ${problem}`);
  }
}

/** 404, as DRF words it. */
export class NotFound extends EasyJwtError {
  readonly status = 404;
  readonly code = 'not_found';
  constructor() {
    super('Not found.');
  }
}

/** 405 for a known path asked with a method it does not serve. */
export class MethodNotAllowed extends EasyJwtError {
  readonly status = 405;
  readonly code = 'method_not_allowed';
  constructor(method: string) {
    super(`Method "${method}" not allowed.`);
  }
}

/** 413 for a body over the configured limit. */
export class PayloadTooLarge extends EasyJwtError {
  readonly status = 413;
  readonly code = 'payload_too_large';
  protected override readonly codeInBody = true;
  constructor(limit: number) {
    super(`Request body exceeds the limit of ${limit} bytes.`);
  }
}

/** 415 for a body in a format the endpoints do not parse. */
export class UnsupportedMediaType extends EasyJwtError {
  readonly status = 415;
  readonly code = 'unsupported_media_type';
  constructor(type: string) {
    super(`Unsupported media type "${type}" in request.`);
  }
}

/** 503 for an auth-service that is down, slow, failing or answering something that is not JSON. */
export class AuthServiceUnavailable extends EasyJwtError {
  readonly status = 503;
  readonly code = 'auth_service_unavailable';
  protected override readonly codeInBody = true;
  constructor(cause: unknown) {
    super('Authentication service unavailable.', cause);
  }
}

/** 500: never carries the real message to the client. */
export class InternalError extends EasyJwtError {
  readonly status = 500;
  readonly code = 'error';
  constructor(cause?: unknown) {
    super('A server error occurred.', cause);
  }
}

/** What an error's `cause` says, as one line for the log. */
export function causeText(error: Error): string | undefined {
  const cause: unknown = error.cause;
  if (cause === undefined || cause === null) return undefined;
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * Thrown at start-up for a bad setting, naming the key; never reaches an HTTP client.
 *
 * @example
 *   new SettingsError('ACCESS_TOKEN_LIFETIME', 'must be a positive number of seconds, got -1');
 */
export class SettingsError extends Error {
  constructor(
    readonly key: string,
    problem: string,
  ) {
    super(`Invalid setting ${key}: ${problem}`);
    this.name = 'SettingsError';
  }
}

/**
 * Thrown when a claim builder is registered under a reserved or already registered claim, or
 * builds a value a token cannot carry; names the claim. A programming error, found at start-up.
 *
 * @example
 *   new ClaimRegistrationError('exp', 'is reserved: the token core sets it');
 */
export class ClaimRegistrationError extends Error {
  constructor(
    readonly key: string,
    problem: string,
  ) {
    super(`Claim ${JSON.stringify(key)} ${problem}`);
    this.name = 'ClaimRegistrationError';
  }
}

/** Thrown by the CLI and the user store for a request the operator must correct. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
