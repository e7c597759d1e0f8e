// Our password validators against Django's own validate_password, run by Debian's Django over the
// same table of passwords and users: the same messages, in the same order, for every row. Django's
// CommonPasswordValidator is handed our list, so the algorithms are compared, not the lists.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commonPasswords } from '../../src/core/common-passwords';
import { PasswordRules } from '../../src/core/password-rules';
import type { PasswordUser } from '../../src/core/password-validators';
import { MinimumLengthValidator, validatorsFromSettings } from '../../src/core/password-validators';
import type { PasswordValidatorConfig } from '../../src/settings';
import { DEFAULT_PASSWORD_VALIDATORS } from '../../src/settings';
import { requireDjango, runSystemPython } from '../support/django';

interface DjangoUser {
  email?: string;
  username?: string;
  first_name?: string;
  last_name?: string;
}

const USERS: (DjangoUser | null)[] = [
  null,
  { email: 'ann.lee@example.com', username: 'annlee', first_name: 'Ann', last_name: 'Lee' },
  { email: 'jo@x.io', username: '', first_name: 'Józefina', last_name: 'Brzęczyszczykiewicz' },
  { email: 'stardust42@mail.test', username: 'stardust42' },
  { email: 'user@test.com' },
];

const PASSWORDS = [
  'ann.lee@example.com',
  'ANN.LEE@EXAMPLE.COM',
  'annlee2024',
  'leeann!',
  'example-com',
  'correct horse battery staple',
  'user-pass',
  'user@test.com',
  'test-user-pass',
  'józefina1',
  'brzeczyszczykiewicz',
  'Brzęczyszczykiewicz',
  'dust42star',
  'stardust',
  `${'zq'.repeat(60)}ann`,
  `stardust42${'-'.repeat(100)}`,
  'qwertyuiop',
  ' Qwertyuiop ',
  'Password1',
  '1q2w3e4r',
  'qwertyui',
  '12345678901',
  '1234',
  '١٢٣٤٥٦٧٨٩',
  '²³⁴⁵⁶⁷⁸⁹',
  '½¼¾½¼¾½¼',
  'short',
  'abc',
  '🔑🔒🔓🔐🗝x',
  'pässwörd',
  'monkey123',
  'iloveyou2',
  'dragon',
  '2024-12-01',
  'hunter2hunter',
  'Tr0ub4dor&3',
];

/** Our setting and Django's AUTH_PASSWORD_VALIDATORS for the same list; `listPath` is our common list as a file. */
function bothConfigs(configs: readonly PasswordValidatorConfig[], listPath: string): { ours: readonly PasswordValidatorConfig[]; django: object[] } {
  const django = configs.map((config) => ({
    NAME: `django.contrib.auth.password_validation.${config.name}`,
    OPTIONS: config.name === 'CommonPasswordValidator' ? { password_list_path: listPath } : (config.options ?? {}),
  }));
  return { ours: configs, django };
}

const ourUser = (user: DjangoUser | null): PasswordUser | null =>
  user && { email: user.email, username: user.username, firstName: user.first_name, lastName: user.last_name };

describe("password validators against Django's validate_password", function () {
  this.timeout(60000);
  requireDjango();
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'easyjwt-passwords-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function djangoMessages(validators: object[], rows: { password: string; user: DjangoUser | null }[]): Promise<string[][]> {
    const request = join(dir, `request-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(request, JSON.stringify({ validators, rows }));
    const result = await runSystemPython(['validate_passwords.py', request]);
    expect(result.code, result.stderr).to.equal(0);
    return JSON.parse(result.stdout) as string[][];
  }

  async function compare(configs: readonly PasswordValidatorConfig[]): Promise<Set<string>> {
    const listPath = join(dir, 'common-passwords.txt');
    writeFileSync(listPath, [...commonPasswords()].join('\n'));
    const { ours, django } = bothConfigs(configs, listPath);
    const rows = USERS.flatMap((user) => PASSWORDS.map((password) => ({ password, user })));
    const expected = await djangoMessages(django, rows);
    const rules = new PasswordRules(validatorsFromSettings(ours));
    const actual = await Promise.all(rows.map((row) => rules.problems(row.password, ourUser(row.user))));
    const refused = expected.filter((messages) => messages.length > 0).length;
    // The table exercises every validator, and both ways.
    expect(refused).to.be.greaterThan(rows.length / 4);
    expect(refused).to.be.lessThan(rows.length);
    rows.forEach((row, index) => {
      expect(actual[index], `${JSON.stringify(row.password)} for ${JSON.stringify(row.user)}`).to.deep.equal(expected[index]);
    });
    return new Set(expected.flat());
  }

  it('gives the messages Django gives with the four default validators', async () => {
    const messages = await compare(DEFAULT_PASSWORD_VALIDATORS);
    expect([...messages].sort()).to.deep.equal([
      'The password is too similar to the email address.',
      'The password is too similar to the first name.',
      'The password is too similar to the last name.',
      'The password is too similar to the username.',
      'This password is entirely numeric.',
      'This password is too common.',
      'This password is too short. It must contain at least 8 characters.',
    ]);
  });

  it('gives the messages Django gives with options: attributes, similarity, length', async () => {
    await compare([
      { name: 'UserAttributeSimilarityValidator', options: { user_attributes: ['email', 'first_name'], max_similarity: 0.5 } },
      { name: 'MinimumLengthValidator', options: { min_length: 12 } },
      { name: 'NumericPasswordValidator' },
      { name: 'CommonPasswordValidator' },
    ]);
  });

  it('gives the messages Django gives at the edges: identical only, a minimum of nine', async () => {
    await compare([
      { name: 'UserAttributeSimilarityValidator', options: { max_similarity: 1 } },
      { name: 'MinimumLengthValidator', options: { min_length: 9 } },
    ]);
  });

  it('says "character" for a minimum of one, as Django does', async () => {
    // Only the empty password is shorter than one, and the blank check answers it before any
    // validator, so the validator is asked directly.
    const django = await djangoMessages(
      [{ NAME: 'django.contrib.auth.password_validation.MinimumLengthValidator', OPTIONS: { min_length: 1 } }],
      [{ password: '', user: null }],
    );
    expect(django[0]).to.deep.equal(['This password is too short. It must contain at least 1 character.']);
    expect(new MinimumLengthValidator(1).validate('')).to.deep.equal(django[0]);
  });

  it("refuses repeated characters as Django's own list does", async () => {
    const repeated = ['aaaaaaaa', 'zzzzzzzz', 'xxxxxxxxxx', 'qqqqqqqq'];
    const django = await djangoMessages(
      [{ NAME: 'django.contrib.auth.password_validation.CommonPasswordValidator' }],
      repeated.map((password) => ({ password, user: null })),
    );
    const rules = new PasswordRules(validatorsFromSettings([{ name: 'CommonPasswordValidator' }]));
    for (const [index, password] of repeated.entries()) {
      expect(django[index]).to.deep.equal(['This password is too common.']);
      expect(await rules.problems(password, null)).to.deep.equal(django[index]);
    }
  });
});
