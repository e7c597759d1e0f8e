// The value parsers of the option tables. Values arrive from code, from a JSON file or from the
// environment, so each parser takes `unknown`, accepts the string forms an environment variable
// can carry, and names the key in its message. The type each one carries says what code may pass.
import { SettingsError } from '../errors';

// Only the type checker ever sees this key; no parser object carries it at run time.
declare const accepts: unique symbol;

/**
 * Checks one value and returns it as the settings hold it. `I` is what callers may pass, as the
 * settings' input type states it; anything else is refused at run time with a SettingsError.
 */
export interface Parser<T, I> {
  (value: unknown, key: string): T;
  readonly [accepts]?: I;
}

/** What a parser lets callers pass. */
export type Accepted<P> = P extends Parser<unknown, infer I> ? I : never;

/** Seconds written with their unit, or as a bare number in a string (an environment variable). */
export type DurationString = `${number}` | `${number}s` | `${number}m` | `${number}h` | `${number}d`;
/** A duration: seconds, or a string such as "300", "5m", "1d". */
export type DurationInput = number | DurationString;
/** A boolean, or one of the strings an environment variable spells it with. */
export type BooleanInput = boolean | 'true' | 'false' | '1' | '0';
/** A whole number, or its digits in a string. */
export type IntegerInput = number | `${number}`;
/** A list, or (where the parser splits it) one string: a single entry or comma-separated entries. */
export type ListInput = string | readonly string[];

const fail = (key: string, problem: string, value: unknown): never => {
  throw new SettingsError(key, `${problem}, got ${JSON.stringify(value)}`);
};

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds from a number or a string such as "300", "5m", "1d". */
export const parseDuration: Parser<number, DurationInput> = (value, key) => {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/.exec(value);
    if (match) return Number(match[1]) * DURATION_UNITS[match[2] || 's'];
  }
  return fail(key, 'must be a duration (seconds, or a string like "5m", "1h", "1d")', value);
};

export const positiveDuration: Parser<number, DurationInput> = (value, key) => {
  const seconds = parseDuration(value, key);
  return seconds > 0 ? seconds : fail(key, 'must be longer than zero', value);
};

export const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER): Parser<number, IntegerInput> =>
  (value, key) => {
    const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max ? n : fail(key, `must be a whole number from ${min} to ${max}`, value);
  };

export const powerOfTwo: Parser<number, IntegerInput> = (value, key) => {
  const n = integer(1024, 1 << 22)(value, key);
  return (n & (n - 1)) === 0 ? n : fail(key, 'must be a power of two', value);
};

export const boolean: Parser<boolean, BooleanInput> = (value, key) => {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return fail(key, 'must be true or false', value);
};

export const text: Parser<string, string> = (value, key) =>
  typeof value === 'string' && value.length > 0 ? value : fail(key, 'must be a non-empty string', value);

export const optionalText: Parser<string | null, string | null> = (value, key) => (value === null ? null : text(value, key));

export const oneOf =
  <T extends string>(choices: readonly T[]): Parser<T, T> =>
  (value, key) =>
    choices.includes(value as T) ? (value as T) : fail(key, `must be one of ${choices.join(', ')}`, value);

/** A non-empty list of strings; one string is a list of one. */
export const textList: Parser<readonly string[], ListInput> = (value, key) => {
  const list = typeof value === 'string' ? [value] : value;
  if (Array.isArray(list) && list.length > 0 && list.every((item): item is string => typeof item === 'string' && item.length > 0)) {
    return Object.freeze([...list]);
  }
  return fail(key, 'must be a non-empty list of strings', value);
};

export const audience: Parser<string | readonly string[] | null, ListInput | null> = (value, key) =>
  value === null ? null : typeof value === 'string' ? text(value, key) : textList(value, key);

export const claimName: Parser<string, string> = (value, key) =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(String(value)) ? String(value) : fail(key, 'must be a claim name ([A-Za-z_][A-Za-z0-9_]*)', value);

export const urlPrefix: Parser<string, string> = (value, key) => {
  const prefix = text(value, key);
  return /^\/[A-Za-z0-9/_-]*$/.test(prefix) ? prefix.replace(/\/+$/, '') : fail(key, 'must be a path starting with "/"', value);
};

// RFC 6265 cookie-name characters (an HTTP token), so a name never needs quoting or escaping.
export const cookieName: Parser<string, string> = (value, key) =>
  typeof value === 'string' && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value)
    ? value
    : fail(key, "must be a cookie name (letters, digits and !#$%&'*+-.^_`|~)", value);

export const headerName: Parser<string, string> = (value, key) =>
  typeof value === 'string' && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value) ? value : fail(key, 'must be an HTTP header name', value);

export const cookiePath: Parser<string, string> = (value, key) =>
  typeof value === 'string' && /^\/[\x21-\x3a\x3c-\x7e]*$/.test(value) ? value : fail(key, 'must be a path starting with "/" (no spaces or ";")', value);

