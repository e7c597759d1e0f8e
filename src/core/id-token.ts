// An OpenID Connect id token from an identity provider, verified as OIDC Core 3.1.3.7 asks: the
// signature with a key of the provider's JWKS, under an algorithm our configuration allows and the
// key is bound to (never the one the header asks for), then `iss` exactly, `aud` and `azp`, `exp`
// and `iat` within a small leeway, the nonce and `at_hash` when there is something to compare
// them with. Synchronous and free of I/O: fetching the keys is the caller's business.
import { NonceMismatch, ProviderAudienceMismatch, ProviderIssuerMismatch, ProviderTokenExpired, ProviderTokenInvalid } from '../errors';
import type { Algorithm } from '../settings';
import { compactJwsProblem } from './compact-jws';
import { sameSecret } from './constant-time';
import { jwsSignatureValid, tokenHalfHash } from './jws-signature';
import type { KeyResolver } from './key-ring';

/** What a provider's id token is checked against. */
export interface IdTokenChecks {
  /** The provider's issuer: `iss` must be exactly this. */
  readonly issuer: string;
  /** Our client id at the provider: `aud` must contain it. */
  readonly clientId: string;
  /** The algorithms the provider's settings allow. */
  readonly algorithms: readonly Algorithm[];
  /** Seconds of clock skew allowed on `exp`, `iat` and `nbf`. */
  readonly leeway: number;
  /** Now, in epoch seconds. */
  readonly now: number;
  /** The nonce the client sent with its authorization request, or null when it sent none. */
  readonly nonce: string | null;
  /** The access token issued with the id token, when the client passes it on: checked against `at_hash`. */
  readonly accessToken: string | null;
}

/** A verified id token's claims, with its subject pulled out. */
export interface IdTokenClaims {
  readonly subject: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

/** Longest `sub` accepted: OIDC allows 255 ASCII characters, and the identity table stores as many. */
export const MAX_SUBJECT_LENGTH = 255;

function jsonSegment(token: string, from: number, to: number): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(token.slice(from, to), 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * The claims of a provider's id token that passes every check, or the refusal that says which
 * failed: ProviderTokenInvalid (with `unknownKid` when no key had the token's kid),
 * ProviderTokenExpired, ProviderIssuerMismatch, ProviderAudienceMismatch or NonceMismatch.
 *
 * @example
 *   const { subject, claims } = verifyIdToken(idToken, keys, { issuer, clientId: 'easyjwt-spa', algorithms: ['RS256'], leeway: 30, now: 1796000000, nonce: null, accessToken: null });
 */
export function verifyIdToken(token: string, keys: KeyResolver, checks: IdTokenChecks): IdTokenClaims {
  const shape = compactJwsProblem(token);
  if (shape !== null) throw new ProviderTokenInvalid(shape);
  const first = token.indexOf('.');
  const last = token.lastIndexOf('.');
  const header = jsonSegment(token, 0, first);
  if (header === null) throw new ProviderTokenInvalid('header is not a JSON object');
  // We understand no JOSE extension; jku, x5u, jwk and x5c are never read, keys come from the JWKS.
  if (Object.hasOwn(header, 'crit')) throw new ProviderTokenInvalid('header carries crit');
  const alg = header.alg;
  if (typeof alg !== 'string' || !(checks.algorithms as readonly string[]).includes(alg)) {
    throw new ProviderTokenInvalid(`alg ${JSON.stringify(alg)} is not among the provider's algorithms (${checks.algorithms.join(', ')})`);
  }
  if (header.kid !== undefined && typeof header.kid !== 'string') throw new ProviderTokenInvalid('header kid is not a string');
  const kid = header.kid ?? null;
  const key = keys.resolve(kid, alg);
  if (key === undefined) throw new ProviderTokenInvalid(kid === null ? `no single key for alg ${alg}` : `no key with kid ${JSON.stringify(kid)}`, kid);
  // The key decides: a header naming a key of another algorithm is refused, not reinterpreted.
  if (key.algorithm !== alg || !checks.algorithms.includes(key.algorithm)) {
    throw new ProviderTokenInvalid(`key ${JSON.stringify(kid)} is for ${key.algorithm}, the token says ${alg}`);
  }
  if (!jwsSignatureValid(key, token.slice(0, last), Buffer.from(token.slice(last + 1), 'base64url'))) throw new ProviderTokenInvalid('bad signature');
  const claims = jsonSegment(token, first + 1, last);
  if (claims === null) throw new ProviderTokenInvalid('payload is not a JSON object');
  checkClaims(claims, key.algorithm, checks);
  return { subject: claims.sub as string, claims: Object.freeze(claims) };
}

/** The registered claims, in the order OIDC Core lists their checks. */
function checkClaims(claims: Record<string, unknown>, algorithm: string, checks: IdTokenChecks): void {
  const { now, leeway } = checks;
  if (claims.iss !== checks.issuer) throw new ProviderIssuerMismatch(`iss ${JSON.stringify(claims.iss)}, expected ${JSON.stringify(checks.issuer)}`);
  const audiences: readonly unknown[] = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(checks.clientId)) throw new ProviderAudienceMismatch(`aud ${JSON.stringify(claims.aud)} does not contain ${checks.clientId}`);
  // With several audiences the authorized party must be us; when present it must be us anyway.
  if ((audiences.length > 1 || claims.azp !== undefined) && claims.azp !== checks.clientId) {
    throw new ProviderAudienceMismatch(`azp ${JSON.stringify(claims.azp)} is not ${checks.clientId}`);
  }
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) throw new ProviderTokenInvalid('no numeric exp');
  if (now >= claims.exp + leeway) throw new ProviderTokenExpired(`exp ${claims.exp}, now ${now}`);
  if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat)) throw new ProviderTokenInvalid('no numeric iat');
  if (claims.iat > now + leeway) throw new ProviderTokenInvalid(`iat ${claims.iat} lies ahead of now ${now}`);
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now + leeway)) throw new ProviderTokenInvalid('not valid yet (nbf)');
  if (typeof claims.sub !== 'string' || claims.sub === '' || claims.sub.length > MAX_SUBJECT_LENGTH) {
    throw new ProviderTokenInvalid(`sub must be a string of 1 to ${MAX_SUBJECT_LENGTH} characters`);
  }
  // Cognito marks its tokens: an access token sent as the id token is not one.
  if (claims.token_use !== undefined && claims.token_use !== 'id') throw new ProviderTokenInvalid(`token_use ${JSON.stringify(claims.token_use)}`);
  checkNonce(claims.nonce, checks.nonce);
  if (checks.accessToken !== null && claims.at_hash !== undefined) {
    const expected = tokenHalfHash(algorithm, checks.accessToken);
    if (typeof claims.at_hash !== 'string' || expected === null || !sameSecret(claims.at_hash, expected)) {
      throw new ProviderTokenInvalid('at_hash does not match the access token');
    }
  }
}

/**
 * A nonce sent must be the token's. A token carrying a nonce also needs the request's: the nonce
 * binds the token to the browser session that asked for it, so a token lifted from elsewhere
 * cannot be replayed by someone who never saw that session's nonce.
 */
function checkNonce(claim: unknown, sent: string | null): void {
  if (sent === null && claim === undefined) return;
  if (sent === null) throw new NonceMismatch('the token carries a nonce and the request none');
  if (typeof claim !== 'string' || !sameSecret(claim, sent)) throw new NonceMismatch('nonce differs');
}
