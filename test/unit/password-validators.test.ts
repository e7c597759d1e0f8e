// Django's password validators as ported: difflib's quick_ratio and Python's text rules, each
// validator's message, the rules that hold whatever the configuration, and the PASSWORD_VALIDATORS
// setting's start-up checks. The comparison with Django itself is in test/interop/.
import { expect } from 'chai';
import { MAX_PASSWORD_LENGTH, PasswordRules, passwordShapeProblems } from '../../src/core/password-rules';
import {
  CommonPasswordValidator,
  MinimumLengthValidator,
  NumericPasswordValidator,
  UserAttributeSimilarityValidator,
  validatorsFromSettings,
} from '../../src/core/password-validators';
import { commonPasswords } from '../../src/core/common-passwords';
import { isPythonDigits, pythonLength, pythonStrip, quickRatio, splitOnNonWord } from '../../src/core/text-similarity';
import { SettingsError } from '../../src/errors';
import { DEFAULT_PASSWORD_VALIDATORS, resolveSettings } from '../../src/settings';

const KEY = 'password-test-key-of-at-least-32-bytes!';

describe('text measures in Python terms', () => {
  it("gives difflib's quick_ratio (values from CPython 3.11)", () => {
    expect(quickRatio('abcd', 'bcde')).to.equal(0.75);
    expect(quickRatio('', '')).to.equal(1);
    expect(quickRatio('x', '')).to.equal(0);
    expect(quickRatio('aab', 'abb')).to.equal(2 / 3);
    expect(quickRatio('pässwörd🔑', '🔑drow')).to.equal(0.5714285714285714);
    expect(quickRatio('user-pass', 'user@test.com')).to.equal(0.45454545454545453);
  });

  it("splits as re.split(r'\\W+') does, and counts, strips and recognises digits as Python does", () => {
    expect(splitOnNonWord('ann.lee@example.com')).to.deep.equal(['ann', 'lee', 'example', 'com']);
    expect(splitOnNonWord('@jo--x_y.')).to.deep.equal(['', 'jo', 'x_y', '']);
    expect(splitOnNonWord('józef.brzęczy')).to.deep.equal(['józef', 'brzęczy']);
    expect(pythonLength('🔑🔑')).to.equal(2);
    expect(pythonStrip('\x1c\u3000 a b \x85')).to.equal('a b');
    expect(pythonStrip('\uFEFFa')).to.equal('\uFEFFa');
    expect(isPythonDigits('²³⁴')).to.equal(true);
    expect(isPythonDigits('١٢٣')).to.equal(true);
    expect(isPythonDigits('½')).to.equal(false);
    expect(isPythonDigits('')).to.equal(false);
  });
});

