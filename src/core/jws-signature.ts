// The signature of a compact JWS, checked with node:crypto alone against a key bound to one
// algorithm: the algorithm is the key's, never the header's. Used where a token is not one of ours
// and jsonwebtoken's claim checks would be the wrong ones (an identity provider's id token).
import type { KeyObject } from 'node:crypto';
import { constants, createHash, verify } from 'node:crypto';
import type { VerificationKey } from './key-ring';

/** The hash of each asymmetric algorithm (EdDSA hashes inside Ed25519; OIDC pairs it with SHA-512 for at_hash). */
const HASH_OF: Readonly<Record<string, string>> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  PS256: 'sha256',
  PS384: 'sha384',
  PS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  EdDSA: 'sha512',
};

/** The length of an ECDSA signature in JOSE's r||s form (RFC 7518 3.4): anything else is refused. */
const ECDSA_SIGNATURE_BYTES: Readonly<Record<string, number>> = { ES256: 64, ES384: 96, ES512: 132 };

/**
 * Whether `signature` signs `input` under `key`, with the key's own algorithm. HMAC keys are
 * refused: a token from outside is never verified with a shared secret.
 *
 * @example
 *   jwsSignatureValid(key, 'eyJhbGciOi...eyJzdWIi...', signatureBytes); // true or false
 */
export function jwsSignatureValid(key: VerificationKey, input: string, signature: Buffer): boolean {
  const data = Buffer.from(input, 'ascii');
  const { algorithm } = key;
  const publicKey: KeyObject = key.key;
  if (publicKey.type !== 'public') return false;
  try {
    if (algorithm === 'EdDSA') return signature.length === 64 && verify(null, data, publicKey, signature);
    const hash = HASH_OF[algorithm];
    if (hash === undefined) return false;
    if (algorithm.startsWith('RS')) return verify(hash, data, publicKey, signature);
    if (algorithm.startsWith('PS')) {
      return verify(hash, data, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
    }
    if (signature.length !== ECDSA_SIGNATURE_BYTES[algorithm]) return false;
    return verify(hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    // A key node:crypto cannot use for this algorithm verifies nothing.
    return false;
  }
}

/**
 * The OpenID Connect `at_hash` (or `c_hash`) of `value` for tokens signed with `algorithm`: the
 * left half of its hash, base64url (OIDC Core 3.1.3.6).
 *
 * @example
 *   tokenHalfHash('RS256', accessToken); // compare with the id token's at_hash
 */
export function tokenHalfHash(algorithm: string, value: string): string | null {
  const hash = HASH_OF[algorithm];
  if (hash === undefined) return null;
  const digest = createHash(hash).update(value, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
