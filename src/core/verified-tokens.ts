// A memo of tokens whose signature already checked out. A client sends the same access token on
// every request for its lifetime; re-checking its HMAC and re-parsing it each time is most of the
// cost of an authenticated request. Expiry is still checked on every use, against the clock.
import { Clock, epochSeconds } from './clock';
import type { Claims, TokenCodec, TokenType } from './tokens';

/**
 * Verifies through `codec`, remembering successes by the full token string (signature included,
 * so a changed byte is a different key and is verified afresh). Failures are never remembered.
 *
 * @example
 *   const verified = new VerifiedTokens(codec, clock, settings.LEEWAY, 10000);
 *   verified.verify(raw, 'access'); // signature checked once, then a Map lookup until `exp`
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, { claims: Claims; type: unknown; exp: number }>();

  constructor(
    private readonly codec: TokenCodec,
    private readonly clock: Clock,
    private readonly leeway: number,
    private readonly maxEntries: number,
    private readonly typeClaim: string,
  ) {}

  verify(token: string, expectedType: TokenType): Claims {
    const known = this.entries.get(token);
    if (known && known.type === expectedType && epochSeconds(this.clock) < known.exp + this.leeway) return known.claims;
    if (known) this.entries.delete(token);
    // Throws for anything invalid, expired or of the wrong type; only successes are kept.
    const claims = Object.freeze(this.codec.verify(token, expectedType));
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(token, { claims, type: claims[this.typeClaim], exp: claims.exp as number });
    return claims;
  }

  get size(): number {
    return this.entries.size;
  }
}
