// Refresh: a refresh token in, a new access token (and, under rotation, a new refresh token) out.
// The registry's verdict on the presented token is a pure function (refresh-verdict.ts); this file
// reads what it needs, applies the verdict in one transaction and announces the outcome.
import type { EntityManager } from 'typeorm';
import type { Claims, IssuedToken } from '../core/tokens';
import type { User } from '../entities';
import { NoActiveAccountForToken, TokenBlacklisted, TokenReuseDetected } from '../errors';
import type { RequestInfo } from '../core/request-info';
import type { Registration } from '../registry/pipeline';
import type { TokenRecord } from '../registry/token-registry';
import { inTransaction } from '../db/transactions';
import type { UserJson } from '../serializers/user-serializer';
import type { IssuerParts } from './issuer-parts';
import { claimUserOf, nowOf } from './issuer-parts';
import type { RefreshVerdict } from './refresh-verdict';
import { refreshVerdict, replayRefusal, retirement } from './refresh-verdict';
import { refuseVoided, standingOf } from './token-standing';

/** A refresh's result: the new access token (and refresh token, under rotation). */
export interface RefreshedTokens {
  readonly access: string;
  readonly refresh?: string;
  readonly userId: number;
  readonly user?: UserJson;
}

/** What one refresh transaction decided. */
type RefreshOutcome =
  | { readonly reused: true; readonly jtis: readonly string[]; readonly record: TokenRecord }
  | {
      readonly reused: false;
      readonly answer: { access: string; refresh?: string; userId: number };
      readonly blacklisted: boolean;
      /** What to record (null when a recorded rotation was answered again: nothing new was issued). */
      readonly registration: Registration | null;
    };

/** What a refresh transaction works on: the presented token and what was read about it. */
interface Presented {
  readonly claims: Claims;
  readonly rebuilt: Claims;
  readonly userId: number;
  readonly record: TokenRecord;
  readonly now: Date;
  readonly request: RequestInfo | null;
}

type RefreshParts = Pick<
  IssuerParts,
  'settings' | 'dataSource' | 'codec' | 'registry' | 'pipeline' | 'expiry' | 'users' | 'serializer' | 'claims' | 'events' | 'clock' | 'logger' | 'revocations'
>;

/**
 * Exchanges refresh tokens.
 *
 * @example
 *   const { access, refresh } = await refresher.refresh(oldRefresh);
 */
