// The 403s: authenticated but not allowed, and requests refused by the CSRF defences.
import { type CsrfFailureCode, EasyJwtError, type ErrorCode } from './easyjwt-error';

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
  protected override readonly codeInBody: boolean;
  /** `codeInBody` false renders DRF's own CSRF refusal exactly: `{"detail"}` alone (the easyjwt-cookie mode). */
  constructor(
    override readonly code: CsrfFailureCode,
    problem: string,
    codeInBody = true,
  ) {
    super(`CSRF Failed: ${problem}`);
    this.codeInBody = codeInBody;
  }
}
