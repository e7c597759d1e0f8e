// The token endpoints' logic, free of HTTP: obtain, refresh, verify, blacklist and password change.
// Every write of one request happens in one transaction, so a failure leaves nothing half-done.
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import { ClaimRegistry, ClaimUser } from '../core/claims';
import type { Clock } from '../core/clock';
import { passwordDigest, PasswordHasher } from '../core/passwords';
import { Claims, IssuedToken, TokenCodec } from '../core/tokens';
import { User } from '../entities';
import { AuthenticationFailed, InvalidToken, SessionLifetimeExceeded, TokenExpiredByRegistry, TokenReuseDetected } from '../errors';
import { AuthServiceEvents, EventBus, maskLogin, RequestInfo } from '../events';
import type { ExpiryCheck } from '../registry/expiry-check';
import type { Registration, RegistrationContext, RegistrationPipeline } from '../registry/pipeline';
import { sql, sqlDate } from '../registry/sql';
import type { TokenQueries } from '../registry/token-queries';
import { TokenRecord, TokenRegistry } from '../registry/token-registry';
import { inTransaction } from '../registry/transactions';
import type { UserJson, UserSerializer } from '../serializers/user-serializer';
import { reuseDetection, Settings } from '../settings';
import { Credentials } from './credentials';
import { UserStore } from './user-store';

/** What the issuer is built from. */
export interface TokenIssuerParts {
  readonly settings: Settings;
  readonly dataSource: DataSource;
  readonly codec: TokenCodec;
  readonly registry: TokenRegistry;
  readonly queries: TokenQueries;
  /** Records what obtain and refresh issued (see src/registry/pipeline.ts). */
  readonly pipeline: RegistrationPipeline;
  /** Told of tokens the registry expires, so protected routes refuse them at once. */
  readonly expiry: ExpiryCheck;
  readonly users: UserStore;
  readonly credentials: Credentials;
  readonly hasher: PasswordHasher;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called with a user id whenever that user's tokens or data change. */
  readonly onUserChanged: (userId: number) => void;
  /** Waits `ms`; a parameter so tests with a frozen clock can move it instead. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Custom claims (USER_CLAIMS, USER_PAYLOAD_CLAIM and the application's builders). */
  readonly claims: ClaimRegistry;
  /** Shapes `user` in token answers (TOKEN_RESPONSE_USER) and what claim builders see as `data`. */
  readonly serializer: UserSerializer;
  readonly events: EventBus<AuthServiceEvents>;
}

/** A login's result: the pair, whose it is, and the user JSON when TOKEN_RESPONSE_USER asks. */
export interface ObtainedPair {
  readonly refresh: string;
  readonly access: string;
  readonly userId: number;
  readonly user?: UserJson;
}

/** A refresh's result: the new access token (and refresh token, under rotation). */
export interface RefreshedTokens {
  readonly access: string;
  readonly refresh?: string;
  readonly userId: number;
  readonly user?: UserJson;
}

/** The second of a user's last password change: tokens issued at or before it are void. */
export const passwordChangedSecond = (user: Pick<User, 'passwordChangedAt'>): number | null =>
  user.passwordChangedAt ? Math.floor(user.passwordChangedAt.getTime() / 1000) : null;

export const passwordChanged = (): AuthenticationFailed =>
  new AuthenticationFailed("The user's password has been changed.", 'password_changed');

/** The second of a user's last logout-all: tokens issued at or before it are void. */
export const tokensValidAfterSecond = (user: Pick<User, 'tokensValidAfter'>): number | null =>
  user.tokensValidAfter ? Math.floor(user.tokensValidAfter.getTime() / 1000) : null;

/** What a user's record says about the tokens issued to them (the request path caches it). */
export interface TokenStanding {
  readonly passwordChangedSecond: number | null;
  /** Compared with the revoke claim; only read with CHECK_REVOKE_TOKEN on. */
  readonly passwordDigest: string;
  readonly tokensValidAfterSecond: number | null;
}

/**
 * Refuses claims that the user's record voids: issued before a password change or a logout-all,
 * or carrying an old password's revoke claim. The refresh path and every authenticated request
 * check the same three things.
 */
