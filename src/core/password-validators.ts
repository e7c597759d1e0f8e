// Django's four password validators (django.contrib.auth.password_validation), with its messages
// word for word, and the interface an application's own validators implement. A validator answers
// its messages instead of raising, so every failing validator is reported, as validate_password does.
import type { PasswordValidatorConfig, UserAttribute } from '../settings';
import { USER_ATTRIBUTES } from '../settings';
import { commonPasswords } from './common-passwords';
import { isPythonDigits, pythonLength, pythonStrip, quickRatio, splitOnNonWord } from './text-similarity';

/** The user a password is for; any field may be missing (a user not yet created has no id). */
export interface PasswordUser {
  readonly email?: string | null;
  readonly username?: string | null;
  readonly firstName?: string | null;
  readonly lastName?: string | null;
}

/**
 * Judges a new password. Return the messages to show (empty: it passes); they are answered to API
 * clients under `new_password`, so say them to the user.
 *
 * @example
 *   const noCompanyName: PasswordValidator = {
 *     validate: (password) => (/acme/i.test(password) ? ['The password may not contain the company name.'] : []),
 *   };
 */
export interface PasswordValidator {
  validate(password: string, user: PasswordUser | null): readonly string[] | Promise<readonly string[]>;
}

/** Where each of Django's user attributes lives on our user, and the verbose name Django's User model gives it. */
const ATTRIBUTES: Readonly<Record<UserAttribute, { field: keyof PasswordUser; verboseName: string }>> = {
  username: { field: 'username', verboseName: 'username' },
  first_name: { field: 'firstName', verboseName: 'first name' },
  last_name: { field: 'lastName', verboseName: 'last name' },
  email: { field: 'email', verboseName: 'email address' },
};

/**
 * Django's MinimumLengthValidator: at least `min_length` characters (code points, as Python counts).
 *
 * @example
 *   new MinimumLengthValidator(12).validate('short'); // ['This password is too short. It must contain at least 12 characters.']
 */
export class MinimumLengthValidator implements PasswordValidator {
  constructor(readonly minLength = 8) {}

  validate(password: string): string[] {
    if (pythonLength(password) >= this.minLength) return [];
    // Django's ngettext: the singular for exactly one.
    const unit = this.minLength === 1 ? 'character' : 'characters';
    return [`This password is too short. It must contain at least ${this.minLength} ${unit}.`];
  }
}

/**
 * Django's UserAttributeSimilarityValidator: refuses a password too much like the user's username,
 * names or email, or like any word of them (split where non-word characters are, so `ann` of
 * `ann.lee@example.com` counts). Alike means difflib's quick_ratio reaches `maxSimilarity`.
 *
 * @example
 *   new UserAttributeSimilarityValidator().validate('ann.lee@example.com', { email: 'ann.lee@example.com' });
 */
export class UserAttributeSimilarityValidator implements PasswordValidator {
  constructor(
    readonly userAttributes: readonly UserAttribute[] = USER_ATTRIBUTES,
    readonly maxSimilarity = 0.7,
  ) {
    if (!(maxSimilarity >= 0.1)) throw new RangeError('max_similarity must be at least 0.1');
  }

  validate(password: string, user: PasswordUser | null): string[] {
    if (!user) return [];
    const lowered = password.toLowerCase();
    const passwordLength = pythonLength(lowered);
    for (const attribute of this.userAttributes) {
      const { field, verboseName } = ATTRIBUTES[attribute];
      const value = user[field];
      if (typeof value !== 'string' || value === '') continue;
      const whole = value.toLowerCase();
      for (const part of [...splitOnNonWord(whole), whole]) {
        if (this.tooShortToMatch(passwordLength, pythonLength(part))) continue;
        if (quickRatio(lowered, part) >= this.maxSimilarity) return [`The password is too similar to the ${verboseName}.`];
      }
    }
    return [];
  }

  /**
   * Django's shortcut against slow comparisons of a huge password: a part at most a tenth of the
   * password's length and below half `maxSimilarity` of it can never reach `maxSimilarity` (the
   * quick ratio is then at most 2 * part / password), so it is not compared at all.
   */
  private tooShortToMatch(passwordLength: number, partLength: number): boolean {
    return passwordLength >= 10 * partLength && partLength < (this.maxSimilarity / 2) * passwordLength;
  }
}

// One character over and over: Django's list holds some 170 of these (aaaaaaaa, zzzzzzzz, ...),
// zxcvbn's leaves them out because its own pattern matcher scores repeats. They count as common.
const ONE_CHARACTER_REPEATED = /^(.)\1+$/su;

/**
 * Django's CommonPasswordValidator: refuses a password on the common list (compared lower-cased
 * and stripped of surrounding whitespace, as Django compares), or one character repeated.
 *
 * @example
 *   new CommonPasswordValidator().validate('Qwertyuiop '); // ['This password is too common.']
 */
export class CommonPasswordValidator implements PasswordValidator {
  constructor(private readonly list: () => ReadonlySet<string> = commonPasswords) {}

  validate(password: string): string[] {
    const key = pythonStrip(password.toLowerCase());
    return this.list().has(key) || ONE_CHARACTER_REPEATED.test(key) ? ['This password is too common.'] : [];
  }
}

/**
 * Django's NumericPasswordValidator: refuses a password of digits only (any script's digits).
 *
 * @example
 *   new NumericPasswordValidator().validate('20261201'); // ['This password is entirely numeric.']
 */
export class NumericPasswordValidator implements PasswordValidator {
  validate(password: string): string[] {
    return isPythonDigits(password) ? ['This password is entirely numeric.'] : [];
  }
}

/**
 * The validators a PASSWORD_VALIDATORS setting names, in its order.
 *
 * @example
 *   const validators = validatorsFromSettings([{ name: 'MinimumLengthValidator', options: { min_length: 12 } }]);
 */
export function validatorsFromSettings(configs: readonly PasswordValidatorConfig[]): PasswordValidator[] {
  return configs.map((config): PasswordValidator => {
    switch (config.name) {
      case 'UserAttributeSimilarityValidator':
        return new UserAttributeSimilarityValidator(config.options?.user_attributes, config.options?.max_similarity);
      case 'MinimumLengthValidator':
        return new MinimumLengthValidator(config.options?.min_length);
      case 'CommonPasswordValidator':
        return new CommonPasswordValidator();
      case 'NumericPasswordValidator':
        return new NumericPasswordValidator();
    }
  });
}
