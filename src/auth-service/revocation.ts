// Revocation: whether the registry still honours a token (verify), and ending refresh tokens on
// request (blacklist, logout). Each write is one transaction; listeners hear of it after commit.
import { InvalidToken, TokenBlacklisted, TokenExpiredByRegistry } from '../errors';
import type { RequestInfo } from '../core/request-info';
import { inTransaction } from '../db/transactions';
import type { IssuerParts } from './issuer-parts';
import { nowOf } from './issuer-parts';
import { refuseVoided, standingOf } from './token-standing';

type RevocationParts = Pick<
  IssuerParts,
  'settings' | 'dataSource' | 'codec' | 'registry' | 'pipeline' | 'users' | 'events' | 'clock' | 'sessions' | 'revocations' | 'expiry'
>;

/**
 * Verifies, blacklists and logs out tokens.
 *
 * @example
 *   await revocation.blacklist(refresh);
 *   await revocation.verify(refresh); // now throws InvalidToken: "Token is blacklisted"
 */
export class Revocation {
  constructor(private readonly parts: RevocationParts) {}

  /**
   * Accepts any valid token that has not been blacklisted, revoked or expired by the registry, nor
   * voided by its user's record (a password change or logout-all after it was issued: with the
   * registry off, or for a token it never saw, that record is all there is).
   */
  async verify(raw: string): Promise<void> {
    const { codec, settings, users } = this.parts;
    const claims = codec.verify(raw);
    const jti = codec.jtiOf(claims);
    await this.parts.pipeline.settled(jti);
    // The user's record first, as refresh reads it: a password change also revokes the token in
    // the registry, and both endpoints must give that one reason with refresh's message.
    const userId = codec.userIdOf(claims);
    const user = userId === null ? null : await users.findByTokenId(settings.USER_ID_FIELD, userId);
    if (user) refuseVoided(claims, standingOf(user), settings);
    const record = await this.parts.registry.find(jti);
    if (record?.expired) throw new TokenExpiredByRegistry(`jti ${jti} expired by the registry`);
    if (record?.revoked) throw new TokenBlacklisted();
  }

  /**
   * Blacklists a refresh token; a token already blacklisted is refused, as simplejwt does.
   * Answers whose token it was; announces `tokenBlacklisted`.
   */
  async blacklist(raw: string, request: RequestInfo | null = null, via: 'blacklist' | 'logout' = 'blacklist'): Promise<{ userId: number | null }> {
    const { codec, registry, settings, users } = this.parts;
    const claims = codec.verify(raw, 'refresh');
    await this.parts.pipeline.settled(codec.jtiOf(claims));
    const userId = codec.userIdOf(claims);
    const now = nowOf(this.parts);
    const { ownerId, ended } = await inTransaction(this.parts.dataSource, async (manager) => {
      const owner = userId === null ? null : await users.findByTokenId(settings.USER_ID_FIELD, userId, manager);
      const record = await registry.ensure(manager, { ...codec.factsOf(claims), userId: owner?.id ?? null }, now);
      if (record.revoked || !(await registry.revoke(manager, record.id, now))) throw new TokenBlacklisted();
      // A logout ends its session: the access tokens it handed out are refused too, everywhere.
      const jtis = via === 'logout' && record.sessionId !== null ? await this.parts.sessions.endKeeping(manager, record.sessionId, record.id, now) : [];
      await this.parts.revocations.tokens(manager, jtis, now);
      return { ownerId: owner?.id ?? null, ended: jtis };
    });
    this.parts.events.emit('tokenBlacklisted', { userId: ownerId, jti: codec.jtiOf(claims), via, request });
    if (ended.length > 0) {
      this.parts.expiry.markExpired(ended);
      this.parts.events.emit('tokensExpired', { userId: ownerId, jtis: ended, reason: 'session-ended', request });
    }
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
      if (!(error instanceof TokenBlacklisted || (error instanceof InvalidToken && error.expired))) throw error;
      outcome = { userId: null, blacklisted: false };
    }
    this.parts.events.emit('loggedOut', { ...outcome, request });
    return outcome;
  }
}