export function refuseVoided(claims: Claims, user: TokenStanding, settings: Pick<Settings, 'CHECK_REVOKE_TOKEN' | 'REVOKE_TOKEN_CLAIM'>): void {
  const issuedAt = claims.iat as number;
  if (user.passwordChangedSecond !== null && issuedAt <= user.passwordChangedSecond) throw passwordChanged();
  if (settings.CHECK_REVOKE_TOKEN && claims[settings.REVOKE_TOKEN_CLAIM] !== user.passwordDigest) throw passwordChanged();
  // Logout-all: one comparison against the user, no row per token.
  if (user.tokensValidAfterSecond !== null && issuedAt <= user.tokensValidAfterSecond) throw new TokenExpiredByRegistry('issued before a logout-all');
}

/** What one refresh transaction decided. */
type RefreshOutcome =
  | { readonly reused: true; readonly jtis: readonly string[]; readonly record: TokenRecord }
  | {
      readonly reused: false;
      readonly answer: { access: string; refresh?: string; userId: number };
      readonly blacklisted: boolean;
      readonly registration: Registration;
      readonly context: RegistrationContext | null;
    };

const noActiveAccountForToken = (): AuthenticationFailed =>
  new AuthenticationFailed('No active account found for the given token.', 'no_active_account');

/**
 * Issues, refreshes, verifies and blacklists tokens.
 *
 * @example
 *   const { refresh, access } = await issuer.obtain('user@test.com', 'user-pass');
 */
export class TokenIssuer {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly parts: TokenIssuerParts) {
    this.sleep = parts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Checks credentials and answers a new pair, with the custom claims built for the user.
   * Announces `loginSucceeded`, or `loginFailed` with the login masked.
   */
  async obtain(login: string, password: string, request: RequestInfo | null = null): Promise<ObtainedPair> {
    const { settings, codec, pipeline, events } = this.parts;
    let user: User;
    try {
      user = await this.parts.credentials.check(login, password);
    } catch (error) {
      if (error instanceof AuthenticationFailed) events.emit('loginFailed', { login: maskLogin(login), status: error.status, request });
      throw error;
    }
    await this.waitPastPasswordChange(user);
    const subject = this.parts.claims.builders.length > 0 || settings.TOKEN_RESPONSE_USER ? await this.claimUser(user) : null;
    const custom = subject ? await this.parts.claims.build(subject, { event: 'obtain', request }) : {};
    const pair = codec.pairFor(this.tokenUserId(user), { ...this.revokeClaim(user), ...custom });
    const now = this.now();
    const registration: Registration = { event: 'obtain', userId: user.id, tokens: [pair.refresh, pair.access], parent: null, request, now };
    const inline = settings.REGISTRY_ENABLED && !settings.REGISTRY_AFTER_RESPONSE;
    let context: RegistrationContext | null = null;
    if (inline || settings.UPDATE_LAST_LOGIN) {
      context = await this.transaction(async (manager) => {
        const ran = inline ? await pipeline.run(manager, registration) : null;
        if (settings.UPDATE_LAST_LOGIN) await manager.update(User, { id: user.id }, { lastLogin: now });
        return ran;
      });
    }
    if (context) pipeline.announce(context);
    else if (settings.REGISTRY_ENABLED) pipeline.later(registration);
    if (settings.UPDATE_LAST_LOGIN) this.parts.onUserChanged(user.id);
    events.emit('loginSucceeded', { userId: user.id, request });
    const answer = { refresh: pair.refresh.token, access: pair.access.token, userId: user.id };
    if (!settings.TOKEN_RESPONSE_USER || !subject) return answer;
    // The answer says what the login just wrote.
    return { ...answer, user: settings.UPDATE_LAST_LOGIN ? { ...subject.data, last_login: now.toISOString() } : subject.data };
  }

