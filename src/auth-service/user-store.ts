// Users, their permissions and their passwords, in the auth-service's database.
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '../core/clock';
import type { PasswordHasher } from '../core/passwords';
import { PasswordRules } from '../core/password-rules';
import type { PasswordUser } from '../core/password-validators';
import { validatorsFromSettings } from '../core/password-validators';
import { pythonLength } from '../core/text-similarity';
import { Group, PHONE_MAX_LENGTH, User } from '../entities';
import { PasswordRefused, UserRefused } from '../errors';
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
  /** django-easyjwt's free-text phone, at most PHONE_MAX_LENGTH characters; null or left out: none. */
  readonly phone?: string | null;
  readonly isActive?: boolean;
  readonly isStaff?: boolean;
  readonly isSuperuser?: boolean;
  /** `app_label.codename` names; missing permissions are created. */
  readonly permissions?: readonly string[];
}

/** The fields of a new user `problemsOf` judges; any may be left out. */
export type NewUserFields = Partial<Pick<NewUser, 'email' | 'password' | 'username' | 'firstName' | 'lastName' | 'phone'>>;

// Deliberately loose: one @, something on each side, a dot in the domain. Deliverability is the
// mail server's business; this only catches typing mistakes.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Emails are compared lower-cased everywhere (see the User entity). */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** Column lengths, in characters, as Django's user model declares them. */
const EMAIL_MAX_LENGTH = 254;
const NAME_MAX_LENGTH = 150;

/** django-easyjwt's model answers a taken email in its own words, not Django's default ones. */
export const EMAIL_TAKEN = 'This email already exists.';
const INVALID_EMAIL = 'Enter a valid email address.';
// A UTF-16 code unit of a surrogate pair standing alone: text no database column can store as it is.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What DRF's CharField refuses in any text it stores, in its words: longer than the column, a NUL
 * character, a surrogate standing alone (Node would write it as U+FFFD, so what was sent would not
 * be what is stored). Lengths count characters, as Python and MariaDB's varchar do.
 */
function textProblems(value: string, maxLength: number): string[] {
  const problems: string[] = [];
  if (pythonLength(value) > maxLength) problems.push(`Ensure this field has no more than ${maxLength} characters.`);
  if (value.includes('\0')) problems.push('Null characters are not allowed.');
  const surrogate = LONE_SURROGATE.exec(value);
  if (surrogate) problems.push(`Surrogate characters are not allowed: U+${surrogate[0].charCodeAt(0).toString(16).toUpperCase()}.`);
  return problems;
}

/** Problems of a new user, by wire field name, with the sentence the command line prints for each. */
class Refusals {
  readonly fields: Record<string, string[]> = {};
  private readonly sentences: string[] = [];

  add(field: string, message: string, sentence = `${field}: ${message}`): void {
    (this.fields[field] ??= []).push(message);
    this.sentences.push(sentence);
  }

  has(field: string): boolean {
    return field in this.fields;
  }

  /** Throws them, if there are any: a PasswordRefused when the password is the only problem. */
  throwAny(): void {
    const fields = Object.keys(this.fields);
    if (fields.length === 0) return;
    if (fields.length === 1 && fields[0] === 'password') throw new PasswordRefused(this.fields.password);
    throw new UserRefused(this.fields, this.sentences.join('; '));
  }
}

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
   * Creates a user. Whatever is wrong with it is a UserRefused listing every field's problems in
   * DRF's words (a bad or taken email or username, a name or phone too long, a password the rules
   * refuse, judged against the new user's email, username and names); a PasswordRefused when the
   * password is the only one. A bad permission name is a UsageError.
   *
   * The email is trimmed and lower-cased first, so `Ann@X.io` is taken when `ann@x.io` is. Two
   * creations of one email at once give one user: the other is refused as taken (the loser of the
   * unique index is run again by inTransaction, and then finds the winner's row).
   */
  async create(input: NewUser): Promise<User> {
    const email = normalizeEmail(input.email);
    (await this.refusalsOf(input)).throwAny();
    const permissions = [...new Set(input.permissions ?? [])];
    checkPermissionNames(permissions);
    const password = await this.hasher.hash(input.password);
    return inTransaction(this.dataSource, async (manager) => {
      const taken = new Refusals();
      if (await manager.exists(User, { where: { email } })) this.addTaken(taken, email);
      if (input.username && (await manager.exists(User, { where: { username: input.username } }))) this.addUsernameTaken(taken, input.username);
      taken.throwAny();
      const user = manager.create(User, {
        email,
        username: input.username ?? null,
        password,
        firstName: input.firstName ?? '',
        lastName: input.lastName ?? '',
        phone: input.phone ?? null,
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
   * Every problem of the given fields of a new user, by wire field name (`email`, `username`,
   * `password`, `first_name`, `last_name`, `phone`) in DRF's words, as `create` would refuse them;
   * `{}` when there is none. Fields left out are not judged. Reads, never writes. For a taken
   * email and `1234`: `{ email: ['This email already exists.'], password: ['This password is too
   * short. ...', ...] }`.
   */
  async problemsOf(input: NewUserFields): Promise<Record<string, string[]>> {
    return (await this.refusalsOf(input)).fields;
  }

  /**
   * Checks each given field as DRF checks it (the email's format, each text's length and
   * characters, a taken email or username), then the password against the rules. A taken email is
   * worth knowing before a hash is spent; `create` checks it again where the row is written.
   */
  private async refusalsOf(input: NewUserFields): Promise<Refusals> {
    const refusals = new Refusals();
    const manager = this.dataSource.manager;
    const email = input.email === undefined ? undefined : normalizeEmail(input.email);
    if (email !== undefined) {
      for (const problem of textProblems(email, EMAIL_MAX_LENGTH)) refusals.add('email', problem);
      if (!EMAIL.test(email)) refusals.add('email', INVALID_EMAIL, `not a valid email address: ${JSON.stringify(input.email)}`);
      if (!refusals.has('email') && (await manager.exists(User, { where: { email } }))) this.addTaken(refusals, email);
    }
    if (input.username) {
      for (const problem of textProblems(input.username, NAME_MAX_LENGTH)) refusals.add('username', problem);
      if (!refusals.has('username') && (await manager.exists(User, { where: { username: input.username } }))) {
        this.addUsernameTaken(refusals, input.username);
      }
    }
    if (input.password !== undefined) {
      for (const problem of await this.passwordProblems(input.password, { ...input, email })) refusals.add('password', problem);
    }
    for (const [field, value, maxLength] of [
      ['first_name', input.firstName, NAME_MAX_LENGTH],
      ['last_name', input.lastName, NAME_MAX_LENGTH],
      ['phone', input.phone, PHONE_MAX_LENGTH],
    ] as const) {
      if (value) for (const problem of textProblems(value, maxLength)) refusals.add(field, problem);
    }
    return refusals;
  }

  private addTaken(refusals: Refusals, email: string): void {
    refusals.add('email', EMAIL_TAKEN, `a user with email ${email} already exists`);
  }

  private addUsernameTaken(refusals: Refusals, username: string): void {
    // Django's AbstractUser words it so.
    refusals.add('username', 'A user with that username already exists.', `a user with username ${username} already exists`);
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
