// Errors that never reach an HTTP client: bad settings and claim builders, found at start-up, and
// operator mistakes the CLI reports in one line.

/**
 * Thrown at start-up for a bad setting, naming the key; never reaches an HTTP client.
 *
 * @example
 *   new SettingsError('ACCESS_TOKEN_LIFETIME', 'must be a positive number of seconds, got -1');
 */
export class SettingsError extends Error {
  constructor(
    readonly key: string,
    problem: string,
  ) {
    super(`Invalid setting ${key}: ${problem}`);
    this.name = 'SettingsError';
  }
}

/**
 * Thrown when a claim builder is registered under a reserved or already registered claim, or
 * builds a value a token cannot carry; names the claim. A programming error, found at start-up.
 *
 * @example
 *   new ClaimRegistrationError('exp', 'is reserved: the token core sets it');
 */
export class ClaimRegistrationError extends Error {
  constructor(
    readonly key: string,
    problem: string,
  ) {
    super(`Claim ${JSON.stringify(key)} ${problem}`);
    this.name = 'ClaimRegistrationError';
  }
}

/** Thrown by the CLI and the user store for a request the operator must correct. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Thrown by `users.create` for a new user it refuses (a bad or taken email, a name too long, a
 * password the rules refuse, ...). `fields` holds every problem by the field's wire name
 * (`email`, `password`, `first_name`, ...) in DRF's words, which POST /create-user/ answers as
 * they are; `message` says the same in a sentence for the command line.
 *
 * @example
 *   new UserRefused({ email: ['This email already exists.'] }, 'a user with email ann@test.com already exists');
 */
export class UserRefused extends UsageError {
  constructor(
    readonly fields: Readonly<Record<string, readonly string[]>>,
    message: string,
  ) {
    super(message);
    this.name = 'UserRefused';
  }
}

/**
 * Thrown by `users.create` when the password is the only problem; `problems` holds each message, in
 * the order the validators gave them (the CLI prints them, an application may answer them).
 *
 * @example
 *   new PasswordRefused(['This password is too common.']);
 */
export class PasswordRefused extends UserRefused {
  constructor(readonly problems: readonly string[]) {
    super({ password: problems }, problems.join(' '));
    this.name = 'PasswordRefused';
  }
}

/**
 * Thrown at start-up when an entity's table is not in the database after the migrations ran: a
 * migration for it was never written (or not passed in). Found before the first request, instead
 * of a 500 "no such table" at it.
 *
 * @example
 *   new MissingTable('example_access_group', 'AccessGroup');
 */
export class MissingTable extends Error {
  constructor(
    /** The table the entity maps to. */
    readonly table: string,
    /** The entity's class name. */
    readonly entity: string,
  ) {
    super(`table ${table} does not exist: no migration creates it (entity ${entity})`);
    this.name = 'MissingTable';
  }
}
