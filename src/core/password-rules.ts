// The password rules Django applies by default that make sense without a user table to compare
// against: long enough, not only digits, not one of the most common passwords.

const MINIMUM_LENGTH = 8;

// A short list of the most common passwords of at least eight characters: the ones an attacker
// tries first. Django ships 20,000; the first few dozen catch most real cases.
const COMMON = new Set([
  'password',
  'password1',
  'password123',
  '12345678',
  '123456789',
  '1234567890',
  'qwertyuiop',
  'qwerty123',
  'iloveyou',
  'sunshine',
  'princess',
  'football',
  'baseball',
  'welcome1',
  'welcome123',
  'abc12345',
  'trustno1',
  'superman',
  'whatever',
  'starwars',
  'michelle',
  'jennifer',
  'computer',
  'corvette',
  'letmein1',
  'passw0rd',
  'p@ssw0rd',
  'admin123',
  'administrator',
  'changeme',
  '11111111',
  '00000000',
]);

/**
 * Problems with a new password, in Django's words; empty when it is acceptable.
 *
 * @example
 *   passwordProblems('123'); // ['This password is too short. ...', 'This password is entirely numeric.']
 */
export function passwordProblems(password: string): string[] {
  const problems: string[] = [];
  if (password.length < MINIMUM_LENGTH) {
    problems.push(`This password is too short. It must contain at least ${MINIMUM_LENGTH} characters.`);
  }
  if (COMMON.has(password.toLowerCase())) problems.push('This password is too common.');
  if (/^\d+$/.test(password)) problems.push('This password is entirely numeric.');
  return problems;
}
