// `easyjwt user` and `easyjwt group`: who may do what, managed from the command line. The writes
// are UserStore's (one transaction each); this file reads the flags, refuses contradictory ones
// and prints one line per change, then what the user or group holds now.
import type { Command } from 'commander';
import { Option } from 'commander';
import type { AccessChange } from '../auth-service/access-admin';
import { normalizeEmail } from '../auth-service/user-store';
import { UsageError } from '../errors';
import type { CommandContext } from './commands';
import { withService } from './commands';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Options of `user`. */
export interface UserFlags {
  email: string;
  addPerm?: string[];
  removePerm?: string[];
  addGroup?: string[];
  removeGroup?: string[];
  /** `--staff` true, `--no-staff` false, neither undefined. */
  staff?: boolean;
  active?: boolean;
  inactive?: boolean;
}

/** Options of `group`. */
export interface GroupFlags {
  name: string;
  addPerm?: string[];
  removePerm?: string[];
}

/** What a permission list reads as on one line. */
const listed = (names: Iterable<string>): string => [...names].sort().join(', ') || '(none)';

/**
 * `user`: changes a user's access and prints it. The change is recorded in the revocation table in
 * the same transaction, so running auth-services and client-services (other processes) read the
 * user again, and refuse a deactivated user's tokens, within REVOCATION_POLL_INTERVAL.
 */
export async function changeUser(context: CommandContext, flags: UserFlags): Promise<void> {
  if (flags.active && flags.inactive) throw new UsageError('--active and --inactive contradict each other: give one');
  const change: AccessChange = {
    addPermissions: flags.addPerm ?? [],
    removePermissions: flags.removePerm ?? [],
    addGroups: flags.addGroup ?? [],
    removeGroups: flags.removeGroup ?? [],
    isStaff: flags.staff,
    isActive: flags.active ? true : flags.inactive ? false : undefined,
  };
  await withService(context, async (service) => {
    const outcome = await service.users.changeAccess(flags.email, change);
    for (const line of outcome.changes) context.out(line);
    const now = await service.users.withPermissions(outcome.userIds[0]);
    if (!now) throw new UsageError(`no user with email ${normalizeEmail(flags.email)}`);
    const { user, permissions } = now;
    const groups = user.groups.map((group) => group.name);
    context.out(
      `${user.email}: ${user.isActive ? 'active' : 'inactive'}, ${user.isStaff ? 'staff' : 'not staff'}${user.isSuperuser ? ', superuser' : ''}; ` +
        `groups: ${listed(groups)}; permissions: ${listed(permissions)}`,
    );
  });
}

/** `group`: creates the group when missing, grants and revokes its permissions. */
export async function changeGroup(context: CommandContext, flags: GroupFlags): Promise<void> {
  await withService(context, async (service) => {
    const outcome = await service.users.changeGroup(flags.name, { addPermissions: flags.addPerm ?? [], removePermissions: flags.removePerm ?? [] });
    for (const line of outcome.changes) context.out(line);
    const held = await service.users.groupPermissions(flags.name);
    context.out(`group ${flags.name.trim()}: ${outcome.userIds.length} member(s); permissions: ${listed(held)}`);
  });
}

/** Adds `user` and `group` to `program`; `context` is read when a command runs. */
export function registerAccessCommands(program: Command, context: () => CommandContext): void {
  program
    .command('user')
    .description("change a user's permissions, groups, staff and active flags (prints what changed)")
    .requiredOption('--email <email>', 'login email of an existing user')
    .addOption(new Option('--add-perm <app.codename>', 'grant a permission directly (repeatable)').argParser(collect))
    .addOption(new Option('--remove-perm <app.codename>', 'revoke a directly granted permission (repeatable)').argParser(collect))
    .addOption(new Option('--add-group <name>', 'join an existing group (repeatable)').argParser(collect))
    .addOption(new Option('--remove-group <name>', 'leave a group (repeatable)').argParser(collect))
    .option('--staff', 'may read every user')
    .option('--no-staff', 'may not')
    .option('--active', 'may log in')
    .option('--inactive', 'may not log in, and every token of theirs is refused')
    .addHelpText('after', "\nRunning services read the user again (and refuse a deactivated user's tokens) within REVOCATION_POLL_INTERVAL.")
    .action((flags: UserFlags) => changeUser(context(), flags));

  program
    .command('group')
    .description('create a group when missing and change its permissions (prints what changed)')
    .requiredOption('--name <name>', 'group name')
    .addOption(new Option('--add-perm <app.codename>', 'grant a permission to every member (repeatable)').argParser(collect))
    .addOption(new Option('--remove-perm <app.codename>', 'revoke it (repeatable)').argParser(collect))
    .action((flags: GroupFlags) => changeGroup(context(), flags));
}
