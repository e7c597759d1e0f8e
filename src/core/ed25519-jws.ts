// EdDSA (Ed25519) tokens, which jsonwebtoken cannot sign or verify, through node:crypto's one-shot
// Ed25519 sign and verify. jose could, but its sign and verify are async, and TokenCodec is
// synchronous on purpose: verification runs on every request, and a synchronous codec keeps the
// HS256 path free of promise overhead and every caller (guards, the registry, the CLI) unchanged.
// Ed25519 signing is deterministic (RFC 8032), so nothing is lost by not using jose here; jose
// stays in the tests as an independent verifier of the tokens this module makes.
//
// The registered claims are checked as jsonwebtoken checks them for the other algorithms (same
// order, same clock tolerance, same errors), so the codec behaves alike whatever the key.
import type { KeyObject } from 'node:crypto';
import { sign, verify } from 'node:crypto';
import jwt from 'jsonwebtoken';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/**
 * A compact JWS of `payload` signed with an Ed25519 private key; the header is written as
 * jsonwebtoken writes its own (alg, typ, then kid when there is one).
 *
 * @example
 *   const token = signEd25519({ sub: '1' }, privateKey, 'k1');
 */
export function signEd25519(payload: object, privateKey: KeyObject, kid: string | null): string {
  const header = kid === null ? { alg: 'EdDSA', typ: 'JWT' } : { alg: 'EdDSA', typ: 'JWT', kid };
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign(null, Buffer.from(input, 'ascii'), privateKey).toString('base64url')}`;
}

/** What the registered claims are checked against, as jsonwebtoken's VerifyOptions say it. */
export interface ClaimChecks {
  readonly clockTolerance?: number;
  readonly audience?: string | readonly string[];
  readonly issuer?: string;
}

/**
 * The payload of an EdDSA token whose signature `publicKey` verifies, its registered claims
 * checked at `now` (epoch seconds). Throws jsonwebtoken's errors, TokenExpiredError among them.
 * The token's shape (three canonical base64url segments) is checked before.
 */
export function verifyEd25519(token: string, publicKey: KeyObject, checks: ClaimChecks, now: number): unknown {
  const first = token.indexOf('.');
  const last = token.lastIndexOf('.');
  const signature = Buffer.from(token.slice(last + 1), 'base64url');
  // Ed25519 signatures are 64 bytes; node:crypto would say false for others, this says why.
  if (signature.length !== 64) throw new jwt.JsonWebTokenError('invalid signature');
  if (!verify(null, Buffer.from(token.slice(0, last), 'ascii'), publicKey, signature)) throw new jwt.JsonWebTokenError('invalid signature');
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(token.slice(first + 1, last), 'base64url').toString('utf8'));
  } catch {
    throw new jwt.JsonWebTokenError('payload is not JSON');
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new jwt.JsonWebTokenError('payload is not an object');
  checkRegisteredClaims(payload as Record<string, unknown>, checks, now);
  return payload;
}

function checkRegisteredClaims(payload: Record<string, unknown>, checks: ClaimChecks, now: number): void {
  const tolerance = checks.clockTolerance ?? 0;
  if (payload.nbf !== undefined) {
    if (typeof payload.nbf !== 'number') throw new jwt.JsonWebTokenError('invalid nbf value');
    if (payload.nbf > now + tolerance) throw new jwt.NotBeforeError('jwt not active', new Date(payload.nbf * 1000));
  }
  if (payload.exp !== undefined) {
    if (typeof payload.exp !== 'number') throw new jwt.JsonWebTokenError('invalid exp value');
    if (now >= payload.exp + tolerance) throw new jwt.TokenExpiredError('jwt expired', new Date(payload.exp * 1000));
  }
  if (checks.audience !== undefined) {
    const wanted: readonly string[] = typeof checks.audience === 'string' ? [checks.audience] : checks.audience;
    const given: readonly unknown[] = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!given.some((audience) => typeof audience === 'string' && wanted.includes(audience))) {
      throw new jwt.JsonWebTokenError(`jwt audience invalid. expected: ${wanted.join(' or ')}`);
    }
  }
  if (checks.issuer !== undefined && payload.iss !== checks.issuer) throw new jwt.JsonWebTokenError(`jwt issuer invalid. expected: ${checks.issuer}`);
}
