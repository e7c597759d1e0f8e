// The user as the auth-service serves it: easyjwt's key order, ISO-8601 datetimes in UTC.
import type { User } from '../entities';

/** The JSON object sent for one user. */
export type UserJson = Record<string, unknown>;

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/**
 * Turns a User into the JSON easyjwt serves. Subclass it and override `extra` to add fields,
 * including nested objects, that client-services may pick up.
 *
 * @example
 *   class WithGroups extends UserSerializer {
 *     protected override extra(user: User) { return { groups: user.groups?.map((g) => g.name) ?? [] }; }
 *   }
 */
export class UserSerializer {
  serialize(user: User): UserJson {
    return {
      id: user.id,
      first_name: user.firstName,
      email: user.email,
      last_name: user.lastName,
      date_joined: iso(user.dateJoined),
      last_login: iso(user.lastLogin),
      is_active: user.isActive,
      is_staff: user.isStaff,
      is_superuser: user.isSuperuser,
      ...this.extra(user),
    };
  }

  /** Fields added after the standard ones; none by default. */
  protected extra(_user: User): UserJson {
    return {};
  }
}
