// Checking a login and password, the way Django's ModelBackend and simplejwt's obtain serializer do.
import type { DataSource } from 'typeorm';
import type { PasswordHasher } from '../core/passwords';
import type { User } from '../entities';
import { NoActiveAccount } from '../errors';
import type { Settings } from '../settings';
import type { UserStore } from './user-store';

/**
 * Finds the active user a login and password belong to.
 *
 * @example
 *   const user = await credentials.check('user@test.com', 'user-pass');
 */
export class Credentials {
  constructor(
    private readonly settings: Pick<Settings, 'LOGIN_FIELD'>,
    private readonly dataSource: DataSource,
    private readonly users: UserStore,
    private readonly hasher: PasswordHasher,
  ) {}

  /**
   * The user, or NoActiveAccount for an unknown login, a wrong password or an inactive user.
   * A valid hash in an older format (Django's PBKDF2) is replaced by the current one.
   */
  async check(login: string, password: string): Promise<User> {
    const user = await this.users.findByLogin(this.settings.LOGIN_FIELD, login);
    if (!user) {
      await this.hasher.spendAsMuchAsACheck(password);
      throw new NoActiveAccount();
    }
    const result = await this.hasher.check(password, user.password);
    if (!result.valid || !user.isActive) throw new NoActiveAccount();
    if (result.needsRehash) {
      user.password = await this.hasher.hash(password);
      await this.users.setPasswordHash(this.dataSource.manager, user.id, user.password, null);
    }
    return user;
  }
}
