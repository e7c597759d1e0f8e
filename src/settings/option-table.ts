// Option tables and the one way settings are made from them: every key checked, defaults filled
// in, the result frozen and marked as resolved, so a service handed it need not check it again.
import { SettingsError } from '../errors';
import type { Accepted, Parser } from './parsers';

/** One option: its default (undefined: required), its parser and what it means. */
export interface Option<T, I = unknown> {
  readonly default: T | undefined;
  readonly parse: Parser<T, I>;
  readonly doc: string;
}

/** What a table of settings `T` must hold: one option per key, whatever input each accepts. */
export type OptionsFor<T> = { readonly [K in keyof T]: Option<T[K]> };

/** A table as the rest of the code sees it: read-only options, each with the input its parser accepts. */
export type OptionTable<T, Table extends OptionsFor<T>> = { readonly [K in keyof T]: Option<T[K], Accepted<Table[K]['parse']>> };

/** What callers may pass for a table: any subset of its keys, each as its parser accepts it. */
export type InputOf<Table> = { -readonly [K in keyof Table]?: Table[K] extends Option<unknown, infer I> ? I : never };

// Holds, on every settings object resolveOptions returns, the table it was checked against. Not
// exported, so nothing else can make an object pass for resolved settings; a frozen object alone
// does not, since anyone can freeze one.
const RESOLVED = Symbol('easyjwt.resolvedSettings');

/**
 * Checks `input` against an option table: unknown keys and bad values throw a SettingsError naming
 * the key, missing ones take their defaults. `check` then sees the whole result, for rules that
 * span several keys. Returns the result frozen and marked, for isResolvedBy.
 */
export function resolveOptions<T>(table: OptionsFor<T>, input: object, check: (settings: T) => void): T {
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(table, key)) throw new SettingsError(key, `is not a known setting (known: ${Object.keys(table).join(', ')})`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, option] of Object.entries<Option<unknown>>(table)) {
    const given: unknown = (input as Readonly<Record<string, unknown>>)[key];
    if (given === undefined) {
      if (option.default === undefined) throw new SettingsError(key, 'is required and has no default');
      out[key] = option.default;
    } else {
      out[key] = option.parse(given, key);
    }
  }
  check(out as T);
  // Not enumerable: spreads, JSON and deep comparisons see the settings only. A spread copy loses
  // the mark, so a copy with a value changed is checked again.
  Object.defineProperty(out, RESOLVED, { value: table });
  return Object.freeze(out) as T;
}

/** Whether `value` came out of resolveOptions for `table` (an object's own mark, never an inherited one). */
export function isResolvedBy<T>(value: unknown, table: OptionsFor<T>): value is T {
  return typeof value === 'object' && value !== null && Object.getOwnPropertyDescriptor(value, RESOLVED)?.value === table;
}
