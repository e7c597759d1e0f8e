// The token core: builds, signs and verifies simplejwt-shaped tokens. It knows no HTTP and no
// database; both services use it.
//
// Claim order matters to byte-level compatibility: simplejwt builds token_type, exp, iat, jti, then
// the user id, then anything added; `aud`/`iss` are appended at encoding. Object key order in JS
// follows insertion like a Python dict, so re-assigning an existing claim keeps its place.
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { InvalidToken, WrongTokenType } from '../errors';
import type { Settings } from '../settings';
import { claimProblem } from './claim-bounds';
import type { Clock } from './clock';
import { epochSeconds, systemClock } from './clock';
import { spellingProblem } from './compact-jws';
import { signEd25519, verifyEd25519 } from './ed25519-jws';
import type { TokenKeys, VerificationKey } from './key-ring';

export type TokenType = 'access' | 'refresh';

/** A decoded payload. */
export type Claims = Record<string, unknown>;

/** A token we just signed, with what the registry needs to remember about it. */
export interface IssuedToken {
  readonly token: string;
  readonly type: TokenType;
  readonly jti: string;
  readonly claims: Claims;
  /** `iat`, in epoch seconds. */
  readonly issuedAt: number;
  /** `exp`, in epoch seconds. */
  readonly expiresAt: number;
}

/** The `jti`, `iat` and `exp` of a token signed before: enough to sign the same token again. */
export type TokenIdentity = Pick<IssuedToken, 'jti' | 'issuedAt' | 'expiresAt'>;

/** What a verified token says about itself, as the registry files it. */
export interface TokenFacts {
  readonly jti: string;
  /** The token type claim's value (`refresh` or `access` for tokens of ours). */
  readonly type: string;
  /** `iat` (or `exp` when a foreign token has none), in epoch seconds. */
  readonly issuedAt: number;
  /** `exp`, in epoch seconds. */
  readonly expiresAt: number;
}

/** The settings the token core reads. */
export type TokenSettings = Pick<
  Settings,
  | 'AUDIENCE'
  | 'ISSUER'
  | 'LEEWAY'
  | 'ACCESS_TOKEN_LIFETIME'
  | 'REFRESH_TOKEN_LIFETIME'
  | 'TOKEN_TYPE_CLAIM'
  | 'JTI_CLAIM'
  | 'USER_ID_FIELD'
  | 'USER_ID_CLAIM'
  | 'USER_ID_CLAIM_TYPE'
>;

/** `claims` with `rebuilt` written over them: same place for existing keys, undefined removes. */
function withRebuilt(claims: Claims, rebuilt: Claims): Claims {
  for (const [name, value] of Object.entries(rebuilt)) {
    if (value === undefined) delete claims[name];
    else claims[name] = value;
  }
  return claims;
}

/**
 * The payload of a compact JWS, decoded without any check: only for tokens this service has just
 * been handed by a trusted party (its own signer, or the auth-service's answer), to read `exp` or
 * show claims. Null when it is not a readable payload.
 *
 * @example
 *   unverifiedClaims(pair.access)?.exp
 */
export function unverifiedClaims(token: string): Claims | null {
  try {
    const payload: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Claims) : null;
  } catch {
    return null;
  }
}

/**
 * The `exp` of a token, read without any check (see unverifiedClaims): to size a cookie, bound a
 * cache entry or skip a pointless call, never to accept a token. Null without a numeric `exp`.
 *
 * @example
 *   const exp = unverifiedExp(token); // epoch seconds, or null
 */
export function unverifiedExp(token: string): number | null {
  const exp = unverifiedClaims(token)?.exp;
  return typeof exp === 'number' ? exp : null;
}

/** An integer user id written as a string: digits only, and few enough to stay a safe integer. */
const DIGITS = /^\d{1,15}$/;

/**
 * The user id in `claims`, or null when there is none usable. With USER_ID_FIELD `id` it is an
 * integer, accepted as a JSON number or as a digit string (simplejwt >= 5.5.1 writes strings);
 * otherwise the non-empty string the claim holds (an email or a username).
 *
 * @example
 *   userIdFromClaims({ user_id: '42' }, { USER_ID_CLAIM: 'user_id', USER_ID_FIELD: 'id' }); // 42
 */