  /**
   * Answers a new access token (and, with rotation, a new refresh token) for a refresh token.
   * Claims whose builders ask for it are rebuilt from the user as they are now; the rest are
   * copied from the refresh token. Announces `tokenRefreshed`.
   */
  async refresh(raw: string, request: RequestInfo | null = null): Promise<RefreshedTokens> {
    const { settings, codec, pipeline, claims: builders, events } = this.parts;
    const claims = codec.verify(raw, 'refresh');
    // Under REGISTRY_AFTER_RESPONSE the token may still be on its way into the registry.
    await pipeline.settled(codec.jtiOf(claims));
    const user = await this.userOf(claims);
    const subject = builders.rebuildsOnRefresh || settings.TOKEN_RESPONSE_USER ? await this.claimUser(user) : null;
    const rebuilt = subject && builders.rebuildsOnRefresh ? await builders.rebuild(subject, { event: 'refresh', request }) : {};
    const now = this.now();
    const outcome = await this.transaction((manager) => this.refreshIn(manager, claims, rebuilt, user.id, now, request));
    if (outcome.reused) {
      // Committed before refusing: the family stays expired whatever the caller does next.
      this.parts.expiry.markExpired(outcome.jtis);
      events.emit('tokensExpired', { userId: user.id, jtis: outcome.jtis, reason: 'reuse', request });
      events.emit('refreshTokenReused', { userId: user.id, jti: outcome.record.jti, sessionId: outcome.record.sessionId, request });
      this.parts.logger.warn({ userId: user.id, jti: outcome.record.jti, expired: outcome.jtis.length }, 'rotated-out refresh token reused: family expired');
      throw new TokenReuseDetected(`jti ${outcome.record.jti} was rotated out before the grace window`);
    }
    if (outcome.context) pipeline.announce(outcome.context);
    else if (settings.REGISTRY_ENABLED) pipeline.later(outcome.registration);
    if (outcome.blacklisted) events.emit('tokenBlacklisted', { userId: user.id, jti: codec.jtiOf(claims), via: 'rotation', request });
    const result = outcome.answer;
    events.emit('tokenRefreshed', { userId: user.id, rotated: result.refresh !== undefined, request });
    return settings.TOKEN_RESPONSE_USER && subject ? { ...result, user: subject.data } : result;
  }

  /**
   * One refresh inside its transaction: the registry's verdict on the presented token (expired,
   * rotated out and reused, blacklisted, past its session's lifetime), then the new tokens and
   * their registration.
   */
  private async refreshIn(
    manager: EntityManager,
    claims: Claims,
    rebuilt: Claims,
    userId: number,
    now: Date,
    request: RequestInfo | null,
  ): Promise<RefreshOutcome> {
    const { settings, codec, registry, queries, pipeline } = this.parts;
    const record = await registry.ensure(manager, this.describe(claims, userId), now);
    if (record.expired) throw new TokenExpiredByRegistry(`jti ${record.jti} expired by the registry`);
    const detecting = reuseDetection(settings);
    if (detecting && record.rotatedAt !== null) {
      if (now.getTime() - record.rotatedAt.getTime() > settings.ROTATION_GRACE_PERIOD * 1000) {
        const family = await queries.collectTree([record.id], manager);
        const jtis = await registry.expire(manager, family, now);
        if (record.sessionId !== null) await registry.expireSessions(manager, [record.sessionId], now);
        return { reused: true, jtis, record };
      }
      // Inside the grace window: the other half of near-simultaneous refreshes from one client.
    } else if (record.revoked) {
      throw new InvalidToken(InvalidToken.BLACKLISTED);
    }
    const notAfter = await this.sessionLimit(manager, record, now);
    const access = codec.accessFrom(claims, rebuilt, notAfter);
    const issued: IssuedToken[] = [access];
    let blacklisted = false;
    let rotated: IssuedToken | undefined;
    if (settings.ROTATE_REFRESH_TOKENS) {
      if (detecting) {
        // Rotated once; a second (concurrent or in-grace) refresh leaves the first mark alone.
        const first = await registry.markRotated(manager, record.id, now);
        if (settings.BLACKLIST_AFTER_ROTATION && first) blacklisted = await registry.revoke(manager, record.id, now);
      } else if (settings.BLACKLIST_AFTER_ROTATION) {
        // Another request rotated this token out between our read and our write.
        if (!(await registry.revoke(manager, record.id, now))) throw new InvalidToken(InvalidToken.BLACKLISTED);
        blacklisted = true;
      }
      rotated = codec.rotate(claims, rebuilt, notAfter);
      issued.push(rotated);
    }
    const registration: Registration = { event: 'refresh', userId, tokens: issued, parent: record, request, now };
    const context = settings.REGISTRY_ENABLED && !settings.REGISTRY_AFTER_RESPONSE ? await pipeline.run(manager, registration) : null;
    const answer = rotated ? { access: access.token, refresh: rotated.token, userId } : { access: access.token, userId };
    return { reused: false, answer, blacklisted, registration, context };
  }

