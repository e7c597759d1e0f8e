// Users, their permissions and their passwords, in the auth-service's database.
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '../core/clock';
import type { PasswordHasher } from '../core/passwords';
import { PasswordRules } from '../core/password-rules';
import type { PasswordUser } from '../core/password-validators';
import { validatorsFromSettings } from '../core/password-validators';
import { Group, User } from '../entities';
import { PasswordRefused, UsageError } from '../errors';
import { DEFAULT_PASSWORD_VALIDATORS } from '../settings';
import { inTransaction } from '../db/transactions';
import type { AccessChange, AccessOutcome, GroupChange } from './access-admin';
import { changeGroupAccess, changeUserAccess, checkPermissionNames, permissionRows } from './access-admin';
import type { Revocations } from './revocations';

/** The fields of a new user; only email and password are required. */
export interface NewUser {
  readonly email: string;
  readonly password: string;
  readonly username?: string | null;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly isActive?: boolean;
  readonly isStaff?: boolean;
  readonly isSuperuser?: boolean;
  /** `app_label.codename` names; missing permissions are created. */
  readonly permissions?: readonly string[];
}

// Deliberately loose: one @, something on each side, a dot in the domain. Deliverability is the
// mail server's business; this only catches typing mistakes.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Emails are compared lower-cased everywhere (see the User entity). */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/**
 * Reads and writes users.
 *
 * @example
 *   const user = await store.create({ email: 'a@x.io', password: 'long-enough', permissions: ['app.view'] });
 */
export class UserStore {
  /** Told the id of every user whose access changed here, so cached snapshots are dropped at once. */
  private readonly changeListeners: ((userId: number) => void)[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
    /** Where access changes are recorded for client-services and other instances (none: not told). */
    private readonly revocations: Revocations | null = null,
    /** What new passwords must pass (PASSWORD_VALIDATORS and the application's validators). */
    private readonly passwordRules = new PasswordRules(validatorsFromSettings(DEFAULT_PASSWORD_VALIDATORS)),
  ) {}

  /** What is wrong with `password` as the new password of `user`, in the validators' words; empty when it passes. */
  passwordProblems(password: string, user: PasswordUser | null): Promise<string[]> {
    return this.passwordRules.problems(password, user);
  }

  /** The user whose `field` equals `value` (emails compared normalised), or null. */
  async findByLogin(field: 'email' | 'username', value: string, manager = this.dataSource.manager): Promise<User | null> {
    const key = field === 'email' ? normalizeEmail(value) : value;
    if (!key) return null;
    return manager.findOne(User, { where: field === 'email' ? { email: key } : { username: key } });
  }

  /** The user identified by a token's user id claim value, or null. */
  async findByTokenId(field: 'id' | 'email' | 'username', value: number | string, manager = this.dataSource.manager): Promise<User | null> {
    if (field === 'id') return typeof value === 'number' ? manager.findOne(User, { where: { id: value } }) : null;
    return this.findByLogin(field, String(value), manager);
  }

  /** A user with their direct and group permissions loaded. */
  async withPermissions(id: number): Promise<{ user: User; permissions: Set<string> } | null> {
    const user = await this.dataSource.manager.findOne(User, {
      where: { id },
      relations: { userPermissions: true, groups: { permissions: true } },
    });
    if (!user) return null;
    const permissions = new Set<string>();
    for (const permission of user.userPermissions) permissions.add(permission.key);
    for (const group of user.groups) for (const permission of group.permissions) permissions.add(permission.key);
    return { user, permissions };
  }

  /** The permission names a group grants, sorted (none when there is no such group). */
  async groupPermissions(name: string): Promise<string[]> {
    const group = await this.dataSource.manager.findOne(Group, { where: { name: name.trim() }, relations: { permissions: true } });
    return group ? group.permissions.map((permission) => permission.key).sort() : [];
  }

  /** All users, by id. */
  list(): Promise<User[]> {
    return this.dataSource.manager.find(User, { order: { id: 'ASC' }, relations: { groups: true } });
  }

