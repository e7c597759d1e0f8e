// The 401s about a token itself: invalid, of the wrong type, blacklisted, expired by the registry,
// reused after rotation, past its session's lifetime; and the envelopes protected routes and
// client-services answer them in.
import type { ErrorBody } from './easyjwt-error';
import { AuthenticationFailed } from './authentication-errors';

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