  /**
   * The epoch second the token's session must end by (SESSION_MAX_LIFETIME), or null; refuses a
   * session that was ended or has reached it. One lookup by primary key.
   */
  private async sessionLimit(manager: EntityManager, record: TokenRecord, now: Date): Promise<number | null> {
    if (record.sessionId === null) return null;
    const rows = await sql<{ expired_at: unknown; ends_at: unknown }>(manager, 'SELECT expired_at, ends_at FROM easyjwt_session WHERE id = ?', [record.sessionId]);
    if (rows.length === 0) return null;
    if (rows[0].expired_at !== null) throw new TokenExpiredByRegistry(`session ${record.sessionId} was ended`);
    const endsAt = sqlDate(rows[0].ends_at);
    if (endsAt === null) return null;
    if (endsAt.getTime() <= now.getTime()) throw new SessionLifetimeExceeded();
    return Math.floor(endsAt.getTime() / 1000);
  }

  /** Accepts any valid token that has not been blacklisted, revoked or expired by the registry. */
  async verify(raw: string): Promise<void> {
    const claims = this.parts.codec.verify(raw);
    const jti = this.parts.codec.jtiOf(claims);
    await this.parts.pipeline.settled(jti);
    const record = await this.parts.registry.find(jti);
    if (record?.expired) throw new TokenExpiredByRegistry(`jti ${jti} expired by the registry`);
    if (record?.revoked) throw new InvalidToken(InvalidToken.BLACKLISTED);
  }

  /**
   * Blacklists a refresh token; a token already blacklisted is refused, as simplejwt does.
   * Answers whose token it was; announces `tokenBlacklisted`.
   */
  async blacklist(raw: string, request: RequestInfo | null = null, via: 'blacklist' | 'logout' = 'blacklist'): Promise<{ userId: number | null }> {
    const { codec, registry } = this.parts;
    const claims = codec.verify(raw, 'refresh');
    await this.parts.pipeline.settled(codec.jtiOf(claims));
    const userId = codec.userIdOf(claims);
    const now = this.now();
    const ownerId = await this.transaction(async (manager) => {
      const owner = userId === null ? null : await this.parts.users.findByTokenId(this.parts.settings.USER_ID_FIELD, userId, manager);
      const record = await registry.ensure(manager, this.describe(claims, owner?.id ?? null), now);
      if (record.revoked || !(await registry.revoke(manager, record.id, now))) throw new InvalidToken(InvalidToken.BLACKLISTED);
      return owner?.id ?? null;
    });
    this.parts.events.emit('tokenBlacklisted', { userId: ownerId, jti: codec.jtiOf(claims), via, request });
    return { userId: ownerId };
  }

  /**
   * Logs out: blacklists the refresh token. Unlike `blacklist`, a token that is already
   * blacklisted or has expired is not an error (it can no longer be used either way, which is what
   * a logout wants); a token that does not verify still is. Announces `loggedOut`.
   */
  async logout(raw: string, request: RequestInfo | null = null): Promise<{ userId: number | null; blacklisted: boolean }> {
    let outcome: { userId: number | null; blacklisted: boolean };
    try {
      outcome = { ...(await this.blacklist(raw, request, 'logout')), blacklisted: true };
    } catch (error) {
      if (!(error instanceof InvalidToken) || !(error.detail === InvalidToken.BLACKLISTED || error.expired)) throw error;
      outcome = { userId: null, blacklisted: false };
    }
    this.parts.events.emit('loggedOut', { ...outcome, request });
    return outcome;
  }

