// What a new password must pass wherever one is set: two checks that always hold, then the
// configured validators (PASSWORD_VALIDATORS, then the application's own), every failing one's
// message kept, in order, as Django's validate_password collects them.
import type { PasswordUser, PasswordValidator } from './password-validators';
import { pythonLength, pythonStrip } from './text-similarity';

/**
 * The longest password accepted. Checked before anything is hashed: a slow hash of a huge input
 * would let one request hold a core; no one types more than this.
 */
export const MAX_PASSWORD_LENGTH = 4096;

/**
 * The problems of a password no configuration can allow, in DRF's field messages (those of a
 * CharField with max_length, and of a blank field): too long, or nothing but whitespace. Cheap, so
 * callers run it before reading the user or checking credentials.
 *
 * @example
 *   passwordShapeProblems(' '.repeat(8)); // ['This field may not be blank.']
 */
export function passwordShapeProblems(password: string): string[] {
  if (pythonLength(password) > MAX_PASSWORD_LENGTH) return [`Ensure this field has no more than ${MAX_PASSWORD_LENGTH} characters.`];
  if (pythonStrip(password) === '') return ['This field may not be blank.'];
  return [];
}

/**
 * The rules new passwords are held to: the shape checks, then `validators` in order.
 *
 * @example
 *   const rules = new PasswordRules(validatorsFromSettings(settings.PASSWORD_VALIDATORS));
 *   await rules.problems('aaaaaaaa', { email: 'ann@example.com' }); // ['This password is too common.']
 */
export class PasswordRules {
  constructor(readonly validators: readonly PasswordValidator[]) {}

  /** What is wrong with `password` for `user` (null: judged without one); empty when it passes. */
  async problems(password: string, user: PasswordUser | null): Promise<string[]> {
    const shape = passwordShapeProblems(password);
    if (shape.length > 0) return shape;
    const problems: string[] = [];
    for (const validator of this.validators) problems.push(...(await validator.validate(password, user)));
    return problems;
  }
}
