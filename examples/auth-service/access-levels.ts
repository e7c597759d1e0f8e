// The example auth-service's user JSON: the standard fields plus what its client-services authorise
// on, namely the user's permissions and an access level served as `accessgroup: {user_type}` (the
// "Extra Data" object of django-easyjwt's README).
//
// The access level is a group named `access:<type>` (`access:gold-plus`), so it is granted with the
// tools groups already have, and a user's permissions and access level change in one place.
import type { AuthService, UserJson } from 'koa-easyjwt';
import { Group, User, UserSerializer } from 'koa-easyjwt';

/** Groups whose name starts with this carry an access level. */
export const ACCESS_GROUP_PREFIX = 'access:';

/** The user's access level, from their `access:*` group (the first by name if there are several). */
export function accessLevelOf(user: User): string | null {
  const names = (user.groups ?? []).map((group) => group.name).filter((name) => name.startsWith(ACCESS_GROUP_PREFIX));
  return names.length > 0 ? names.sort()[0].slice(ACCESS_GROUP_PREFIX.length) : null;
}

/** `app_label.codename` of every permission the user holds directly or through a group, sorted. */
function permissionsOf(user: User): string[] {
  const names = new Set((user.userPermissions ?? []).map((permission) => permission.key));
  for (const group of user.groups ?? []) for (const permission of group.permissions ?? []) names.add(permission.key);
  return [...names].sort();
}

/**
 * Adds `groups`, `permissions` and `accessgroup: {user_type}` to the user JSON.
 *
 * @example
 *   // GET /auth/user/ ->
 *   // {"id":1, ..., "is_superuser":false, "groups":["access:gold-plus"], "permissions":["reports.view"], "accessgroup":{"user_type":"gold-plus"}}
 */
export class ExampleUserSerializer extends UserSerializer {
  protected override extra(user: User): UserJson {
    const level = accessLevelOf(user);
    return {
      groups: (user.groups ?? []).map((group) => group.name),
      // Only when the permissions were loaded (GET /auth/user/ loads them; the staff list does not):
      // a client-service keeps its last copy of a field the JSON leaves out, rather than emptying it.
      ...(user.userPermissions ? { permissions: permissionsOf(user) } : {}),
      accessgroup: level === null ? null : { user_type: level },
    };
  }
}

/**
 * Puts the user in the `access:<userType>` group, out of any other access group (`null`: none).
 * The auth-service forgets its cached copy of the user, so the next request sees the change.
 *
 * @example
 *   await setAccessLevel(service, user.id, 'gold-plus');
 */
export async function setAccessLevel(service: AuthService, userId: number, userType: string | null): Promise<void> {
  await service.dataSource.transaction(async (manager) => {
    const user = await manager.findOneOrFail(User, { where: { id: userId }, relations: { groups: true } });
    const relation = manager.createQueryBuilder().relation(User, 'groups').of(userId);
    const current = user.groups.filter((group) => group.name.startsWith(ACCESS_GROUP_PREFIX));
    if (current.length > 0) await relation.remove(current.map((group) => group.id));
    if (userType === null) return;
    const name = ACCESS_GROUP_PREFIX + userType;
    const group = (await manager.findOne(Group, { where: { name } })) ?? (await manager.save(manager.create(Group, { name, permissions: [] })));
    await relation.add(group.id);
  });
  service.authenticator.forget(userId);
}
