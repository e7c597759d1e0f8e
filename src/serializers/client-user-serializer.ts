// The client-service side of user serializers: which fields of the auth-service's user JSON this
// service keeps, and which nested objects it stores in tables of its own ("extra data").
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { LocalUser } from '../entities/local-user';

/** The standard fields of the user JSON, and the LocalUser column each fills. */
const COLUMNS = {
  email: 'email',
  first_name: 'firstName',
  last_name: 'lastName',
  is_active: 'isActive',
  is_staff: 'isStaff',
  is_superuser: 'isSuperuser',
  date_joined: 'dateJoined',
  last_login: 'lastLogin',
  permissions: 'permissions',
} as const;

export type StandardField = keyof typeof COLUMNS;

/**
 * A nested object of the user JSON kept in its own entity, one row per user (`userId` primary key),
 * replaced by the auth-service's latest answer on every sync.
 */
export interface NestedData {
  /** The entity holding it; it must have a `userId` primary column and one column per field. */
  readonly entity: EntityTarget<ObjectLiteral>;
  /** The keys of the nested object that are kept; others are dropped. */
  readonly fields: readonly string[];
}

const toDate = (value: unknown): Date | null => {
  if (typeof value !== 'string') return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
};

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/**
 * Maps the auth-service's user JSON to this service's local copy. Subclass it to keep fewer
 * standard fields or to keep nested extra data.
 *
 * @example
 *   class AccessGroupSerializer extends ClientUserSerializer {
 *     override readonly nested = { accessgroup: { entity: AccessGroup, fields: ['user_type'] } };
 *   }
 */
export class ClientUserSerializer {
  /** Standard fields kept (the id always is). */
  readonly fields: readonly StandardField[] = Object.keys(COLUMNS) as StandardField[];
  /** Nested objects kept, by their key in the user JSON. */
  readonly nested: Readonly<Record<string, NestedData>> = {};

  /** The local columns for `json`; only declared fields are read, the rest is dropped. */
  toLocal(json: Record<string, unknown>): Partial<LocalUser> {
    const local: Record<string, unknown> = {};
    for (const field of this.fields) {
      if (!(field in json)) continue;
      const value = json[field];
      const column = COLUMNS[field];
      if (column === 'dateJoined' || column === 'lastLogin') local[column] = toDate(value);
      else if (column === 'permissions') local[column] = Array.isArray(value) ? value.filter((p) => typeof p === 'string') : [];
      else if (column === 'email' || column === 'firstName' || column === 'lastName') local[column] = typeof value === 'string' ? value : '';
      else local[column] = value === true;
    }
    return local;
  }

  /** Replaces the nested rows of `userId` with what `json` carries now, inside `manager`'s transaction. */
  async storeNested(manager: EntityManager, userId: number, json: Record<string, unknown>): Promise<void> {
    for (const [key, nested] of Object.entries(this.nested)) {
      await manager.delete(nested.entity, { userId });
      const value = json[key];
      if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
      const row: Record<string, unknown> = { userId };
      for (const field of nested.fields) row[field] = (value as Record<string, unknown>)[field] ?? null;
      await manager.insert(nested.entity, row);
    }
  }

  /** Loads the nested rows of `userId`. */
  async loadNested(manager: EntityManager, userId: number): Promise<Record<string, Record<string, unknown> | null>> {
    const out: Record<string, Record<string, unknown> | null> = {};
    for (const [key, nested] of Object.entries(this.nested)) {
      const row = await manager.findOne(nested.entity, { where: { userId } });
      out[key] = row ? Object.fromEntries(nested.fields.map((field) => [field, row[field] ?? null])) : null;
    }
    return out;
  }

  /** The user as this service's handlers see it (`principal.data`): declared fields only. */
  toData(user: LocalUser, nested: Record<string, Record<string, unknown> | null>): Record<string, unknown> {
    const data: Record<string, unknown> = { id: user.id };
    for (const field of this.fields) {
      const value = user[COLUMNS[field]];
      data[field] = value instanceof Date || value === null ? iso(value) : value;
    }
    return { ...data, ...nested };
  }
}
