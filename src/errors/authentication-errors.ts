// The 401s about credentials and users: no credentials, a failed login, a malformed header, a
// token naming no usable user, a user gone, inactive or whose password changed.
import { BEARER_CHALLENGE, EasyJwtError } from './easyjwt-error';

const CHALLENGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'WWW-Authenticate': BEARER_CHALLENGE });

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
  protected override readonly codeInBody: boolean = true;
  constructor(message = 'Authentication credentials were not provided.') {
    super(message);
  }
}

/**
 * 401 for a refresh in the easyjwt-cookie delivery mode without the refresh cookie, worded as
 * django-easyjwt 1.1's client-service words it (a DRF AuthenticationFailed: `{"detail"}` alone).
 */
export class NoRefreshCookie extends NoRefreshToken {
  protected override readonly codeInBody = false;
  constructor() {
    super('No refresh token provided.');
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
