// Changing who may do what: a user's permissions, groups, staff and active flags, and a group's
// permissions. Each change runs in one transaction and says, line by line, what it changed, so an
// operator sees that a repeated command changed nothing rather than guessing.
import type { EntityManager } from 'typeorm';
import { Group, Permission, User } from '../entities';
import { UsageError } from '../errors';

/** What to change about one user; an absent field is left as it is. */
export interface AccessChange {
  /** `app_label.codename` names granted directly; missing permissions are created. */
  readonly addPermissions?: readonly string[];
  /** Names no longer granted directly (a group may still grant them). */
  readonly removePermissions?: readonly string[];
  /** Existing group names the user joins. */
  readonly addGroups?: readonly string[];
  readonly removeGroups?: readonly string[];
  readonly isStaff?: boolean;
  readonly isActive?: boolean;
}

/** What to change about one group; the group is created when missing. */
export interface GroupChange {
  readonly addPermissions?: readonly string[];
  readonly removePermissions?: readonly string[];
}

/** What a change did: one line per change, and the users whose access it touched. */
export interface AccessOutcome {
  readonly changes: readonly string[];
  readonly userIds: readonly number[];
  /** Users whose permissions, groups or flags really changed (not "already held"). */
  readonly changedUserIds?: readonly number[];
  /** Users this change deactivated: every token of theirs is void. */
  readonly deactivatedUserIds?: readonly number[];
}

/** The sorted permission names of a list, to tell whether a change changed anything. */
const keysOf = (held: readonly Permission[]): string =>
  held
    .map((permission) => permission.key)
    .sort()
    .join(',');

const PERMISSION = /^[a-z][a-z0-9_]*\.[A-Za-z0-9_]+$/;
/** Django's auth.Group.name is at most 150 characters. */
const GROUP_NAME_MAX = 150;

/** Refuses a name that is not `app_label.codename`, as `createuser --perm` does. */
export function checkPermissionNames(names: readonly string[]): void {
  for (const name of names) {
    if (!PERMISSION.test(name)) throw new UsageError(`permission must look like app_label.codename, got ${JSON.stringify(name)}`);
  }
}

/** Refuses an empty or too long group name. */
export function checkGroupName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > GROUP_NAME_MAX) throw new UsageError(`a group name must be 1 to ${GROUP_NAME_MAX} characters, got ${JSON.stringify(name)}`);
  return trimmed;
}

/** Refuses a name that is both added and removed: which one was meant cannot be guessed. */
function checkNoConflict(what: string, added: readonly string[] = [], removed: readonly string[] = []): void {
  const both = added.filter((name) => removed.includes(name));
  if (both.length > 0) throw new UsageError(`${what} ${both.join(', ')} is both added and removed`);
}

/** The permissions named, created when missing (`names` already checked). */
export async function permissionRows(manager: EntityManager, names: readonly string[]): Promise<Permission[]> {
  const found: Permission[] = [];
  for (const name of names) {
    const [appLabel, codename] = name.split('.');
    const existing = await manager.findOne(Permission, { where: { appLabel, codename } });
    found.push(existing ?? (await manager.save(manager.create(Permission, { appLabel, codename, name: name }))));
  }
  return found;
}

/** Adds and removes permissions in `held` (a user's or a group's), saying what changed of `owner`. */
async function changePermissions(manager: EntityManager, held: Permission[], change: GroupChange, owner: string, changes: string[]): Promise<Permission[]> {
  let result = held;
  for (const name of new Set(change.removePermissions ?? [])) {
    if (!result.some((permission) => permission.key === name)) {
      changes.push(`${owner} did not hold permission ${name} directly: nothing removed`);
      continue;
    }
    result = result.filter((permission) => permission.key !== name);
    changes.push(`removed permission ${name} from ${owner}`);
  }
  for (const permission of await permissionRows(manager, [...new Set(change.addPermissions ?? [])])) {
    if (result.some((held) => held.key === permission.key)) {
      changes.push(`${owner} already holds permission ${permission.key}`);
      continue;
    }
    result = [...result, permission];
    changes.push(`added permission ${permission.key} to ${owner}`);
  }
  return result;
}