describe("Django's validators", () => {
  it('MinimumLengthValidator counts characters, with ngettext singular and plural', () => {
    expect(new MinimumLengthValidator().validate('1234567')).to.deep.equal(['This password is too short. It must contain at least 8 characters.']);
    expect(new MinimumLengthValidator().validate('🔑'.repeat(8))).to.deep.equal([]);
    expect(new MinimumLengthValidator(1).validate('')).to.deep.equal(['This password is too short. It must contain at least 1 character.']);
  });

  it('UserAttributeSimilarityValidator names the attribute by its verbose name, and needs a user', () => {
    const user = { email: 'ann.lee@example.com', username: 'stardust42', firstName: 'Annabelle', lastName: 'Fitzgerald' };
    const similarity = new UserAttributeSimilarityValidator();
    expect(similarity.validate('ANN.LEE@example.com', user)).to.deep.equal(['The password is too similar to the email address.']);
    expect(similarity.validate('annabelle', user)).to.deep.equal(['The password is too similar to the first name.']);
    expect(similarity.validate('fitzgerald1', user)).to.deep.equal(['The password is too similar to the last name.']);
    expect(similarity.validate('stardust42', user)).to.deep.equal(['The password is too similar to the username.']);
    expect(similarity.validate('stardust42', null)).to.deep.equal([]);
    expect(new UserAttributeSimilarityValidator(['email']).validate('stardust42', user)).to.deep.equal([]);
    expect(() => new UserAttributeSimilarityValidator(undefined, 0.05)).to.throw(RangeError, 'max_similarity must be at least 0.1');
  });

  it('UserAttributeSimilarityValidator skips parts far shorter than a long password, as Django does', () => {
    // 'ann' shares all its letters with the password, but is a tenth of its length or less.
    expect(new UserAttributeSimilarityValidator(['first_name'], 0.1).validate(`ann${'z'.repeat(60)}`, { firstName: 'ann' })).to.deep.equal([]);
    expect(new UserAttributeSimilarityValidator(['first_name'], 0.1).validate(`ann${'z'.repeat(20)}`, { firstName: 'ann' })).to.deep.equal([
      'The password is too similar to the first name.',
    ]);
  });

  it('CommonPasswordValidator compares lower-cased and stripped, and counts one character repeated as common', () => {
    const common = new CommonPasswordValidator();
    for (const password of ['qwertyui', '1q2w3e4r', ' QWERTYUIOP ', 'Password123', 'aaaaaaaa', '!!!!!!!!!!']) {
      expect(common.validate(password), password).to.deep.equal(['This password is too common.']);
    }
    expect(common.validate('correct horse battery staple')).to.deep.equal([]);
    expect(common.validate('ab')).to.deep.equal([]);
  });

  it('CommonPasswordValidator uses the whole zxcvbn-ts list, lower-case', () => {
    const list = commonPasswords();
    expect(list.size).to.equal(49233);
    expect([...list].every((password) => password === password.toLowerCase())).to.equal(true);
  });

  it('NumericPasswordValidator refuses digits only', () => {
    expect(new NumericPasswordValidator().validate('20261201')).to.deep.equal(['This password is entirely numeric.']);
    expect(new NumericPasswordValidator().validate('2026-12-01')).to.deep.equal([]);
  });
});

describe('PasswordRules', () => {
  const rules = new PasswordRules(validatorsFromSettings(DEFAULT_PASSWORD_VALIDATORS));

  it("lists every failing validator's message, in the validators' order", async () => {
    expect(await rules.problems('1234567', null)).to.deep.equal([
      'This password is too short. It must contain at least 8 characters.',
      'This password is too common.',
      'This password is entirely numeric.',
    ]);
    expect(await rules.problems('correct horse battery staple', { email: 'ann@example.com' })).to.deep.equal([]);
  });

  it('refuses a password over 4096 characters or only whitespace whatever the validators, alone', async () => {
    const none = new PasswordRules([]);
    expect(await none.problems('x'.repeat(MAX_PASSWORD_LENGTH + 1), null)).to.deep.equal(['Ensure this field has no more than 4096 characters.']);
    expect(await none.problems('🔑'.repeat(MAX_PASSWORD_LENGTH), null)).to.deep.equal([]);
    expect(await none.problems(' \t '.repeat(4), null)).to.deep.equal(['This field may not be blank.']);
    expect(await rules.problems('', null)).to.deep.equal(['This field may not be blank.']);
    expect(passwordShapeProblems(' a ')).to.deep.equal([]);
  });

  it("runs an application's own validators, awaited, after the configured ones", async () => {
    const custom = new PasswordRules([
      new MinimumLengthValidator(10),
      { validate: async (password) => (password.includes('acme') ? ['No company names.'] : []) },
    ]);
    expect(await custom.problems('acme-1', null)).to.deep.equal(['This password is too short. It must contain at least 10 characters.', 'No company names.']);
  });
});

