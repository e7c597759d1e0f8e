// What a verified token's registered claims may hold. A signature proves who made a token, not
// that its claims are sane: whoever holds a key (a peer service, a leaked key, a bug) can sign
// `"exp": 253402300799` or a 300-character `jti`, and those values reach SQL columns and Date
// arithmetic. Each check is a typeof and a comparison, run once per token (the verified-token memo
// keeps the result), so the request path barely notices.
import type { Claims } from './tokens';

/**
 * The latest instant a token's times may name: 3000-01-01T00:00:00Z in epoch seconds. MariaDB's
 * DATETIME ends at 9999, a JS Date at 275760; anything later than a few centuries is not a token
 * lifetime but an attack on the columns `iat` and `exp` are written to.
 */
export const MAX_CLAIM_TIME = 32_503_680_000;

/** The longest `jti` the registry can file: its column is VARCHAR(32), simplejwt's uuid4 hex. */
export const MAX_JTI_LENGTH = 32;

/** The longest token type name: the registry's `token_type` column is VARCHAR(16). */
export const MAX_TOKEN_TYPE_LENGTH = 16;

/** The longest string user id (an email is at most 254 characters, a username 150). */
export const MAX_STRING_USER_ID_LENGTH = 254;

/** Printable ASCII without space: what a jti generator writes, and what every collation compares byte by byte. */
const JTI = /^[\x21-\x7e]+$/;

/** A time claim in epoch seconds that a column and a Date can hold. */
const isClaimTime = (value: unknown): boolean => typeof value === 'number' && value > 0 && value < MAX_CLAIM_TIME;

/** The claim names the bounds read. */
export interface ClaimNames {
  readonly TOKEN_TYPE_CLAIM: string;
  readonly JTI_CLAIM: string;
  readonly USER_ID_CLAIM: string;
  readonly USER_ID_FIELD: string;
}

/**
 * Why verified `claims` cannot be trusted to reach storage, or null when every registered claim
 * is within bounds: `exp` (required), `iat` and `nbf` are numbers after 1970 and before year 3000;
 * `jti` is 1 to 32 printable ASCII characters; the token type a string of at most 16; the user id,
 * when present, a positive safe integer (or its digits) with USER_ID_FIELD `id`, else a string of
 * at most 254 characters. Absent optional claims are left to the checks that require them.
 *
 * @example
 *   claimProblem({ token_type: 'refresh', exp: 253402300799, jti: 'a'.repeat(32), user_id: 1 }, names); // 'exp ... is out of range'
 */
export function claimProblem(claims: Claims, names: ClaimNames): string | null {
  if (!isClaimTime(claims.exp)) return `exp ${JSON.stringify(claims.exp)} is out of range`;
  if (claims.iat !== undefined && !isClaimTime(claims.iat)) return `iat ${JSON.stringify(claims.iat)} is out of range`;
  if (claims.nbf !== undefined && !isClaimTime(claims.nbf)) return `nbf ${JSON.stringify(claims.nbf)} is out of range`;
  const jti = claims[names.JTI_CLAIM];
  if (jti !== undefined && (typeof jti !== 'string' || jti.length > MAX_JTI_LENGTH || !JTI.test(jti))) return 'jti is not 1 to 32 printable ASCII characters';
  const type = claims[names.TOKEN_TYPE_CLAIM];
  if (type !== undefined && (typeof type !== 'string' || type.length > MAX_TOKEN_TYPE_LENGTH)) return 'token type is not a short string';
  const userId = claims[names.USER_ID_CLAIM];
  if (userId === undefined) return null;
  if (names.USER_ID_FIELD === 'id') {
    if (typeof userId === 'number' ? Number.isSafeInteger(userId) && userId > 0 : typeof userId === 'string' && /^[1-9]\d{0,14}$/.test(userId)) return null;
    return 'user id is not a positive integer';
  }
  return typeof userId === 'string' && userId.length <= MAX_STRING_USER_ID_LENGTH ? null : 'user id is not a bounded string';
}
