// The one error hierarchy: every failure a client can see is an EasyJwtError with a status,
// a DRF-shaped body and, where the peers define one, their machine code.
//
// The HTTP layer renders these in one place (src/http/error-renderer.ts); everything else only
// throws them. `reason` carries what really happened (expired, bad signature, ...) for the log:
// it is never put in a response, so a caller cannot probe why a token was refused.

/** A DRF-shaped response body: `{detail}`, `{detail, code}`, or per-field message lists. */
export type ErrorBody = Record<string, unknown>;

/**
 * Base class of every error a client can see.
 *
 * @example
 *   throw new AuthenticationFailed('No active account found with the given credentials');
 */
export abstract class EasyJwtError extends Error {
  abstract readonly status: number;
  /** Koa reads `expose` to decide whether the message may reach the client; ours always may. */
  readonly expose = true;

  constructor(
    readonly detail: string,
    readonly code?: string,
    /** The real cause, for logs only. */
    readonly reason?: string,
  ) {
    super(reason ? `${detail} (${reason})` : detail);
    this.name = new.target.name;
  }

  /** The response body, in the shape DRF gives for this error. */
  body(): ErrorBody {
    return this.code === undefined ? { detail: this.detail } : { detail: this.detail, code: this.code };
  }

  /** Extra response headers (the 401s add `WWW-Authenticate`). */
  headers(): Record<string, string> {
    return {};
  }
}

/** 400 with per-field messages: `{"email":["This field is required."]}`. */
export class ValidationFailed extends EasyJwtError {
  readonly status = 400;
  constructor(readonly fields: Record<string, string[]>) {
    super('Invalid input.', 'invalid');
  }
  override body(): ErrorBody {
    return { ...this.fields };
  }
}

/** 400 for a body that is not valid JSON or form data. */
export class ParseError extends EasyJwtError {
  readonly status = 400;
  constructor(reason: string) {
    super(`JSON parse error - ${reason}`);
  }
}

/** 401: the realm is fixed by the contract so Django peers see the same challenge as from DRF. */
export class AuthenticationFailed extends EasyJwtError {
  /** The `WWW-Authenticate` value of every 401, ours or relayed from the auth-service. */
  static readonly CHALLENGE = 'Bearer realm="api"';
  readonly status: number = 401;
  override headers(): Record<string, string> {
    return { 'WWW-Authenticate': AuthenticationFailed.CHALLENGE };
  }
}

/** 401 when a protected route gets no credentials it recognises. */
export class NotAuthenticated extends AuthenticationFailed {
  constructor() {
    super('Authentication credentials were not provided.');
  }
}

/**
 * 401 for a refresh or logout, in a cookie delivery mode, that carries no refresh token: neither
 * the cookie nor a `refresh` field. DRF's NotAuthenticated, with its code.
 */
export class NoRefreshToken extends AuthenticationFailed {
  constructor() {
    super('Authentication credentials were not provided.', 'not_authenticated');
  }
}

/** 401 for a token refused by the token endpoints (refresh, verify, blacklist). */
export class InvalidToken extends AuthenticationFailed {
  static readonly INVALID = 'Token is invalid or expired';
  static readonly WRONG_TYPE = 'Token has wrong type';
  static readonly BLACKLISTED = 'Token is blacklisted';

  constructor(
    detail: string = InvalidToken.INVALID,
    reason?: string,
    /** The token was good but is past its `exp` (told apart for logout, never shown to callers). */
    readonly expired = false,
  ) {
    super(detail, 'token_not_valid', reason);
  }
}

/**
 * 401 for a token the registry expired before its `exp`: the expire endpoint, a session ended
 * (DELETE /sessions/{id}/, logout-all) or TOKEN_EXPIRE_ON_REFRESH. Same status and shape at
 * refresh, verify and on protected routes, so clients can match the code anywhere.
 */
export class TokenExpiredByRegistry extends AuthenticationFailed {
  static readonly CODE = 'token_expired_by_registry';
  constructor(reason?: string) {
    super('Token has been expired.', TokenExpiredByRegistry.CODE, reason);
  }
}