describe('PASSWORD_VALIDATORS', () => {
  function refusal(value: unknown): string {
    try {
      resolveSettings({ SIGNING_KEY: KEY, PASSWORD_VALIDATORS: value as never });
    } catch (error) {
      expect(error).to.be.instanceOf(SettingsError);
      return (error as Error).message;
    }
    throw new Error(`expected ${JSON.stringify(value)} to be refused`);
  }

  it("defaults to Django's four, in its order", () => {
    expect(resolveSettings({ SIGNING_KEY: KEY }).PASSWORD_VALIDATORS.map((entry) => entry.name)).to.deep.equal([
      'UserAttributeSimilarityValidator',
      'MinimumLengthValidator',
      'CommonPasswordValidator',
      'NumericPasswordValidator',
    ]);
  });

  it("takes Django's names and options, its NAME/OPTIONS spelling and dotted paths, and JSON text", () => {
    const settings = resolveSettings({
      SIGNING_KEY: KEY,
      PASSWORD_VALIDATORS: [
        { name: 'MinimumLengthValidator', options: { min_length: 12 } },
        { NAME: 'django.contrib.auth.password_validation.UserAttributeSimilarityValidator', OPTIONS: { user_attributes: ['email'], max_similarity: 0.5 } },
      ] as never,
    });
    expect(settings.PASSWORD_VALIDATORS).to.deep.equal([
      { name: 'MinimumLengthValidator', options: { min_length: 12 } },
      { name: 'UserAttributeSimilarityValidator', options: { user_attributes: ['email'], max_similarity: 0.5 } },
    ]);
    expect(Object.isFrozen(settings.PASSWORD_VALIDATORS[1].options)).to.equal(true);
    expect(resolveSettings({ SIGNING_KEY: KEY, PASSWORD_VALIDATORS: '[{"name":"NumericPasswordValidator"}]' }).PASSWORD_VALIDATORS).to.deep.equal([
      { name: 'NumericPasswordValidator' },
    ]);
    expect(resolveSettings({ SIGNING_KEY: KEY, PASSWORD_VALIDATORS: [] }).PASSWORD_VALIDATORS).to.deep.equal([]);
  });

  it('refuses at start-up, naming the entry and what is wrong', () => {
    expect(refusal([{ name: 'MinLengthValidator' }])).to.equal(
      'Invalid setting PASSWORD_VALIDATORS: entry 1: unknown validator "MinLengthValidator" (known: UserAttributeSimilarityValidator, MinimumLengthValidator, CommonPasswordValidator, NumericPasswordValidator)',
    );
    expect(refusal([{ name: 'NumericPasswordValidator' }, { name: 'MinimumLengthValidator', options: { minlength: 10 } }])).to.equal(
      'Invalid setting PASSWORD_VALIDATORS: entry 2: MinimumLengthValidator has no option "minlength" (known: min_length)',
    );
    expect(refusal([{ name: 'MinimumLengthValidator', options: { min_length: '10' } }])).to.contain(
      'option min_length of MinimumLengthValidator must be a whole number',
    );
    expect(refusal([{ name: 'UserAttributeSimilarityValidator', options: { max_similarity: 0.05 } }])).to.contain('must be a number from 0.1 to 1, got 0.05');
    expect(refusal([{ name: 'UserAttributeSimilarityValidator', options: { user_attributes: ['phone'] } }])).to.contain(
      'must be a list of username, first_name, last_name, email',
    );
    expect(refusal([{ name: 'CommonPasswordValidator', options: { password_list_path: '/x' } }])).to.contain(
      'has no option "password_list_path" (it takes none)',
    );
    expect(refusal([{ name: 'NumericPasswordValidator', extra: 1 }])).to.contain('unknown field "extra"');
    expect(refusal(['MinimumLengthValidator'])).to.contain('entry 1: must be an object');
    expect(refusal({ name: 'MinimumLengthValidator' })).to.contain('must be a list of validators');
    expect(refusal('not json')).to.contain('must be a list of validators (or its JSON text)');
  });
});