/** Applies `change` to the user with this (normalised) email, inside `manager`'s transaction. */
export async function changeUserAccess(manager: EntityManager, email: string, change: AccessChange): Promise<AccessOutcome> {
  checkPermissionNames([...(change.addPermissions ?? []), ...(change.removePermissions ?? [])]);
  checkNoConflict('permission', change.addPermissions, change.removePermissions);
  checkNoConflict('group', change.addGroups, change.removeGroups);
  const user = await manager.findOne(User, { where: { email }, relations: { userPermissions: true, groups: true } });
  if (!user) throw new UsageError(`no user with email ${email}`);
  const changes: string[] = [];
  const owner = user.email;
  const before = {
    permissions: keysOf(user.userPermissions),
    groups: user.groups
      .map((group) => group.id)
      .sort()
      .join(','),
    isStaff: user.isStaff,
    isActive: user.isActive,
  };
  user.userPermissions = await changePermissions(manager, user.userPermissions, change, owner, changes);
  for (const name of new Set((change.removeGroups ?? []).map(checkGroupName))) {
    if (!user.groups.some((group) => group.name === name)) {
      changes.push(`${owner} was not in group ${name}: nothing removed`);
      continue;
    }
    user.groups = user.groups.filter((group) => group.name !== name);
    changes.push(`removed ${owner} from group ${name}`);
  }
  for (const name of new Set((change.addGroups ?? []).map(checkGroupName))) {
    const group = await manager.findOne(Group, { where: { name } });
    // A typo must not quietly create an empty group: groups are made by `easyjwt group`.
    if (!group) throw new UsageError(`no group named ${name} (create it with: easyjwt group --name ${JSON.stringify(name)})`);
    if (user.groups.some((held) => held.id === group.id)) {
      changes.push(`${owner} is already in group ${name}`);
      continue;
    }
    user.groups = [...user.groups, group];
    changes.push(`added ${owner} to group ${name}`);
  }
  for (const [flag, label] of [
    ['isStaff', 'staff'],
    ['isActive', 'active'],
  ] as const) {
    const wanted = change[flag];
    if (wanted === undefined) continue;
    changes.push(user[flag] === wanted ? `${owner} is already ${wanted ? '' : 'not '}${label}` : `${owner} is now ${wanted ? '' : 'not '}${label}`);
    user[flag] = wanted;
  }
  await manager.save(user);
  const changed =
    before.permissions !== keysOf(user.userPermissions) ||
    before.groups !==
      user.groups
        .map((group) => group.id)
        .sort()
        .join(',') ||
    before.isStaff !== user.isStaff ||
    before.isActive !== user.isActive;
  return { changes, userIds: [user.id], changedUserIds: changed ? [user.id] : [], deactivatedUserIds: before.isActive && !user.isActive ? [user.id] : [] };
}

/** Applies `change` to the group named `name`, creating it when missing, inside `manager`'s transaction. */
export async function changeGroupAccess(manager: EntityManager, name: string, change: GroupChange): Promise<AccessOutcome> {
  const groupName = checkGroupName(name);
  checkPermissionNames([...(change.addPermissions ?? []), ...(change.removePermissions ?? [])]);
  checkNoConflict('permission', change.addPermissions, change.removePermissions);
  const changes: string[] = [];
  let group = await manager.findOne(Group, { where: { name: groupName }, relations: { permissions: true } });
  if (!group) {
    group = manager.create(Group, { name: groupName, permissions: [] });
    changes.push(`created group ${groupName}`);
  }
  const before = keysOf(group.permissions);
  group.permissions = await changePermissions(manager, group.permissions, change, `group ${groupName}`, changes);
  const saved = await manager.save(group);
  const members = await manager.find(User, { select: { id: true }, where: { groups: { id: saved.id } } });
  const userIds = members.map((member) => member.id);
  return { changes, userIds, changedUserIds: before === keysOf(group.permissions) ? [] : userIds };
}
