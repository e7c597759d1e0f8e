// Obtain: credentials in, a new token pair out, with the custom claims built for the user, the
// pair registered (in the request's transaction, or after the answer) and the login announced.
import type { EntityManager } from 'typeorm';
import type { Claims } from '../core/tokens';
import { User } from '../entities';
import { AuthenticationFailed } from '../errors';
import type { RequestInfo } from '../core/request-info';
import { maskLogin } from '../events';
import type { Registration, RegistrationContext } from '../registry/pipeline';
import { inTransaction } from '../db/transactions';
import type { UserJson } from '../serializers/user-serializer';
import { passwordDigest } from '../core/passwords';
import type { IssuerParts } from './issuer-parts';
import { claimUserOf, nowOf } from './issuer-parts';
import { standingOf, voidedUntilSecond } from './token-standing';

/** A login's result: the pair, whose it is, and the user JSON when TOKEN_RESPONSE_USER asks. */
export interface ObtainedPair {
  readonly refresh: string;
  readonly access: string;
  readonly userId: number;
  readonly user?: UserJson;
}

type ObtainParts = Pick<
  IssuerParts,
  'settings' | 'dataSource' | 'codec' | 'pipeline' | 'events' | 'credentials' | 'clock' | 'sleep' | 'claims' | 'users' | 'serializer' | 'onUserChanged'
>;

/**
 * Issues token pairs for credentials.
 *
 * @example
 *   const { refresh, access } = await obtainer.obtain('user@test.com', 'user-pass');
 */
export class Obtainer {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly parts: ObtainParts) {
    this.sleep = parts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Checks credentials and answers a new pair, with the custom claims built for the user.
   * Announces `loginSucceeded`, or `loginFailed` with the login masked.
   */
  async obtain(login: string, password: string, request: RequestInfo | null = null): Promise<ObtainedPair> {
    const { events } = this.parts;
    let user: User;
    try {
      user = await this.parts.credentials.check(login, password);
    } catch (error) {
      if (error instanceof AuthenticationFailed) events.emit('loginFailed', { login: maskLogin(login), status: error.status, request });
      throw error;
    }
    return this.issue(user, request);
  }

  /**
   * Issues a new pair to a user whose identity is already established (by a password here, by an
   * identity provider's id token in the social exchange): custom claims, the session cap, the
   * registry, last_login and `loginSucceeded`, exactly as a login does.
   */
  async issue(user: User, request: RequestInfo | null = null): Promise<ObtainedPair> {
    const { settings, codec, pipeline, events } = this.parts;
    await this.waitPastVoidedSecond(user);
    const subject = this.parts.claims.builders.length > 0 || settings.TOKEN_RESPONSE_USER ? await claimUserOf(this.parts, user) : null;
    const custom = subject ? await this.parts.claims.build(subject, { event: 'obtain', request }) : {};
    const now = nowOf(this.parts);
    const pair = codec.pairFor(this.tokenUserId(user), { ...this.revokeClaim(user), ...custom }, this.sessionEnd(now));
    const registration: Registration = { event: 'obtain', userId: user.id, tokens: [pair.refresh, pair.access], parent: null, request, now };
    const touchLogin = settings.UPDATE_LAST_LOGIN ? (manager: EntityManager) => manager.update(User, { id: user.id }, { lastLogin: now }) : null;
    let context: RegistrationContext | null = null;
    // Before the answer, the registration shares a transaction with the logins and refreshes that
    // arrive meanwhile (group commit); the answer waits for that COMMIT, so a token a client holds
    // is on disk, registered.
    if (settings.REGISTRY_ENABLED && !settings.REGISTRY_AFTER_RESPONSE) context = await pipeline.register(registration, touchLogin ?? undefined);
    else if (touchLogin) await inTransaction(this.parts.dataSource, touchLogin);
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
   * SESSION_MAX_LIFETIME's end for a login made `now`, in epoch seconds (null: no cap): the login's
   * own tokens end there too, as every token refreshed from them does (the session row records
   * the same end, from the same `now`).
   */
  private sessionEnd(now: Date): number | null {
    const lifetime = this.parts.settings.SESSION_MAX_LIFETIME;
    return lifetime === null ? null : Math.floor((now.getTime() + lifetime * 1000) / 1000);
  }

  /** The user id claim's value: the id, or the email or username under USER_ID_FIELD. */
  private tokenUserId(user: User): number | string {
    const field = this.parts.settings.USER_ID_FIELD;
    return field === 'id' ? user.id : (user[field] ?? '');
  }

  private revokeClaim(user: User): Claims {
    const { settings } = this.parts;
    return settings.CHECK_REVOKE_TOKEN ? { [settings.REVOKE_TOKEN_CLAIM]: passwordDigest(user.password) } : {};
  }

  /**
   * Waits out the second of a password change or a logout-all, if the user had one this second:
   * a token issued in it could not be told from the ones it voided (at most one second, and only
   * right after such a change), which keeps the check on every request a single comparison.
   */
  private async waitPastVoidedSecond(user: User): Promise<void> {
    const changed = voidedUntilSecond(standingOf(user));
    if (changed === null) return;
    // A loop, because a timer may fire up to a millisecond early (libuv caches the loop time).
    for (let wait = (changed + 1) * 1000 - this.parts.clock.now(); wait > 0; wait = (changed + 1) * 1000 - this.parts.clock.now()) {
      await this.sleep(wait);
    }
  }
}
