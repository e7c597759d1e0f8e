// The keys a service verifies with, looked up by the `kid` a token names, and the one key it signs
// with. A verification key is bound to one algorithm: a token is checked with the algorithm of the
// key its `kid` names, never with the algorithm its header asks for.
import type { KeyObject } from 'node:crypto';
import type { Algorithm } from '../settings';

/** A key that verifies tokens of one algorithm. `kid` is null for a settings key that has no id. */
export interface VerificationKey {
  readonly kid: string | null;
  readonly algorithm: Algorithm;
  /** A secret KeyObject for HS*, a public one otherwise. */
  readonly key: KeyObject;
}

/** The key new tokens are signed with: `kid` goes into their header (none when null). */
export interface SigningKey {
  readonly kid: string | null;
  readonly algorithm: Algorithm;
  /** A secret KeyObject for HS*, a private one otherwise. */
  readonly key: KeyObject;
}

/**
 * Finds the key for a token's `kid` (null when the header has none) and `alg`. Synchronous and
 * in memory: it runs on every request. Whatever backs it (settings, a database table, a fetched
 * JWKS) refreshes it elsewhere. Undefined refuses the token.
 */
export interface KeyResolver {
  resolve(kid: string | null, algorithm: string): VerificationKey | undefined;
}

/** What a TokenCodec needs: a resolver, and the key it signs with now (null: it only verifies). */
export interface TokenKeys extends KeyResolver {
  signingKey(): SigningKey | null;
}

/** Keys that can also say which of them verify now, for the JWKS the auth-service publishes. */
export interface KeySource extends TokenKeys {
  keys(): readonly VerificationKey[];
}

/**
 * A fixed set of verification keys and, optionally, a signing key.
 *
 * A token without `kid` (simplejwt and django-easyjwt write none) is verified with the one key
 * of its algorithm when the ring holds exactly one; with two or more it is refused, since we
 * could only guess.
 *
 * @example
 *   const ring = new KeyRing([{ kid: 'k1', algorithm: 'RS256', key: publicKey }], null);
 *   ring.resolve('k1', 'RS256')?.kid; // 'k1'
 */
export class KeyRing implements KeySource {
  // A Map, not an object: a kid such as `__proto__` or `constructor` must find nothing.
  private readonly byKid = new Map<string, VerificationKey>();
  private readonly all: readonly VerificationKey[];

  constructor(
    keys: readonly VerificationKey[],
    private readonly signing: SigningKey | null,
  ) {
    this.all = Object.freeze([...keys]);
    for (const key of keys) {
      if (key.kid === null) continue;
      if (this.byKid.has(key.kid)) throw new Error(`two verification keys share the kid ${JSON.stringify(key.kid)}`);
      this.byKid.set(key.kid, key);
    }
  }

  /** Every verification key, in the order given. */
  keys(): readonly VerificationKey[] {
    return this.all;
  }

  signingKey(): SigningKey | null {
    return this.signing;
  }

  resolve(kid: string | null, algorithm: string): VerificationKey | undefined {
    if (kid !== null) return this.byKid.get(kid);
    // The common case first: a ring of one key, as every settings-configured service has.
    if (this.all.length === 1) return this.all[0].algorithm === algorithm ? this.all[0] : undefined;
    let found: VerificationKey | undefined;
    for (const key of this.all) {
      if (key.algorithm !== algorithm) continue;
      if (found) return undefined;
      found = key;
    }
    return found;
  }
}