  /**
   * Creates a user; a taken email or username or a bad email is a UsageError, a password the rules
   * refuse a PasswordRefused (judged against the new user's email, username and names).
   */
  async create(input: NewUser): Promise<User> {
    const email = normalizeEmail(input.email);
    if (!EMAIL.test(email) || email.length > 254) throw new UsageError(`not a valid email address: ${JSON.stringify(input.email)}`);
    const problems = await this.passwordProblems(input.password, { ...input, email });
    if (problems.length > 0) throw new PasswordRefused(problems);
    const permissions = [...new Set(input.permissions ?? [])];
    checkPermissionNames(permissions);
    const password = await this.hasher.hash(input.password);
    return inTransaction(this.dataSource, async (manager) => {
      if (await manager.exists(User, { where: { email } })) throw new UsageError(`a user with email ${email} already exists`);
      if (input.username && (await manager.exists(User, { where: { username: input.username } }))) {
        throw new UsageError(`a user with username ${input.username} already exists`);
      }
      const user = manager.create(User, {
        email,
        username: input.username ?? null,
        password,
        firstName: input.firstName ?? '',
        lastName: input.lastName ?? '',
        isActive: input.isActive ?? true,
        isStaff: input.isStaff ?? false,
        isSuperuser: input.isSuperuser ?? false,
        dateJoined: new Date(this.clock.now()),
        lastLogin: null,
        passwordChangedAt: null,
        tokensValidAfter: null,
      });
      user.userPermissions = await permissionRows(manager, permissions);
      return manager.save(user);
    });
  }

  /**
   * Replaces a user's password hash. `changedAt` is recorded unless this is only a rehash of the
   * same password (an upgrade from PBKDF2), which must not log the user out.
   */
  async setPasswordHash(manager: EntityManager, userId: number, hash: string, changedAt: Date | null): Promise<void> {
    await manager.update(User, { id: userId }, changedAt ? { password: hash, passwordChangedAt: changedAt } : { password: hash });
  }

  /** Calls `listener` with the id of every user whose access `changeAccess` or `changeGroup` changed. */
  onUserChanged(listener: (userId: number) => void): void {
    this.changeListeners.push(listener);
  }

  /**
   * Grants and revokes a user's permissions and groups and sets their staff and active flags, in
   * one transaction; an unknown user or group, or a malformed permission, is a UsageError.
   */
  async changeAccess(email: string, change: AccessChange): Promise<AccessOutcome> {
    return this.announced(
      await inTransaction(this.dataSource, async (manager) => this.recorded(manager, await changeUserAccess(manager, normalizeEmail(email), change))),
    );
  }

  /** Grants and revokes a group's permissions, creating the group when missing, in one transaction. */
  async changeGroup(name: string, change: GroupChange): Promise<AccessOutcome> {
    return this.announced(await inTransaction(this.dataSource, async (manager) => this.recorded(manager, await changeGroupAccess(manager, name, change))));
  }

  /**
   * Deletes a user (their token links, sessions and devices go with them) and voids every token
   * issued to them, in one transaction. Answers whether there was such a user.
   */
  async delete(userId: number): Promise<boolean> {
    const deleted = await inTransaction(this.dataSource, async (manager) => {
      const result = await manager.delete(User, { id: userId });
      if ((result.affected ?? 0) === 0) return false;
      await this.revocations?.userCutoff(manager, userId, new Date(this.clock.now()));
      return true;
    });
    if (deleted) this.announced({ changes: [], userIds: [userId] });
    return deleted;
  }

  /** Records, in the change's transaction, whose tokens it voided and whose copies must be read again. */
  private async recorded(manager: EntityManager, outcome: AccessOutcome): Promise<AccessOutcome> {
    if (!this.revocations) return outcome;
    const now = new Date(this.clock.now());
    for (const userId of outcome.deactivatedUserIds ?? []) await this.revocations.userCutoff(manager, userId, now);
    await this.revocations.usersChanged(manager, outcome.changedUserIds ?? [], now);
    return outcome;
  }

  private announced(outcome: AccessOutcome): AccessOutcome {
    for (const userId of outcome.userIds) for (const listener of this.changeListeners) listener(userId);
    return outcome;
  }
}
