// Verification keys from a JWK Set (RFC 7517), as an auth-service publishes them. A published key
// is trusted to verify, never more: a symmetric (`oct`) key or a JWK carrying private members is
// refused outright, whatever else it says, so a JWKS can never hand this service a secret to
// accept HS* tokens with. Each key is bound to one algorithm, as every VerificationKey is.
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import type { Algorithm } from '../settings';
import { ASYMMETRIC_ALGORITHMS } from '../settings';
import type { VerificationKey } from './key-ring';

/** Members only a private (or secret) JWK has: RSA's CRT parameters, EC and OKP's `d`, oct's `k`. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** The key type (and curve) each algorithm needs, as the JWK names them. */
const KEY_SHAPE: Readonly<Record<string, { kty: string; crv?: string }>> = {
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
};

/** The algorithm a JWK without `alg` can only be for: one per curve. RSA keys serve six, so none. */
const ALGORITHM_OF_CURVE: Readonly<Record<string, string>> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512', Ed25519: 'EdDSA' };

/** jsonwebtoken refuses shorter RSA keys at every verify: refuse them here, once. */
const MINIMUM_RSA_BITS = 2048;

/** Which algorithms this build verifies: a key for another one could only ever refuse tokens. */
const VERIFIED = new Set<string>(ASYMMETRIC_ALGORITHMS);

/** A JWK of the set that was not imported, and why. */
export interface SkippedJwk {
  /** Its `kid`, or null when it has none (or a kid that is not a string). */
  readonly kid: string | null;
  /** Its position in `keys`. */
  readonly index: number;
  readonly reason: string;
}

/** How a set's members are imported. */
export interface JwkImportOptions {
  /**
   * The algorithm an RSA key without `alg` is taken for. Some identity providers (Microsoft Entra
   * among them) publish RSA keys without `alg`; the algorithm then comes from our configuration,
   * never from the token. Unset: such a key is refused.
   */
  readonly rsaAlgorithm?: Algorithm;
}

/** What a JWK Set yields: the keys that verify, and the ones left out. */
export interface ImportedJwkSet {
  readonly keys: readonly VerificationKey[];
  readonly skipped: readonly SkippedJwk[];
}

/**
 * The verification keys of a JWK Set document. Throws when the document is not a JWK Set at all
 * (not an object, no `keys` array); a member it cannot use is skipped with its reason, so one
 * strange key does not cost the others. Two members with one `kid`: the first is kept.
 *
 * @example
 *   const { keys, skipped } = importJwkSet(JSON.parse(body));
 */
export function importJwkSet(document: unknown, options: JwkImportOptions = {}): ImportedJwkSet {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw new Error('the JWKS is not a JSON object');
  const members = (document as Record<string, unknown>).keys;
  if (!Array.isArray(members)) throw new Error('the JWKS has no "keys" array');
  const keys: VerificationKey[] = [];
  const skipped: SkippedJwk[] = [];
  const kids = new Set<string>();
  members.forEach((member: unknown, index) => {
    const imported = importJwk(member, options);
    const kid =
      member !== null && typeof member === 'object' && typeof (member as Record<string, unknown>).kid === 'string'
        ? ((member as Record<string, unknown>).kid as string)
        : null;
    if (typeof imported === 'string') return skipped.push({ kid, index, reason: imported });
    if (imported.kid !== null) {
      if (kids.has(imported.kid)) return skipped.push({ kid, index, reason: 'another key of the set has the same kid' });
      kids.add(imported.kid);
    }
    keys.push(imported);
  });
  return { keys, skipped };
}

/**
 * One JWK as a public verification key bound to its algorithm, or why it cannot be one. Without
 * `alg`, the algorithm is taken from the curve when only one fits (EC P-256 is ES256, OKP Ed25519
 * is EdDSA); an RSA key without `alg` could be any of six and is refused.
 *
 * @example
 *   importJwk({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'k1' });
 */
export function importJwk(member: unknown, options: JwkImportOptions = {}): VerificationKey | string {
  if (member === null || typeof member !== 'object' || Array.isArray(member)) return 'not a JSON object';
  const jwk = member as Record<string, unknown>;
  if (jwk.kty === 'oct') return 'a symmetric (oct) key: a JWKS never supplies secrets';
  const secret = PRIVATE_MEMBERS.find((name) => Object.hasOwn(jwk, name));
  if (secret !== undefined) return `carries the private member "${secret}": a JWKS publishes public keys only`;
  if (typeof jwk.kty !== 'string') return 'has no kty';
  if (jwk.kid !== undefined && typeof jwk.kid !== 'string') return 'its kid is not a string';
  if (jwk.use !== undefined && jwk.use !== 'sig') return `is for use ${JSON.stringify(jwk.use)}, not "sig"`;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return 'its key_ops do not include "verify"';
  const algorithm = algorithmOf(jwk, options);
  if (!algorithm.ok) return algorithm.reason;
  const shape = KEY_SHAPE[algorithm.value];
  if (jwk.kty !== shape.kty || (shape.crv !== undefined && jwk.crv !== shape.crv)) {
    return `is a ${jwk.kty}${typeof jwk.crv === 'string' ? ` ${jwk.crv}` : ''} key; ${algorithm.value} needs ${shape.kty}${shape.crv ? ` ${shape.crv}` : ''}`;
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch (error) {
    return `cannot be imported (${(error as Error).message})`;
  }
  if (key.type !== 'public') return 'is not a public key';
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (shape.kty === 'RSA' && (bits ?? 0) < MINIMUM_RSA_BITS) return `is a ${String(bits)}-bit RSA key; at least ${MINIMUM_RSA_BITS} bits are needed`;
  return Object.freeze({ kid: typeof jwk.kid === 'string' ? jwk.kid : null, algorithm: algorithm.value as Algorithm, key });
}

type Outcome = { ok: true; value: string } | { ok: false; reason: string };

/** The algorithm a JWK is for: its `alg`, or the one its curve allows. */
function algorithmOf(jwk: Record<string, unknown>, options: JwkImportOptions): Outcome {
  if (jwk.alg !== undefined) {
    if (typeof jwk.alg !== 'string') return { ok: false, reason: 'its alg is not a string' };
    if (!Object.hasOwn(KEY_SHAPE, jwk.alg)) return { ok: false, reason: `its alg ${JSON.stringify(jwk.alg)} is not a signature algorithm we verify` };
    if (!VERIFIED.has(jwk.alg)) return { ok: false, reason: `its alg ${jwk.alg} is not verified by this version` };
    return { ok: true, value: jwk.alg };
  }
  if (jwk.kty === 'RSA' && options.rsaAlgorithm !== undefined) return { ok: true, value: options.rsaAlgorithm };
  if (jwk.kty === 'RSA') return { ok: false, reason: 'an RSA key without alg: it could be for RS256 to PS512, and guessing is not verifying' };
  const derived = typeof jwk.crv === 'string' && Object.hasOwn(ALGORITHM_OF_CURVE, jwk.crv) ? ALGORITHM_OF_CURVE[jwk.crv] : undefined;
  if (derived === undefined) return { ok: false, reason: `a ${String(jwk.kty)} key without alg on a curve we do not verify` };
  if (!VERIFIED.has(derived)) return { ok: false, reason: `its curve means ${derived}, which this version does not verify` };
  return { ok: true, value: derived };
}