  /** Changes a password after checking the current one; see `setPassword`. */
  async changePassword(login: string, password: string, newPassword: string): Promise<void> {
    const user = await this.parts.credentials.check(login, password);
    await this.setPassword(user.id, newPassword);
  }

  /**
   * Sets a user's password and revokes every token they hold: refresh tokens in the registry,
   * access tokens through the password-change second. Returns how many tokens were revoked.
   */
  async setPassword(userId: number, newPassword: string): Promise<number> {
    const { dataSource, registry, users, hasher } = this.parts;
    const hash = await hasher.hash(newPassword);
    const now = this.now();
    const revoked = await dataSource.transaction(async (manager) => {
      await users.setPasswordHash(manager, userId, hash, now);
      return registry.revokeAllOf(manager, userId, now);
    });
    this.parts.onUserChanged(userId);
    this.parts.logger.info({ userId, revokedTokens: revoked }, 'password changed');
    return revoked;
  }

  /** The user a refresh token belongs to, refused as the settings require. */
  private async userOf(claims: Claims): Promise<User> {
    const { codec, settings, users } = this.parts;
    const id = codec.userIdOf(claims);
    const user = id === null ? null : await users.findByTokenId(settings.USER_ID_FIELD, id);
    if (!user || (settings.CHECK_USER_IS_ACTIVE && !user.isActive)) throw noActiveAccountForToken();
    refuseVoided(
      claims,
      {
        passwordChangedSecond: passwordChangedSecond(user),
        passwordDigest: settings.CHECK_REVOKE_TOKEN ? passwordDigest(user.password) : '',
        tokensValidAfterSecond: tokensValidAfterSecond(user),
      },
      settings,
    );
    return user;
  }

  /** The user as claim builders see it: permissions, the serialized JSON, the login. */
  private async claimUser(user: User): Promise<ClaimUser> {
    const loaded = await this.parts.users.withPermissions(user.id);
    const full = loaded?.user ?? user;
    return {
      id: full.id,
      isActive: full.isActive,
      isStaff: full.isStaff,
      isSuperuser: full.isSuperuser,
      permissions: loaded?.permissions ?? new Set(),
      data: this.parts.serializer.serialize(full),
      login: full[this.parts.settings.LOGIN_FIELD] ?? null,
    };
  }

  private describe(claims: Claims, userId: number | null) {
    return {
      jti: this.parts.codec.jtiOf(claims),
      type: String(claims[this.parts.settings.TOKEN_TYPE_CLAIM]),
      issuedAt: Number(claims.iat ?? claims.exp),
      expiresAt: Number(claims.exp),
      userId,
    };
  }

  private tokenUserId(user: User): number | string {
    const field = this.parts.settings.USER_ID_FIELD;
    return field === 'id' ? user.id : (user[field] ?? '');
  }

  private revokeClaim(user: User): Claims {
    const { settings } = this.parts;
    return settings.CHECK_REVOKE_TOKEN ? { [settings.REVOKE_TOKEN_CLAIM]: passwordDigest(user.password) } : {};
  }

  /**
   * Tokens carry whole seconds, so a token issued in the same second as a password change could
   * not be told from one issued just before it. Waiting out that second (at most one, and only
   * right after a change) keeps the check a single comparison.
   */
  private async waitPastPasswordChange(user: User): Promise<void> {
    // A logout-all draws the same line as a password change, and is waited out the same way.
    const seconds = [passwordChangedSecond(user), tokensValidAfterSecond(user)].filter((second): second is number => second !== null);
    if (seconds.length === 0) return;
    const changed = Math.max(...seconds);
    // A loop, because a timer may fire up to a millisecond early (libuv caches the loop time).
    for (let wait = (changed + 1) * 1000 - this.parts.clock.now(); wait > 0; wait = (changed + 1) * 1000 - this.parts.clock.now()) {
      await this.sleep(wait);
    }
  }

  /**
   * Runs `work` in a transaction, again (a few times at most) while it loses races with concurrent
   * requests. A deadlock victim may retry before the winner commits and then collide once more.
   */
  private transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return inTransaction(this.parts.dataSource, work);
  }

  private now(): Date {
    return new Date(this.parts.clock.now());
  }
}

