// PASSWORD_VALIDATORS: Django's AUTH_PASSWORD_VALIDATORS as a setting. Each entry names one of
// Django's four validators and may give it Django's options; everything is checked here, at
// start-up, so a typo in a name or an option stops the service instead of silently weakening it.
import type { Parser } from './parsers';
import { listSetting } from './parsers';
import { SettingsError } from '../errors';

/** The user fields UserAttributeSimilarityValidator may compare against, by Django's names. */
export const USER_ATTRIBUTES = ['username', 'first_name', 'last_name', 'email'] as const;
export type UserAttribute = (typeof USER_ATTRIBUTES)[number];

/** One validator and its options, as Django's AUTH_PASSWORD_VALIDATORS spells them. */
export type PasswordValidatorConfig =
  | {
      readonly name: 'UserAttributeSimilarityValidator';
      readonly options?: { readonly user_attributes?: readonly UserAttribute[]; readonly max_similarity?: number };
    }
  | { readonly name: 'MinimumLengthValidator'; readonly options?: { readonly min_length?: number } }
  | { readonly name: 'CommonPasswordValidator'; readonly options?: Readonly<Record<string, never>> }
  | { readonly name: 'NumericPasswordValidator'; readonly options?: Readonly<Record<string, never>> };

export type PasswordValidatorName = PasswordValidatorConfig['name'];

/** Django's defaults, in the order its project template lists them. */
export const DEFAULT_PASSWORD_VALIDATORS: readonly PasswordValidatorConfig[] = Object.freeze([
  { name: 'UserAttributeSimilarityValidator' },
  { name: 'MinimumLengthValidator' },
  { name: 'CommonPasswordValidator' },
  { name: 'NumericPasswordValidator' },
]);

/** The longest min_length: beyond the longest password accepted, no password could pass. */
export const MAX_MIN_LENGTH = 4096;

type OptionCheck = (value: unknown) => string | null;

const OPTION_CHECKS: Readonly<Record<PasswordValidatorName, Readonly<Record<string, OptionCheck>>>> = {
  UserAttributeSimilarityValidator: {
    user_attributes: (value) =>
      Array.isArray(value) && value.every((item) => USER_ATTRIBUTES.includes(item as UserAttribute)) ? null : `must be a list of ${USER_ATTRIBUTES.join(', ')}`,
    // Django refuses less than 0.1: almost every password would then be "too similar".
    max_similarity: (value) => (typeof value === 'number' && Number.isFinite(value) && value >= 0.1 && value <= 1 ? null : 'must be a number from 0.1 to 1'),
  },
  MinimumLengthValidator: {
    min_length: (value) =>
      typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_MIN_LENGTH
        ? null
        : `must be a whole number from 0 to ${MAX_MIN_LENGTH}`,
  },
  CommonPasswordValidator: {},
  NumericPasswordValidator: {},
};

const NAMES = Object.keys(OPTION_CHECKS) as PasswordValidatorName[];

// Django's dotted path names the same validator, so a list carried over from settings.py works.
const DJANGO_MODULE = 'django.contrib.auth.password_validation.';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function entryOf(item: unknown, where: string, key: string): PasswordValidatorConfig {
  const fail = (problem: string): never => {
    throw new SettingsError(key, `${where}: ${problem}`);
  };
  if (!isRecord(item)) return fail(`must be an object such as {"name": "MinimumLengthValidator", "options": {"min_length": 12}}, got ${JSON.stringify(item)}`);
  // Django's own spelling (NAME, OPTIONS) is accepted as well.
  const nameValue = item.name ?? item.NAME;
  const optionsValue = item.options ?? item.OPTIONS;
  for (const field of Object.keys(item)) {
    if (!['name', 'options', 'NAME', 'OPTIONS'].includes(field)) fail(`unknown field ${JSON.stringify(field)} (known: name, options)`);
  }
  const given = typeof nameValue === 'string' ? nameValue.replace(DJANGO_MODULE, '') : nameValue;
  if (!NAMES.includes(given as PasswordValidatorName)) return fail(`unknown validator ${JSON.stringify(nameValue)} (known: ${NAMES.join(', ')})`);
  const name = given as PasswordValidatorName;
  const checks = OPTION_CHECKS[name];
  if (optionsValue === undefined) return { name };
  if (!isRecord(optionsValue)) return fail(`options of ${name} must be an object, got ${JSON.stringify(optionsValue)}`);
  for (const [option, value] of Object.entries(optionsValue)) {
    const known = Object.keys(checks);
    if (!Object.hasOwn(checks, option))
      fail(`${name} has no option ${JSON.stringify(option)} (${known.length ? `known: ${known.join(', ')}` : 'it takes none'})`);
    const problem = checks[option](value);
    if (problem) fail(`option ${option} of ${name} ${problem}, got ${JSON.stringify(value)}`);
  }
  const options: Record<string, unknown> = { ...optionsValue };
  if (Array.isArray(options.user_attributes)) options.user_attributes = Object.freeze([...(options.user_attributes as unknown[])]);
  return Object.freeze({ name, options: Object.freeze(options) }) as PasswordValidatorConfig;
}

/**
 * A list of validators, given as an array or (from an environment variable) its JSON text. An
 * empty list turns validation off, as in Django; the length cap and blank check stay.
 */
export const passwordValidatorList: Parser<readonly PasswordValidatorConfig[], readonly PasswordValidatorConfig[] | string> = (value, key) => {
  const list = listSetting(value, key, 'validators', '[{"name": "MinimumLengthValidator"}]');
  return Object.freeze(list.map((item, index) => entryOf(item, `entry ${index + 1}`, key)));
};
