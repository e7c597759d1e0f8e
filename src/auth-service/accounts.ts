// Passwords of existing users: changing one (with the current one) and setting one (staff, the
// CLI). The password rules are enforced here, where passwords are written, so no caller can skip
// them; every token the user holds is revoked in the same transaction.
import { passwordShapeProblems } from '../core/password-rules';
import type { PasswordUser } from '../core/password-validators';
import { ValidationFailed } from '../errors';
import { inTransaction } from '../db/transactions';
import type { IssuerParts } from './issuer-parts';
import { nowOf } from './issuer-parts';

type AccountParts = Pick<IssuerParts, 'dataSource' | 'registry' | 'users' | 'hasher' | 'credentials' | 'clock' | 'logger' | 'onUserChanged' | 'revocations'>;

/** The body field a refused new password is reported under, as the password-change endpoint names it. */
export const NEW_PASSWORD_FIELD = 'new_password';

const refuse = (problems: string[]): void => {
  if (problems.length > 0) throw new ValidationFailed({ [NEW_PASSWORD_FIELD]: problems });
};

/**
 * Changes and sets passwords.
 *
 * @example
 *   await accounts.changePassword('user@test.com', 'user-pass', 'a-new-long-pass');
 */
export class Accounts {
  constructor(private readonly parts: AccountParts) {}

  /**
   * Changes a password after checking the current one; see `setPassword`. A new password too long
   * or blank is refused first, before anything is hashed; the validators run once the credentials
   * are right, as they compare it with the user's own data, which no one else may probe.
   */
  async changePassword(login: string, password: string, newPassword: string): Promise<void> {
    refuse(passwordShapeProblems(newPassword));
    const user = await this.parts.credentials.check(login, password);
    await this.setPassword(user.id, newPassword, user);
  }

  /**
   * Sets a user's password and revokes every token they hold: refresh tokens in the registry,
   * access tokens through the password-change second. Returns how many tokens were revoked.
   */
  async setPassword(userId: number, newPassword: string, knownUser?: PasswordUser): Promise<number> {
    const { dataSource, registry, users, hasher } = this.parts;
    refuse(passwordShapeProblems(newPassword));
    const user = knownUser ?? (await users.findByTokenId('id', userId));
    refuse(await users.passwordProblems(newPassword, user));
    const hash = await hasher.hash(newPassword);
    const now = nowOf(this.parts);
    const revoked = await inTransaction(dataSource, async (manager) => {
      await users.setPasswordHash(manager, userId, hash, now);
      await this.parts.revocations.userCutoff(manager, userId, now);
      return registry.revokeAllOf(manager, userId, now);
    });
    this.parts.onUserChanged(userId);
    this.parts.logger.info({ userId, revokedTokens: revoked }, 'password changed');
    return revoked;
  }
}