/** 401 at refresh for a rotated-out refresh token presented after the grace window: its family is gone. */
export class TokenReuseDetected extends AuthenticationFailed {
  constructor(reason?: string) {
    super('Refresh token was already used; the session has been ended.', 'token_reuse_detected', reason);
  }
}

/** 401 at refresh once a login is older than SESSION_MAX_LIFETIME. */
export class SessionLifetimeExceeded extends AuthenticationFailed {
  constructor() {
    super('Session has reached its maximum lifetime; log in again.', 'session_expired');
  }
}

/**
 * 401 for a bad Bearer token on a protected route: simplejwt's envelope that lists, per accepted
 * token class, why the token did not fit.
 */
export class BearerTokenRejected extends AuthenticationFailed {
  constructor(readonly rejection: InvalidToken) {
    super("Given token not valid for any token type", "token_not_valid", rejection.reason);
  }
  override body(): ErrorBody {
    return {
      detail: this.detail,
      code: this.code,
      messages: [{ token_class: 'AccessToken', token_type: 'access', message: this.rejection.detail }],
    };
  }
}

/**
 * 401 carrying the auth-service's own answer, as a Django easyjwt client-service passes it on: the
 * caller sees the upstream detail and code unchanged.
 */
export class UpstreamRejected extends AuthenticationFailed {
  constructor(
    readonly upstreamBody: ErrorBody,
    readonly upstreamStatus: number,
  ) {
    super(typeof upstreamBody.detail === 'string' ? upstreamBody.detail : 'Authentication failed.', undefined, `auth-service answered ${upstreamStatus}`);
  }
  override body(): ErrorBody {
    return { ...this.upstreamBody };
  }
}

/** 403: authenticated, but not allowed. */
export class PermissionDenied extends EasyJwtError {
  readonly status = 403;
  constructor(detail = 'You do not have permission to perform this action.', code?: string) {
    super(detail, code);
  }
}

/** The stable codes of a CSRF refusal. */
export type CsrfFailureCode = 'csrf_missing' | 'csrf_mismatch' | 'origin_not_allowed';

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
  constructor(
    override readonly code: CsrfFailureCode,
    problem: string,
  ) {
    super(`CSRF Failed: ${problem}`, code);
  }
}

/** 404, as DRF words it. */
export class NotFound extends EasyJwtError {
  readonly status = 404;
  constructor(detail = 'Not found.') {
    super(detail);
  }
}

/** 405 for a known path asked with a method it does not serve. */
export class MethodNotAllowed extends EasyJwtError {
  readonly status = 405;
  constructor(method: string) {
    super(`Method "${method}" not allowed.`);
  }
}

/** 413 for a body over the configured limit. */
export class PayloadTooLarge extends EasyJwtError {
  readonly status = 413;
  constructor(limit: number) {
    super(`Request body exceeds the limit of ${limit} bytes.`, 'payload_too_large');
  }
}

/** 415 for a body in a format the endpoints do not parse. */
export class UnsupportedMediaType extends EasyJwtError {
  readonly status = 415;
  constructor(type: string) {
    super(`Unsupported media type "${type}" in request.`);
  }
}

/** 503 when an upstream the request depends on cannot be reached. */
export class ServiceUnavailable extends EasyJwtError {
  readonly status = 503;
}

/** 503 for an auth-service that is down, slow, failing or answering something that is not JSON. */
export class AuthServiceUnavailable extends ServiceUnavailable {
  constructor(reason: string) {
    super('Authentication service unavailable.', 'auth_service_unavailable', reason);
  }
}

/** 500: never carries the real message to the client. */
export class InternalError extends EasyJwtError {
  readonly status = 500;
  constructor(reason?: string) {
    super('A server error occurred.', undefined, reason);
  }
}

/**
 * Thrown at start-up for a bad setting, naming the key; never reaches an HTTP client.
 *
 * @example
 *   new SettingsError('ACCESS_TOKEN_LIFETIME', 'must be a positive number of seconds, got -1')
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
 *   new ClaimRegistrationError('exp', 'is reserved: the token core sets it')
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
