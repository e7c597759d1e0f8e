#!/usr/bin/env node
// The `easyjwt` command line: serve the auth-service or a demo client-service, migrate, manage
// users, show settings.
import 'reflect-metadata';
import { Command, Option } from 'commander';
import type { CommandContext, Role, ServeFlags } from './commands';
import { archive, changePassword, createUser, deleteUser, migrate, serve, showSettings } from './commands';
import { loadConfig } from './config';
import { registerAccessCommands } from './access';
import { registerKeyCommands } from './keys';
import { makeMigrations } from './makemigrations';
import { operatorMessage } from './operator-errors';

const collect = (value: string, previous: string[] = []) => [...previous, value];

// `easyjwt settings | head` closes the pipe early: that is the reader's choice, not a crash.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

function context(): CommandContext {
  const configPath = program.opts<{ config?: string }>().config;
  return { config: loadConfig(process.env, process.cwd(), configPath ?? process.env.EASYJWT_CONFIG), out: (line) => process.stdout.write(line + '\n') };
}

const program = new Command()
  .name('easyjwt')
  .description('JWT auth-service for Koa, wire-compatible with django-easyjwt and simplejwt')
  .addHelpText(
    'after',
    '\nConfiguration: EASYJWT_DATABASE_URL, EASYJWT_SIGNING_KEY, EASYJWT_HOST, EASYJWT_PORT, EASYJWT_LOG_LEVEL,\n' +
      'EASYJWT_CONFIG (a JSON file of settings), EASYJWT_DATA_DIR (default ./data). `easyjwt settings` lists every setting.\n' +
      'A client-service also reads EASYJWT_AUTH_URL, EASYJWT_CLIENT_DATABASE_URL, EASYJWT_CLIENT_PORT and\n' +
      'EASYJWT_TOKEN_VERIFICATION; `easyjwt settings --client` lists its settings.',
  )
  .option('--config <file>', 'a JSON file of settings, or a .js/.cjs/.mjs config module (default: EASYJWT_CONFIG)');

program
  .command('serve')
  .description('run the auth-service, or a demo client-service in front of one')
  .addArgument(new Command().createArgument('<role>', 'which service: auth, or client').choices(['auth', 'client']))
  .option('--host <host>', 'address to listen on (default: HOST setting, 127.0.0.1)')
  .option('--port <port>', 'port to listen on (default: PORT setting, 8000 for auth, 8001 for client; 0 picks a free port)')
  .option('--auth-url <url>', 'client only: base URL of the auth-service, e.g. http://127.0.0.1:8000 (default: EASYJWT_AUTH_URL)')
  .option(
    '--workers <n>',
    'processes serving the port (node:cluster), 1 to 256 or auto (one per core); default: one per core with NODE_ENV=production, else 1. Above 1 needs MySQL/MariaDB; with REDIS_URL the workers share revocations at once',
  )
  .action((role: Role, flags: ServeFlags) => serve(context(), role, flags));

program
  .command('migrate')
  .description('apply pending database migrations')
  .option('--client', "migrate a client-service's database (EASYJWT_CLIENT_DATABASE_URL) instead")
  .action((flags: Parameters<typeof migrate>[1]) => migrate(context(), flags));

program
  .command('makemigrations')
  .description("write a migration per dialect for the config module's entities")
  .requiredOption('--name <Name>', 'what the migration does, in PascalCase, e.g. AccessGroup')
  .option('--client', "against a client-service's tables instead of the auth-service's")
  .option('--dir <folder>', 'where to write (default: migrations/ beside the config module, where it reads them)')
  .option('--mysql-url <url>', 'a MariaDB server for the MariaDB migration (default: EASYJWT_MIGRATION_MYSQL_URL; skipped without)')
  .action((flags: Parameters<typeof makeMigrations>[1]) => makeMigrations(context(), flags, process.env));

program
  .command('createuser')
  .description('create a user (asks for the password when --password is not given)')
  .requiredOption('--email <email>', 'login email')
  .option('--password <password>', 'password (prefer the prompt: arguments end up in shell history)')
  .option('--username <username>', 'username, for LOGIN_FIELD=username')
  .option('--first-name <name>', 'first name')
  .option('--last-name <name>', 'last name')
  .option('--staff', 'may read every user')
  .option('--superuser', 'holds every permission (and is staff)')
  .option('--inactive', 'create the account disabled')
  .addOption(new Option('--perm <app.codename>', 'grant a permission (repeatable)').argParser(collect))
  .action((flags: Parameters<typeof createUser>[1]) => createUser(context(), flags));

program
  .command('changepassword')
  .description("set a user's password and revoke their tokens (asks when --password is not given)")
  .requiredOption('--email <email>', 'login email')
  .option('--password <password>', 'new password')
  .action((flags: Parameters<typeof changePassword>[1]) => changePassword(context(), flags));

program
  .command('deleteuser')
  .description('delete a user; every token of theirs is refused, by running client-services too')
  .requiredOption('--email <email>', 'login email')
  .action((flags: Parameters<typeof deleteUser>[1]) => deleteUser(context(), flags));

program
  .command('archive')
  .description('delete registry tokens (and sessions) that expired before a cut-off, in batches')
  .requiredOption('--older-than <duration>', 'how long ago they must have expired: 10d, 12h, 3600 (seconds)')
  .option('--batch <rows>', 'rows per batch, each in a short transaction (default 1000)')
  .action((flags: Parameters<typeof archive>[1]) => {
    // A bar that rewrites one line on a terminal; nothing but the summary line otherwise.
    const progress = process.stdout.isTTY ? (line: string) => process.stdout.write(`\r${line}`) : null;
    return archive(progress ? { ...context(), out: (line) => process.stdout.write(`\n${line}\n`) } : context(), flags, progress);
  });

program
  .command('settings')
  .description('list every setting with its default and the value in effect')
  .option('--markdown', 'print the table of settings as Markdown')
  .option('--client', "a client-service's settings instead of the auth-service's")
  .action((flags: Parameters<typeof showSettings>[1]) => showSettings(context(), flags));

registerAccessCommands(program, context);
registerKeyCommands(program, context);

program.parseAsync(process.argv).catch((error: unknown) => {
  // Mistakes the operator can fix get one clear line; anything else is a bug worth its stack.
  const line = operatorMessage(error);
  if (line !== null) {
    process.stderr.write(`easyjwt: ${line}\n`);
    process.exit(2);
  }
  process.stderr.write(`easyjwt: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
