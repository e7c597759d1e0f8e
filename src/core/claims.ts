// Custom claims: an ordered registry of claim builders that turn a user into extra token claims at
// login, and again at refresh for the builders that ask. Plain objects only: no koa, no typeorm.
import { ClaimRegistrationError } from '../errors';
import type { Settings } from '../settings';
import type { Principal } from './principal';
import type { RequestInfo } from './request-info';
import type { Claims } from './tokens';

/** The user a builder sees: the principal (as guards see it) plus the value of the login field. */
export interface ClaimUser extends Principal {
  /** The value of LOGIN_FIELD (the email, or the username). */
  readonly login: string | null;
}

/** Why claims are being built, and for which request. */
export interface ClaimContext {
  readonly event: 'obtain' | 'refresh';
  /** The request that asked (null when tokens are made outside a request). */
  readonly request: RequestInfo | null;
}

/**
 * One custom claim: its name and how to compute it. `build` may be async; an `undefined` result
 * leaves the claim out. At refresh the claim is copied from the refresh token (simplejwt's
 * behaviour) unless `rebuildOnRefresh` asks for a fresh value.
 *
 * @example
 *   const tenant: ClaimBuilder = { key: 'tenant', build: (user) => user.data.tenant_id, rebuildOnRefresh: true };
 */
export interface ClaimBuilder {
  readonly key: string;
  build(user: ClaimUser, context: ClaimContext): unknown;
  readonly rebuildOnRefresh?: boolean;
}

/**
 * Claims a builder may never set: the registered JWT claims and the ones the token core and the
 * revocation check write, under their configured names.
 */
export function reservedClaims(settings: Pick<Settings, 'TOKEN_TYPE_CLAIM' | 'JTI_CLAIM' | 'USER_ID_CLAIM' | 'REVOKE_TOKEN_CLAIM'>): ReadonlySet<string> {
  return new Set([
    'iss',
    'sub',
    'aud',
    'exp',
    'nbf',
    'iat',
    'jti',
    settings.TOKEN_TYPE_CLAIM,
    settings.JTI_CLAIM,
    settings.USER_ID_CLAIM,
    settings.REVOKE_TOKEN_CLAIM,
  ]);
}

/** The reserved claims under the default settings. */
export const DEFAULT_RESERVED_CLAIMS: ReadonlySet<string> = reservedClaims({
  TOKEN_TYPE_CLAIM: 'token_type',
  JTI_CLAIM: 'jti',
  USER_ID_CLAIM: 'user_id',
  REVOKE_TOKEN_CLAIM: 'hash_password',
});

/** A value a JSON token can carry (checked shallowly: JSON.stringify catches the rest). */
function checkValue(key: string, value: unknown): unknown {
  const type = typeof value;
  if (type === 'function' || type === 'symbol' || type === 'bigint' || (type === 'number' && !Number.isFinite(value))) {
    throw new ClaimRegistrationError(key, `was built as a ${type === 'number' ? String(value) : type}, which a JSON token cannot carry`);
  }
  return value;
}

/**
 * Claim builders in registration order. `register` refuses reserved claims and keys registered
 * twice, naming the key; claims are written into tokens in the order builders were registered,
 * whatever order async builders finish in.
 *
 * @example
 *   const claims = new ClaimRegistry()
 *     .register({ key: 'tenant', build: (user) => user.data.tenant_id })
 *     .register({ key: 'plan', build: async (user) => (await billing.planOf(user.id)).name, rebuildOnRefresh: true });
 *   await createAuthService({ settings, claims });
 */
export class ClaimRegistry {
  private readonly list: ClaimBuilder[] = [];
  private readonly keys = new Set<string>();

  constructor(private readonly reserved: ReadonlySet<string> = DEFAULT_RESERVED_CLAIMS) {}

  /** Adds a builder after the ones already registered; throws ClaimRegistrationError naming a bad key. */
  register(builder: ClaimBuilder): this {
    // Checked at run time: builders often come from JavaScript or a config module.
    const key: unknown = (builder as Partial<ClaimBuilder> | undefined)?.key;
    if (typeof key !== 'string' || key === '') throw new ClaimRegistrationError(String(key), 'is not a claim name: a builder needs a non-empty string key');
    if (typeof builder.build !== 'function') throw new ClaimRegistrationError(key, 'has no build(user, context) function');
    if (this.reserved.has(key)) throw new ClaimRegistrationError(key, 'is reserved: the token core or the revocation check sets it');
    if (this.keys.has(key)) throw new ClaimRegistrationError(key, 'is registered twice');
    this.keys.add(key);
    this.list.push(builder);
    return this;
  }

