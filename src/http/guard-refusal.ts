// routing-controllers' authorizationChecker answers 500 for any thrown value that is not its own
// HttpError, and 403 when it returns false, whatever the reason. Our checker throws this wrapper
// instead: routing-controllers' default handler then keeps the status and the DRF body, and our
// renderers unwrap it to answer exactly what the guards answer (headers included).
import { HttpError } from 'routing-controllers';
import { EasyJwtError } from '../errors';

/** An EasyJwtError dressed as routing-controllers' HttpError. */
export class GuardRefusal extends HttpError {
  constructor(readonly refusal: EasyJwtError) {
    super(refusal.status, refusal.message);
    // HttpError resets the prototype to its own, which would hide this class from instanceof.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = refusal.name;
  }

  /** What routing-controllers' default error handler sends: the DRF body. */
  toJSON(): ReturnType<EasyJwtError['body']> {
    return this.refusal.body();
  }
}

/** The EasyJwtError a thrown value stands for, or null for anything else. */
export function refusalOf(thrown: unknown): EasyJwtError | null {
  if (thrown instanceof EasyJwtError) return thrown;
  return thrown instanceof GuardRefusal ? thrown.refusal : null;
}