export class Refresher {
  constructor(private readonly parts: RefreshParts) {}

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
    const subject = builders.rebuildsOnRefresh || settings.TOKEN_RESPONSE_USER ? await claimUserOf(this.parts, user) : null;
    const rebuilt = subject && builders.rebuildsOnRefresh ? await builders.rebuild(subject, { event: 'refresh', request }) : {};
    const now = nowOf(this.parts);
    const outcome =
      (await this.refreshUnlocked(claims, rebuilt, user.id, now, request)) ??
      (await inTransaction(this.parts.dataSource, (manager) => this.refreshIn(manager, claims, rebuilt, user.id, now, request)));
    if (outcome.reused) {
      // Committed before refusing: the family stays expired whatever the caller does next.
      this.parts.expiry.markExpired(outcome.jtis);
      events.emit('tokensExpired', { userId: user.id, jtis: outcome.jtis, reason: 'reuse', request });
      events.emit('refreshTokenReused', { userId: user.id, jti: outcome.record.jti, sessionId: outcome.record.sessionId, request });
      this.parts.logger.warn({ userId: user.id, jti: outcome.record.jti, expired: outcome.jtis.length }, 'rotated-out refresh token reused: family expired');
      throw new TokenReuseDetected(`jti ${outcome.record.jti} was rotated out before the grace window`);
    }
    // The decision (and a rotation's record of what it answers) is committed under the presented
    // token's row lock; the new tokens are registered after it, grouped with the obtains and
    // refreshes arriving meanwhile. Holding that lock until a shared commit would make refreshes
    // of one token wait on unrelated requests, and a group taking row locks in arrival order could
    // deadlock with another instance's. A concurrent refresh that finds the rotation before its
    // tokens are registered answers it anyway (replayRefusal of an unknown successor is null).
    if (settings.REGISTRY_ENABLED && outcome.registration) {
      if (settings.REGISTRY_AFTER_RESPONSE) pipeline.later(outcome.registration);
      else pipeline.announce(await pipeline.register(outcome.registration));
    }
    if (outcome.blacklisted) events.emit('tokenBlacklisted', { userId: user.id, jti: codec.jtiOf(claims), via: 'rotation', request });
    const result = outcome.answer;
    events.emit('tokenRefreshed', { userId: user.id, rotated: result.refresh !== undefined, request });
    return settings.TOKEN_RESPONSE_USER && subject ? { ...result, user: subject.data } : result;
  }

  /**
   * A refresh that writes nothing to the presented token's row, decided on one read with no
   * transaction: without rotation (simplejwt's default), or with rotation that neither blacklists
   * nor detects reuse, the verdict is to issue and leave the token as it is, or to refuse it. A lock would guard nothing here (a blacklist committed just after our read is the
   * same as one committed just after our answer), and START TRANSACTION, the locked read, the
   * session's read and COMMIT were four round trips where this is one. Null when the verdict
   * writes (rotation, reuse) or the token is not recorded yet: refreshIn decides under the lock.
   */
  private async refreshUnlocked(claims: Claims, rebuilt: Claims, userId: number, now: Date, request: RequestInfo | null): Promise<RefreshOutcome | null> {
    const { settings, codec, registry } = this.parts;
    const retire = retirement(settings);
    if (retire !== 'keep' && retire !== 'rotate') return null;
    const found = await registry.findWithSession(codec.jtiOf(claims), this.parts.dataSource.manager);
    if (!found) return null;
    const verdict = refreshVerdict(found.record, found.session, now, settings);
    if (verdict.kind === 'reuse' || verdict.kind === 'replay') return null;
    return this.apply(this.parts.dataSource.manager, { claims, rebuilt, userId, record: found.record, now, request }, verdict);
  }

  /** One refresh inside its transaction: read (and lock) the record and its session, apply the verdict. */
  private async refreshIn(
    manager: EntityManager,
    claims: Claims,
    rebuilt: Claims,
    userId: number,
    now: Date,
    request: RequestInfo | null,
  ): Promise<RefreshOutcome> {
    const { settings, codec, registry } = this.parts;
    const record = await registry.ensure(manager, { ...codec.factsOf(claims), userId }, now, true);
    const session = record.sessionId === null ? null : await registry.sessionStanding(manager, record.sessionId);
    return this.apply(manager, { claims, rebuilt, userId, record, now, request }, refreshVerdict(record, session, now, settings));
  }

  /** Carries out a verdict on the presented token. */
  private async apply(manager: EntityManager, presented: Presented, verdict: RefreshVerdict): Promise<RefreshOutcome> {
    const { codec, registry } = this.parts;
    const { claims, rebuilt, userId, record, now, request } = presented;
    switch (verdict.kind) {
      case 'refuse':
        throw verdict.error;
      case 'reuse': {
        const jtis = await registry.expireFamily(manager, record.id, now);
        await this.parts.revocations.tokens(manager, jtis, now);
        return { reused: true, jtis, record };
      }
      case 'replay': {
        const refusal = replayRefusal(await registry.find(verdict.rotation.refresh.jti, manager));
        if (refusal) throw refusal;
        // The same jti, iat, exp and claims: the same token, byte for byte, with a deterministic
        // signature (HMAC, RSA PKCS#1 v1.5, Ed25519); already recorded, so nothing to register.
        const access = codec.accessFrom(claims, rebuilt, null, verdict.rotation.access);
        const refresh = codec.rotate(claims, rebuilt, null, verdict.rotation.refresh);
        return { reused: false, answer: { access: access.token, refresh: refresh.token, userId }, blacklisted: false, registration: null };
      }
      case 'issue':
        break;
    }
    const access = codec.accessFrom(claims, rebuilt, verdict.notAfter);
    const rotated = verdict.retire === 'keep' ? undefined : codec.rotate(claims, rebuilt, verdict.notAfter);
    let blacklisted = false;
    switch (verdict.retire) {
      case 'keep':
      case 'rotate':
        break;
      case 'mark':
      case 'mark-and-blacklist': {
        if (!rotated) throw new Error('a rotation without a rotated token');
        // The row is locked since our read (MariaDB) or no other transaction runs (SQLite), so
        // only a row rotated before rotations were recorded is marked already: it gets new tokens,
        // unrecorded, as it did then.
        if (!(await registry.markRotated(manager, record.id, now, { refresh: rotated, access }))) break;
        if (verdict.retire === 'mark-and-blacklist') blacklisted = await registry.revoke(manager, record.id, now);
        break;
      }
      case 'blacklist':
        // Another request rotated this token out between our read and our write.
        if (!(await registry.revoke(manager, record.id, now))) throw new TokenBlacklisted();
        blacklisted = true;
        break;
    }
    const issued: IssuedToken[] = rotated ? [access, rotated] : [access];
    const registration: Registration = { event: 'refresh', userId, tokens: issued, parent: record, request, now };
    const answer = rotated ? { access: access.token, refresh: rotated.token, userId } : { access: access.token, userId };
    return { reused: false, answer, blacklisted, registration };
  }

  /** The user a refresh token belongs to, refused as the settings require. */
  private async userOf(claims: Claims): Promise<User> {
    const { codec, settings, users } = this.parts;
    const id = codec.userIdOf(claims);
    const user = id === null ? null : await users.findByTokenId(settings.USER_ID_FIELD, id);
    if (!user || (settings.CHECK_USER_IS_ACTIVE && !user.isActive)) throw new NoActiveAccountForToken();
    refuseVoided(claims, standingOf(user), settings);
    return user;
  }
}