export const optionalDomain: Parser<string | null, string | null> = (value, key) =>
  value === null
    ? null
    : typeof value === 'string' && /^\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(value)
      ? value
      : fail(key, 'must be a domain name such as "example.com", or null', value);

export const optionalDuration: Parser<number | null, DurationInput | null> = (value, key) => (value === null ? null : positiveDuration(value, key));

/** A comma-separated string (as environment variables carry lists) as its items; anything else as given. */
const splitCommas = (value: unknown): unknown =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : value;

/** A list of origins (`scheme://host[:port]`), normalised as browsers send them in `Origin`. */
export const originList: Parser<readonly string[], ListInput> = (value, key) => {
  const list = splitCommas(value);
  if (!Array.isArray(list)) return fail(key, 'must be a list of origins such as ["https://app.example.com"]', value);
  return Object.freeze(
    list.map((item) => {
      let url: URL | null;
      try {
        url = typeof item === 'string' ? new URL(item) : null;
      } catch {
        url = null;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search || url.hash || url.username) {
        return fail(key, 'must list origins as scheme://host[:port], without a path', item);
      }
      return url.origin;
    }),
  );
};

/** A possibly empty list of claim names. */
export const claimNameList: Parser<readonly string[], ListInput> = (value, key) => {
  const list = splitCommas(value);
  if (!Array.isArray(list)) return fail(key, 'must be a list of claim names', value);
  return Object.freeze(list.map((item) => claimName(item, key)));
};

export const optionalClaimName: Parser<string | null, string | null> = (value, key) => (value === null ? null : claimName(value, key));

export const optionalBoolean: Parser<boolean | null, BooleanInput | null> = (value, key) => (value === null ? null : boolean(value, key));

/** A limit of so many events per window, e.g. 10 failed logins per 15 minutes. */
export interface RateLimit {
  readonly points: number;
  /** The window, in whole seconds. */
  readonly seconds: number;
}

/**
 * A limit as the settings hold it: frozen, and written back as `"N/duration"` by JSON (the settings
 * table, a dump of the settings), so it reads as it was given.
 *
 * @example
 *   JSON.stringify(rateLimit(10, 900)); // '"10/15m"'
 */
export function rateLimit(points: number, seconds: number): RateLimit {
  const unit = [...Object.entries(DURATION_UNITS)].reverse().find(([, size]) => seconds % size === 0) ?? ['s', 1];
  const written = `${points}/${seconds / unit[1]}${unit[0]}`;
  return Object.freeze(Object.defineProperty({ points, seconds }, 'toJSON', { value: () => written, enumerable: false }));
}

/** `"N/duration"` ("10/15m", "100/1h", "3/2s"), a parsed limit, or `"off"` / null for no limit. */
export type RateLimitInput = `${number}/${DurationString}` | RateLimit | 'off' | null;

/**
 * A limit written `"N/duration"`: N (at least 1) events per window, the window a duration of at
 * least one whole second (the Redis store counts in seconds). `"off"` or null: no limit.
 */
export const optionalRateLimit: Parser<RateLimit | null, RateLimitInput> = (value, key) => {
  if (value === null || value === 'off') return null;
  const problem = 'must be "N/duration" (e.g. "10/15m": N attempts per window of whole seconds), or "off" or null';
  let points: unknown;
  let seconds: unknown;
  if (typeof value === 'object' && value !== null && Object.keys(value).sort().join() === 'points,seconds') {
    // Settings already resolved, passed again (a copy with another value changed).
    ({ points, seconds } = value as RateLimit);
  } else {
    const match = typeof value === 'string' ? /^\s*(\d+)\s*\/\s*(.+)$/.exec(value) : null;
    if (!match) return fail(key, problem, value);
    points = Number(match[1]);
    try {
      seconds = positiveDuration(match[2], key);
    } catch {
      return fail(key, problem, value);
    }
  }
  if (typeof points !== 'number' || typeof seconds !== 'number' || seconds < 1) return fail(key, problem, value);
  if (!Number.isSafeInteger(points) || points < 1 || !Number.isInteger(seconds)) return fail(key, problem, value);
  return rateLimit(points, seconds);
};

/**
 * The array a list setting was given, or the array its JSON text (from an environment variable)
 * holds; anything else is refused naming `what` the list holds and an `example` of one.
 *
 * @example
 *   const list = listSetting('[{"name": "a"}]', 'OIDC_PROVIDERS', 'providers', '[{"name": "corp"}]');
 */
export function listSetting(value: unknown, key: string, what: string, example: string): readonly unknown[] {
  let list = value;
  if (typeof value === 'string') {
    try {
      list = JSON.parse(value) as unknown;
    } catch {
      throw new SettingsError(key, `must be a list of ${what} (or its JSON text), got ${JSON.stringify(value)}`);
    }
  }
  if (!Array.isArray(list)) throw new SettingsError(key, `must be a list of ${what} such as ${example}, got ${JSON.stringify(value)}`);
  return list;
}