export function userIdFromClaims(claims: Claims, settings: Pick<TokenSettings, 'USER_ID_CLAIM' | 'USER_ID_FIELD'>): number | string | null {
  const value = claims[settings.USER_ID_CLAIM];
  if (settings.USER_ID_FIELD !== 'id') return typeof value === 'string' && value !== '' ? value : null;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value === 'string' && DIGITS.test(value)) return Number(value);
  return null;
}

/** A uuid4 without dashes: 32 lowercase hex characters, as simplejwt writes `jti`. */
export const newJti = (): string => randomUUID().replace(/-/g, '');

/** Every algorithm jsonwebtoken verifies (all ours but EdDSA); the key a token's `kid` names pins the one used. */
const JSONWEBTOKEN_ALGORITHMS: jwt.Algorithm[] = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

/**
 * Why a decoded JOSE header cannot be verified by us, or null. `crit` names extensions that must
 * be understood (RFC 7515 4.1.11): we understand none, so any `crit` refuses the token. `jku`,
 * `x5u`, `jwk` and `x5c` are never read: keys come from our own ring only.
 */
function headerProblem(header: unknown): string | null {
  if (header === null || typeof header !== 'object' || Array.isArray(header)) return 'header is not a JSON object';
  const fields = header as Record<string, unknown>;
  if (Object.hasOwn(fields, 'crit')) return 'header carries crit, and we understand no extension';
  if (typeof fields.alg !== 'string') return 'header has no alg';
  if (fields.kid !== undefined && typeof fields.kid !== 'string') return 'header kid is not a string';
  return null;
}

/**
 * Signs and verifies tokens for one service.
 *
 * @example
 *   const codec = new TokenCodec(settings, loadKeys('HS256', key, null));
 *   const { refresh, access } = codec.pairFor(42);
 *   codec.verify(access.token, 'access').user_id; // 42
 */
export class TokenCodec {
  private readonly verifyOptions: jwt.VerifyOptions;
  private readonly lifetimes: Record<TokenType, number>;
  /** Claims never copied from a refresh token into the access tokens made from it. */
  private readonly noCopy: ReadonlySet<string>;

  constructor(
    private readonly settings: TokenSettings,
    private readonly keys: TokenKeys,
    private readonly clock: Clock = systemClock,
  ) {
    this.lifetimes = { access: settings.ACCESS_TOKEN_LIFETIME, refresh: settings.REFRESH_TOKEN_LIFETIME };
    this.noCopy = new Set([settings.TOKEN_TYPE_CLAIM, 'exp', settings.JTI_CLAIM, 'jti']);
    const audience = settings.AUDIENCE;
    this.verifyOptions = Object.freeze({
      algorithms: JSONWEBTOKEN_ALGORITHMS,
      clockTolerance: settings.LEEWAY,
      ...(audience === null ? {} : { audience: (typeof audience === 'string' ? audience : [...audience]) as jwt.VerifyOptions['audience'] }),
      ...(settings.ISSUER === null ? {} : { issuer: settings.ISSUER }),
    });
  }

  /** The user id claim value for `userId`, in the configured JSON type. */
  userIdClaim(userId: number | string): number | string {
    if (typeof userId === 'number' && this.settings.USER_ID_CLAIM_TYPE === 'string') return String(userId);
    return userId;
  }

  /**
   * A new refresh token for a user and the access token derived from it (same `iat`).
   * `extra` claims are added after the user id and copied into every access token; `notAfter`
   * (epoch seconds) caps both `exp`s.
   */
  pairFor(userId: number | string, extra: Claims = {}, notAfter: number | null = null): { refresh: IssuedToken; access: IssuedToken } {
    const claims: Claims = this.baseClaims('refresh', epochSeconds(this.clock));
    if (notAfter !== null && (claims.exp as number) > notAfter) claims.exp = notAfter;
    claims[this.settings.USER_ID_CLAIM] = this.userIdClaim(userId);
    Object.assign(claims, extra);
    const refresh = this.sign('refresh', claims);
    return { refresh, access: this.accessFrom(refresh.claims, {}, notAfter) };
  }

