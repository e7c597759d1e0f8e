// A memo of tokens whose signature already checked out. A client sends the same access token on
// every request for its lifetime; re-checking its HMAC and re-parsing it each time is most of the
// cost of an authenticated request. Expiry is still checked on every use, against the clock.
import type { Clock } from './clock';
import { epochSeconds } from './clock';
import type { Claims, TokenCodec, TokenType } from './tokens';

/**
 * Entries are found by the token's last characters (its signature, which differs between any two
 * tokens) and then compared in full: hashing a 40-character key costs a fraction of hashing the
 * whole token, which a Map would do on every request since each request's string is new.
 */
const KEY_LENGTH = 40;
const keyOf = (token: string): string => (token.length > KEY_LENGTH ? token.slice(token.length - KEY_LENGTH) : token);

interface Entry {
  readonly token: string;
  readonly claims: Claims;
  readonly type: unknown;
  readonly exp: number;
}

/**
 * Verifies through `codec`, remembering successes by the full token string (signature included,
 * so a changed byte is a different token and is verified afresh). Failures are never remembered.
 *
 * @example
 *   const verified = new VerifiedTokens(codec, clock, settings.LEEWAY, 10000, 'token_type');
 *   verified.verify(raw, 'access'); // signature checked once, then a Map lookup until `exp`
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly codec: TokenCodec,
    private readonly clock: Clock,
    private readonly leeway: number,
    private readonly maxEntries: number,
    private readonly typeClaim: string,
  ) {}

  /**
   * The claims of `token` if it was verified before, is of `expectedType` and has not expired
   * since; null otherwise (the caller then verifies it). Never throws, never checks a signature.
   */
  recall(token: string, expectedType: TokenType): Claims | null {
    const known = this.entries.get(keyOf(token));
    if (known === undefined || known.token !== token || known.type !== expectedType) return null;
    return epochSeconds(this.clock) < known.exp + this.leeway ? known.claims : null;
  }

  /** The claims of a valid `token` of `expectedType`; throws InvalidToken otherwise. */
  verify(token: string, expectedType: TokenType): Claims {
    const known = this.recall(token, expectedType);
    if (known) return known;
    const key = keyOf(token);
    if (this.entries.get(key)?.token === token) this.entries.delete(key);
    // Throws for anything invalid, expired or of the wrong type; only successes are kept.
    const claims = Object.freeze(this.codec.verify(token, expectedType));
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { token, claims, type: claims[this.typeClaim], exp: claims.exp as number });
    return claims;
  }

  get size(): number {
    return this.entries.size;
  }
}
