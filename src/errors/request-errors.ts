// Refusals of the request itself, before any question of who sent it: bad fields, a body that
// does not parse or is too large, an unknown path or method; and the 5xx a request can meet.
import { EasyJwtError, type ErrorBody } from './easyjwt-error';

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

/**
 * 400 for a password change whose current credentials are wrong (unknown login, wrong password,
 * inactive user): django-easyjwt's serializer refusal, where a login answers NoActiveAccount's 401.
 */
export class InvalidCredentials extends ValidationFailed {
  /** The message, which a client-service relaying a password change counts as a failed guess. */
  static readonly MESSAGE = 'Invalid credentials.';
  constructor() {
    super({ non_field_errors: [InvalidCredentials.MESSAGE] });
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

/** 404, as DRF words it. */
export class NotFound extends EasyJwtError {
  readonly status = 404;
  readonly code = 'not_found';
  constructor() {
    super('Not found.');
  }
}

/** 405 for a known path asked with a method it does not serve; `Allow` lists those it does. */
export class MethodNotAllowed extends EasyJwtError {
  readonly status = 405;
  readonly code = 'method_not_allowed';
  override readonly headers: Readonly<Record<string, string>>;
  constructor(method: string, allowed: readonly string[] = []) {
    super(`Method "${method}" not allowed.`);
    this.headers = allowed.length > 0 ? Object.freeze({ Allow: allowed.join(', ') }) : {};
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