  /** The builders, in order. */
  get builders(): readonly ClaimBuilder[] {
    return this.list;
  }

  /** Whether any builder wants a fresh value at refresh (then refresh loads the user's data). */
  get rebuildsOnRefresh(): boolean {
    return this.list.some((builder) => builder.rebuildOnRefresh);
  }

  /** Every claim for a new pair, in registration order; builders run concurrently. */
  build(user: ClaimUser, context: ClaimContext): Promise<Claims> {
    return this.run(this.list, user, context);
  }

  /** The claims whose builders ask to be rebuilt on refresh (undefined values remove a claim). */
  rebuild(user: ClaimUser, context: ClaimContext): Promise<Claims> {
    return this.run(
      this.list.filter((builder) => builder.rebuildOnRefresh),
      user,
      context,
      true,
    );
  }

  /**
   * A new registry holding `sources`' builders in order, checked against `reserved`: how a service
   * puts the builders its settings imply ahead of the application's and re-checks them all against
   * the configured claim names.
   */
  static combine(reserved: ReadonlySet<string>, ...sources: (ClaimRegistry | readonly ClaimBuilder[])[]): ClaimRegistry {
    const combined = new ClaimRegistry(reserved);
    for (const source of sources) for (const builder of source instanceof ClaimRegistry ? source.builders : source) combined.register(builder);
    return combined;
  }

  private async run(builders: readonly ClaimBuilder[], user: ClaimUser, context: ClaimContext, keepUndefined = false): Promise<Claims> {
    if (builders.length === 0) return {};
    const values = await Promise.all(builders.map((builder) => builder.build(user, context)));
    const claims: Claims = {};
    builders.forEach((builder, index) => {
      const value = checkValue(builder.key, values[index]);
      if (value !== undefined || keepUndefined) claims[builder.key] = value;
    });
    return claims;
  }
}

/**
 * The builders the settings ask for, in this order: one per USER_CLAIMS field (copied from the
 * user JSON), then the USER_PAYLOAD_CLAIM user claim. Both are rebuilt on refresh, so a token
 * says what the user is now, not what they were at login.
 *
 * @example
 *   settingsClaimBuilders({ USER_CLAIMS: ['email'], USER_PAYLOAD_CLAIM: 'user', LOGIN_FIELD: 'email' });
 */
export function settingsClaimBuilders(settings: Pick<Settings, 'USER_CLAIMS' | 'USER_PAYLOAD_CLAIM' | 'LOGIN_FIELD'>): ClaimBuilder[] {
  const builders: ClaimBuilder[] = settings.USER_CLAIMS.map((field) => ({
    key: field,
    build: (user: ClaimUser) => user.data[field],
    rebuildOnRefresh: true,
  }));
  if (settings.USER_PAYLOAD_CLAIM !== null) {
    builders.push({ key: settings.USER_PAYLOAD_CLAIM, build: (user: ClaimUser) => userPayload(user, settings.LOGIN_FIELD), rebuildOnRefresh: true });
  }
  return builders;
}

/** The user claim, djwto's shape plus the two flags guards need: who, and what they may do. */
export interface UserPayload {
  readonly id: number | string;
  readonly perms: readonly string[];
  readonly is_staff: boolean;
  readonly is_superuser: boolean;
  readonly [loginField: string]: unknown;
}

/**
 * The user claim for `user`: `{"id":3,"email":"user@test.com","is_staff":false,"is_superuser":false,"perms":["app.view"]}`
 * (permissions sorted, so equal users give equal tokens).
 */
export function userPayload(user: ClaimUser, loginField: string): UserPayload {
  return {
    id: user.id,
    [loginField]: user.login,
    is_staff: user.isStaff,
    is_superuser: user.isSuperuser,
    perms: [...user.permissions].sort(),
  };
}
