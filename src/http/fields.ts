// Field checks with DRF's exact messages, for the few string fields the endpoints take.
import { ValidationFailed } from '../errors';

/** How one string field is read, as DRF's CharField does. */
export interface StringField {
  /** Strip surrounding whitespace before the blank check (DRF's default; off for passwords). */
  readonly trim?: boolean;
}

/** The Python type name DRF would report for a parsed JSON value. */
function pythonTypeName(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return typeof value;
}

/**
 * Reads required string fields from a parsed body, or throws ValidationFailed with every field's
 * problem at once. Numbers are accepted as their text, as DRF's CharField does.
 *
 * @example
 *   const { email, password } = requireStrings(body, { email: {}, password: { trim: false } });
 */
export function requireStrings<K extends string>(body: unknown, fields: Record<K, StringField>): Record<K, string> {
  if (body === null || body === undefined) throw new ValidationFailed({ non_field_errors: ['No data provided'] });
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationFailed({ non_field_errors: [`Invalid data. Expected a dictionary, but got ${pythonTypeName(body)}.`] });
  }
  const source = body as Record<string, unknown>;
  const values = {} as Record<K, string>;
  const problems: Record<string, string[]> = {};
  for (const [name, field] of Object.entries(fields) as [K, StringField][]) {
    const value = source[name];
    if (value === undefined) {
      problems[name] = ['This field is required.'];
    } else if (value === null) {
      problems[name] = ['This field may not be null.'];
    } else if (typeof value !== 'string' && typeof value !== 'number') {
      problems[name] = ['Not a valid string.'];
    } else {
      const text = field.trim === false ? String(value) : String(value).trim();
      if (text === '') problems[name] = ['This field may not be blank.'];
      else values[name] = text;
    }
  }
  if (Object.keys(problems).length > 0) throw new ValidationFailed(problems);
  return values;
}
