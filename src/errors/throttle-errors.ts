// Refusals for asking too often: the login throttle's 429, worded as DRF's Throttled words it.
import { EasyJwtError } from './easyjwt-error';

/**
 * 429 for a login or password change past its limit: `Retry-After` says in how many whole seconds
 * (rounded up, as DRF rounds) the window ends, and the body says it in DRF's words.
 *
 * @example
 *   throw new Throttled(42); // {"detail":"Request was throttled. Expected available in 42 seconds.","code":"throttled"}
 */
export class Throttled extends EasyJwtError {
  readonly status = 429;
  readonly code = 'throttled';
  protected override readonly codeInBody = true;
  override readonly headers: Readonly<Record<string, string>>;
  /** Whole seconds until the attempt may be made again. */
  readonly wait: number;

  constructor(waitSeconds: number, cause?: unknown) {
    const wait = Math.max(1, Math.ceil(waitSeconds));
    super(`Request was throttled. Expected available in ${wait} ${wait === 1 ? 'second' : 'seconds'}.`, cause);
    this.wait = wait;
    this.headers = Object.freeze({ 'Retry-After': String(wait) });
  }
}
