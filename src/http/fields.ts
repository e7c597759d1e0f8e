// Field checks with DRF's exact messages, for the few string fields the endpoints take.
import { ValidationFailed } from '../errors';

/** How one string field is read, as DRF's CharField does. */
export interface StringField {
  /** Strip surrounding whitespace before the blank check (DRF's default; off for passwords). */
  readonly trim?: boolean;
}

/** A field `readStrings` reads: a StringField that may also be left out, blank or null. */
export interface OptionalStringField extends StringField {
  /** Whether a body without it is refused (DRF's default); when not, it is simply absent from the result. */
  readonly required?: boolean;
  /** Whether `""` (after trimming) is kept rather than refused as blank (DRF's `allow_blank`). */
  readonly allowBlank?: boolean;
  /** Whether `null` is kept rather than refused (DRF's `allow_null`). */
  readonly allowNull?: boolean;
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
  const { values, problems } = readFields(body, fields);
  if (Object.keys(problems).length > 0) throw new ValidationFailed(problems);
  return values as Record<K, string>;
}

/**
 * Reads string fields that may be optional, blank or null, as DRF's CharField options allow, and
 * answers the values read with every field's problem; the caller adds its own checks (lengths,
 * formats) to the same problems before refusing, so the answer lists them all, in field order.
 * A field left out is absent from `values`; keys the fields do not name are ignored.
 *
 * @example
 *   const { values, problems } = readStrings(body, { email: {}, phone: { required: false, allowBlank: true, allowNull: true } });
 */
export function readStrings<K extends string>(
  body: unknown,
  fields: Record<K, OptionalStringField>,
): { values: Partial<Record<K, string | null>>; problems: Record<string, string[]> } {
  return readFields(body, fields);
}

function readFields<K extends string>(body: unknown, fields: Record<K, OptionalStringField>) {
  if (body === null || body === undefined) throw new ValidationFailed({ non_field_errors: ['No data provided'] });
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationFailed({ non_field_errors: [`Invalid data. Expected a dictionary, but got ${pythonTypeName(body)}.`] });
  }
  const source = body as Record<string, unknown>;
  const values: Partial<Record<K, string | null>> = {};
  const problems: Record<string, string[]> = {};
  for (const [name, field] of Object.entries(fields) as [K, OptionalStringField][]) {
    // Own keys only: `constructor` or `__proto__` in a body are not fields.
    const value = Object.hasOwn(source, name) ? source[name] : undefined;
    if (value === undefined) {
      if (field.required !== false) problems[name] = ['This field is required.'];
    } else if (value === null) {
      if (field.allowNull) values[name] = null;
      else problems[name] = ['This field may not be null.'];
    } else if (typeof value !== 'string' && typeof value !== 'number') {
      problems[name] = ['Not a valid string.'];
    } else {
      const text = field.trim === false ? String(value) : String(value).trim();
      if (text === '' && !field.allowBlank) problems[name] = ['This field may not be blank.'];
      else values[name] = text;
    }
  }
  return { values, problems };
}
