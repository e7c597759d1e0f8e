// The base of the error hierarchy: every failure a client can see is an EasyJwtError, one class
// per failure, with a status, a stable code from a closed list, and a DRF-shaped body.
//
// They follow Koa's conventions: `message` is what the client may see (so `expose` is
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
  | 'throttled'
  | 'auth_service_unavailable'
  | 'provider_token_invalid'
  | 'provider_token_expired'
  | 'provider_issuer_mismatch'
  | 'provider_audience_mismatch'
  | 'nonce_mismatch'
  | 'unknown_provider'
  | 'email_not_verified'
  | 'account_not_provisioned'
  | 'provider_unavailable'
  | 'error';

/** The challenge of every 401, with the realm fixed so Django peers see the one DRF sends. */
export const BEARER_CHALLENGE = 'Bearer realm="api"';

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

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

/** What an error's `cause` says, as one line for the log. */
export function causeText(error: Error): string | undefined {
  const cause: unknown = error.cause;
  if (cause === undefined || cause === null) return undefined;
  if (cause instanceof Error) return cause.message;
  return typeof cause === 'string' ? cause : JSON.stringify(cause);
}
