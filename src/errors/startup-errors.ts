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