  /**
   * An access token minted from verified refresh claims: fresh `jti` and `exp`, the refresh
   * token's `iat` and every other claim copied, as simplejwt's `RefreshToken.access_token` does.
   * `rebuilt` claims (custom claims computed afresh at refresh) replace copied ones in place; an
   * undefined value removes the claim. `again` signs a token issued before once more: its `jti`,
   * `iat` and `exp` replace the fresh ones (same places, so the same claims give the same bytes).
   */
  accessFrom(refreshClaims: Claims, rebuilt: Claims = {}, notAfter: number | null = null, again: TokenIdentity | null = null): IssuedToken {
    const claims = this.baseClaims('access', epochSeconds(this.clock));
    // A session's absolute lifetime (SESSION_MAX_LIFETIME) caps every token minted in it.
    if (notAfter !== null && (claims.exp as number) > notAfter) claims.exp = notAfter;
    for (const [name, value] of Object.entries(refreshClaims)) {
      if (!this.noCopy.has(name)) claims[name] = value;
    }
    if (again) Object.assign(claims, { [this.settings.JTI_CLAIM]: again.jti, exp: again.expiresAt, iat: again.issuedAt });
    return this.sign('access', withRebuilt(claims, rebuilt));
  }

  /**
   * The refresh token that replaces `refreshClaims` under rotation: new `jti`, `exp` and `iat`.
   * `rebuilt` claims (see accessFrom) replace the copied ones here too; `notAfter` (epoch
   * seconds) caps `exp`; `again` signs a rotation done before once more (see accessFrom).
   */
  rotate(refreshClaims: Claims, rebuilt: Claims = {}, notAfter: number | null = null, again: TokenIdentity | null = null): IssuedToken {
    const now = epochSeconds(this.clock);
    const claims: Claims = { ...refreshClaims };
    claims[this.settings.JTI_CLAIM] = again?.jti ?? newJti();
    claims.exp = again?.expiresAt ?? (notAfter === null ? now + this.lifetimes.refresh : Math.min(now + this.lifetimes.refresh, notAfter));
    claims.iat = again?.issuedAt ?? now;
    return this.sign('refresh', withRebuilt(claims, rebuilt));
  }

  /**
   * Verifies the signature with the key the header's `kid` names (the one key of the ring when
   * there is no `kid`), with that key's algorithm only, then expiry, audience and issuer, then the
   * claims simplejwt requires. Every failure is an InvalidToken whose `reason` says why.
   */
  verify(token: string, expectedType?: TokenType): Claims {
    // jws checks the base64url alphabet as it decodes; the spelling it lets through is checked here.
    const shape = spellingProblem(token);
    if (shape !== null) throw new InvalidToken(shape);
    const now = epochSeconds(this.clock);
    let claims: Claims | undefined;
    let failure: unknown;
    let ed25519: VerificationKey | null = null;
    // jsonwebtoken hands the header it decoded to a key callback, which runs synchronously when it
    // answers synchronously: the header is decoded once, and the key is chosen from it.
    jwt.verify(
      token,
      (header, answer) => {
        const problem = headerProblem(header);
        if (problem !== null) return answer(new Error(problem));
        const key = this.keyFor(header);
        if (typeof key === 'string') return answer(new Error(key));
        if (key.algorithm !== 'EdDSA') return answer(null, key.key);
        // jsonwebtoken stops here (it has no EdDSA); the key is kept for node:crypto below.
        ed25519 = key;
        answer(new Error('EdDSA is verified by node:crypto'));
      },
      { ...this.verifyOptions, clockTimestamp: now },
      (error, decoded) => {
        if (error) failure = error;
        else if (typeof decoded !== 'object' || decoded === null) failure = new Error('payload is not an object');
        else claims = decoded as Claims;
      },
    );
    if (ed25519 !== null) claims = this.verifiedEd25519(token, ed25519, now);
    if (claims === undefined) {
      throw new InvalidToken(failure ?? new Error('token was not verified'), { expired: failure instanceof jwt.TokenExpiredError });
    }
    if (typeof claims.exp !== 'number') throw new InvalidToken("token has no 'exp' claim");
    // PyJWT, so simplejwt, refuses an `iat` that is not a number or lies ahead (beyond LEEWAY);
    // jsonwebtoken checks neither.
    const iat = claims.iat;
    if (iat !== undefined && (typeof iat !== 'number' || iat > now + this.settings.LEEWAY))
      throw new InvalidToken(`iat ${JSON.stringify(iat)} is not yet valid`);
    if (!claims[this.settings.JTI_CLAIM]) throw new InvalidToken('token has no id');
    const bounds = claimProblem(claims, this.settings);
    if (bounds !== null) throw new InvalidToken(bounds);
    const type = claims[this.settings.TOKEN_TYPE_CLAIM];
    if (type === undefined) throw new InvalidToken('token has no type');
    if (expectedType && type !== expectedType) throw new WrongTokenType(`expected ${expectedType}, got ${JSON.stringify(type)}`);
    return claims;
  }

