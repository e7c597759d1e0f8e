// Public keys as JWKs (RFC 7517) and their RFC 7638 thumbprints, the `kid` of an asymmetric key.
// Computed with node:crypto, which exports JWKs synchronously: jose's exportJWK and
// calculateJwkThumbprint are async, and keys are loaded while settings are checked, synchronously.
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { createHash, createPublicKey } from 'node:crypto';
import type { VerificationKey } from './key-ring';

/** The members RFC 7638 3.2 hashes for each key type, in the lexicographic order it requires. */
const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
};

/**
 * The public JWK of an asymmetric key (a private key gives its public half): never a private member.
 *
 * @example
 *   publicJwk(publicKey).kty; // 'RSA'
 */
export function publicJwk(key: KeyObject): JsonWebKey {
  if (key.type === 'secret') throw new Error('a secret key has no public JWK');
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return publicKey.export({ format: 'jwk' });
}

/**
 * The RFC 7638 SHA-256 thumbprint of an asymmetric key, base64url: the same key always gets the
 * same id, on the auth-service and on a client-service given only its public half.
 *
 * @example
 *   jwkThumbprint(publicKey); // 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'
 */
export function jwkThumbprint(key: KeyObject): string {
  const jwk = publicJwk(key) as Record<string, unknown>;
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)];
  if (!members) throw new Error(`no thumbprint for key type ${String(jwk.kty)}`);
  const canonical = `{${members.map((name) => `${JSON.stringify(name)}:${JSON.stringify(jwk[name])}`).join(',')}}`;
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

/** A JWK as the JWKS endpoint publishes it: public members, `kid`, `alg` and `use`. */
export type PublishedJwk = JsonWebKey & { kid: string; alg: string; use: 'sig' };

/**
 * The JWK Set (RFC 7517 5) of the asymmetric keys among `keys`: HMAC secrets are never published,
 * and neither is any private member.
 *
 * @example
 *   jwkSet(ring.keys()); // { keys: [{ kty: 'EC', crv: 'P-256', x: '...', y: '...', kid: '...', alg: 'ES256', use: 'sig' }] }
 */
export function jwkSet(keys: readonly VerificationKey[]): { keys: PublishedJwk[] } {
  const published: PublishedJwk[] = [];
  for (const key of keys) {
    if (key.key.type !== 'public' || key.kid === null) continue;
    published.push({ ...publicJwk(key.key), kid: key.kid, alg: key.algorithm, use: 'sig' });
  }
  return { keys: published };
}
