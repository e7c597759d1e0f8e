// The social exchange: an identity provider's id token in, our pair out. The token is verified
// against the provider (identity-providers.ts), the local account is found by the provider's
// subject, linked by a verified email or created as the provider's settings allow, and the pair is
// issued through the same path a password login takes (claims, registry, last_login, events).
//
// Linking policy. An identity is found by (provider, subject) only, never by email: an email can
// change hands at a provider, a subject cannot. An identity seen for the first time is linked to
// the local account with the same email only when the provider says it verified that email;
// otherwise anyone able to type a victim's address at a provider that does not check it (many let
// you) would sign in to the victim's account here. For the same reason an account is never
// created with an unverified email: a later verified sign-in would be linked to it. With
// require_verified_email false, an unverified token still signs in through a link made before.
import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '../core/clock';
import type { RequestInfo } from '../core/request-info';
import { ExternalIdentity, User } from '../entities';
import { AccountNotProvisioned, AuthenticationFailed, EmailNotVerified, UserInactive } from '../errors';
import { inTransaction } from '../db/transactions';
import type { AuthServiceEvents, EventBus } from '../events';
import type { Logger } from '../logger';
import type { OidcProvider } from '../settings';
import type { IdentityProviders } from './identity-providers';
import type { ObtainedPair } from './obtain';
import type { TokenIssuer } from './token-issuer';
import { normalizeEmail } from './user-store';

/** What a client sends to the exchange, its fields read and checked. */
export interface ExchangeRequest {
  readonly idToken: string;
  /** The provider's name; may be null when only one is configured. */
  readonly provider: string | null;
  /** The nonce of the authorization request, when the client used one. */
  readonly nonce: string | null;
  /** The access token issued with the id token: checked against its `at_hash`, never stored. */
  readonly accessToken: string | null;
}

/** Where an exchanged sign-in landed: for the log and for tests. */
export type AccountOutcome = 'linked-before' | 'linked-by-email' | 'created';

/** What the exchange is built from. */
export interface SocialExchangeParts {
  readonly dataSource: DataSource;
  readonly providers: IdentityProviders;
  readonly issuer: Pick<TokenIssuer, 'issue'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly events: EventBus<AuthServiceEvents>;
}

/** Values longer than the user table's columns are cut, never refused: they are only names. */
const NAME_LENGTH = 150;
const EMAIL_LENGTH = 254;
// Deliberately loose, as the user store's own check: the provider vouches for the address.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * A password that can never match: Django's unusable-password form (`!` and random text), so a
 * user created by the exchange signs in through the provider only, until a password is set.
 */
const unusablePassword = (): string => `!${randomBytes(30).toString('base64url')}`;

/** Whether the provider says the email is verified. Cognito has been seen writing it as a string. */
const emailVerified = (claims: Readonly<Record<string, unknown>>): boolean => claims.email_verified === true || claims.email_verified === 'true';

const textClaim = (claims: Readonly<Record<string, unknown>>, name: string, max: number): string =>
  typeof claims[name] === 'string' ? claims[name].trim().slice(0, max) : '';

/**
 * Trades id tokens for pairs.
 *
 * @example
 *   const pair = await exchange.exchange({ idToken, provider: 'corp', nonce: null, accessToken: null }, request);
 */
export class SocialExchange {
  constructor(private readonly parts: SocialExchangeParts) {}

  /**
   * Verifies the id token, finds, links or creates the account, and issues a pair. Announces
   * `loginFailed` (with no login: the token names no account of ours) for a refused token.
   */
  async exchange(input: ExchangeRequest, request: RequestInfo | null = null): Promise<ObtainedPair> {
    const { providers, events } = this.parts;
    try {
      const provider = providers.pick(input.provider);
      const { subject, claims } = await providers.verify(provider, input.idToken, { nonce: input.nonce, accessToken: input.accessToken });
      const { user, outcome } = await this.accountFor(provider, subject, claims);
      if (!user.isActive) throw new UserInactive();
      this.parts.logger.info({ provider: provider.name, userId: user.id, account: outcome }, 'social exchange');
      return await this.parts.issuer.issue(user, request);
    } catch (error) {
      if (error instanceof AuthenticationFailed) events.emit('loginFailed', { login: null, status: error.status, request });
      throw error;
    }
  }

  /** The account the identity signs in as, found, linked or created in one transaction. */
  private async accountFor(
    provider: OidcProvider,
    subject: string,
    claims: Readonly<Record<string, unknown>>,
  ): Promise<{ user: User; outcome: AccountOutcome }> {
    const verified = emailVerified(claims);
    if (provider.requireVerifiedEmail && !verified) throw new EmailNotVerified(`provider ${provider.name} did not verify the email of ${subject}`);
    const now = new Date(this.parts.clock.now());
    return inTransaction(this.parts.dataSource, async (manager) => {
      const linked = await manager.findOne(ExternalIdentity, { where: { provider: provider.name, subject } });
      if (linked) {
        await manager.update(ExternalIdentity, { id: linked.id }, { lastUsedAt: now });
        return { user: await manager.findOneOrFail(User, { where: { id: linked.userId } }), outcome: 'linked-before' as const };
      }
      const email = normalizeEmail(textClaim(claims, provider.claims.email, EMAIL_LENGTH + 1));
      if (!verified || !EMAIL.test(email) || email.length > EMAIL_LENGTH) {
        throw new EmailNotVerified(`provider ${provider.name} gave no verified email for the new identity ${subject}`);
      }
      const existing = await manager.findOne(User, { where: { email } });
      if (existing) {
        await this.link(manager, provider, subject, existing.id, email, now);
        return { user: existing, outcome: 'linked-by-email' as const };
      }
      if (!provider.createUsers) throw new AccountNotProvisioned(`provider ${provider.name}: no account for ${email}, and create_users is off`);
      const user = await manager.save(
        manager.create(User, {
          email,
          username: null,
          password: unusablePassword(),
          firstName: textClaim(claims, provider.claims.first_name, NAME_LENGTH),
          lastName: textClaim(claims, provider.claims.last_name, NAME_LENGTH),
          isActive: true,
          isStaff: false,
          isSuperuser: false,
          dateJoined: now,
          lastLogin: null,
          passwordChangedAt: null,
          tokensValidAfter: null,
        }),
      );
      await this.link(manager, provider, subject, user.id, email, now);
      return { user, outcome: 'created' as const };
    });
  }

  private async link(manager: EntityManager, provider: OidcProvider, subject: string, userId: number, email: string, now: Date): Promise<void> {
    await manager.insert(ExternalIdentity, { provider: provider.name, subject, userId, email, createdAt: now, lastUsedAt: now });
  }
}