  /** The user id in verified claims, or null when there is none usable (see userIdFromClaims). */
  userIdOf(claims: Claims): number | string | null {
    return userIdFromClaims(claims, this.settings);
  }

  /** The `jti` of verified claims. */
  jtiOf(claims: Claims): string {
    return String(claims[this.settings.JTI_CLAIM]);
  }

  /** Id, type and lifetime of verified claims. */
  factsOf(claims: Claims): TokenFacts {
    return {
      jti: this.jtiOf(claims),
      type: String(claims[this.settings.TOKEN_TYPE_CLAIM]),
      issuedAt: Number(claims.iat ?? claims.exp),
      expiresAt: Number(claims.exp),
    };
  }

  /** The claims of an EdDSA token whose header named `key`; checked as jsonwebtoken checks the others. */
  private verifiedEd25519(token: string, key: VerificationKey, now: number): Claims {
    try {
      return verifyEd25519(token, key.key, this.verifyOptions as Parameters<typeof verifyEd25519>[2], now) as Claims;
    } catch (error) {
      throw new InvalidToken(error, { expired: error instanceof jwt.TokenExpiredError });
    }
  }

  /** The key that verifies a token with this (checked) header, or why there is none. */
  private keyFor(header: jwt.JwtHeader): VerificationKey | string {
    const kid = header.kid ?? null;
    const key = this.keys.resolve(kid, header.alg);
    if (!key) return kid === null ? `no single key for a token without kid and alg ${header.alg}` : `no key with kid ${JSON.stringify(kid)}`;
    if (key.algorithm !== header.alg) return `key ${JSON.stringify(kid)} is for ${key.algorithm}, the token says ${header.alg}`;
    return key;
  }

  private baseClaims(type: TokenType, now: number): Claims {
    return {
      [this.settings.TOKEN_TYPE_CLAIM]: type,
      exp: now + this.lifetimes[type],
      iat: now,
      [this.settings.JTI_CLAIM]: newJti(),
    };
  }

  private sign(type: TokenType, claims: Claims): IssuedToken {
    const signing = this.keys.signingKey();
    if (!signing) throw new Error('this service holds no signing key: it can verify tokens, not issue them');
    const payload: Claims = { ...claims };
    if (this.settings.AUDIENCE !== null) payload.aud = this.settings.AUDIENCE;
    if (this.settings.ISSUER !== null) payload.iss = this.settings.ISSUER;
    const token =
      signing.algorithm === 'EdDSA'
        ? signEd25519(payload, signing.key, signing.kid)
        : jwt.sign(payload, signing.key, { algorithm: signing.algorithm, ...(signing.kid === null ? {} : { keyid: signing.kid }) });
    return Object.freeze({
      token,
      type,
      jti: String(payload[this.settings.JTI_CLAIM]),
      claims: payload,
      issuedAt: payload.iat as number,
      expiresAt: payload.exp as number,
    });
  }
}
