// What each CLI command does, as plain functions over a loaded configuration; main.ts only wires
// them to commander.
import { createAuthService, AuthService } from '../auth-service/create-auth-service';
import { passwordProblems } from '../core/password-rules';
import { createDataSource, openDatabase, redactUrl } from '../db/data-source';
import { UsageError } from '../errors';
import { createLogger, Logger } from '../logger';
import { OPTIONS, resolveSettings, Settings, SettingsInput } from '../settings';
import type { CliConfig } from './config';
import { promptNewPassword } from './prompt';
import { withSigningKey } from './signing-key';

/** Where commands write what a person reads (stdout) and what goes to logs (stderr, via pino). */
export interface CommandContext {
  readonly config: CliConfig;
  readonly out: (line: string) => void;
}

function settingsFor(context: CommandContext, overrides: SettingsInput = {}): { settings: Settings; logger: Logger } {
  const preliminary = createLogger(String(context.config.input.LOG_LEVEL ?? 'info'));
  const input = { ...withSigningKey(context.config, preliminary), ...overrides };
  const settings = resolveSettings(input);
  return { settings, logger: createLogger(settings.LOG_LEVEL) };
}

async function withService<T>(context: CommandContext, body: (service: AuthService) => Promise<T>): Promise<T> {
  const { settings, logger } = settingsFor(context);
  const service = await createAuthService({ settings, logger });
  try {
    return await body(service);
  } finally {
    await service.close();
  }
}

/** `serve auth`: runs the auth-service until SIGINT or SIGTERM. */
export async function serveAuth(context: CommandContext, flags: { host?: string; port?: string }): Promise<void> {
  const overrides: SettingsInput = {};
  if (flags.host !== undefined) overrides.HOST = flags.host;
  if (flags.port !== undefined) overrides.PORT = flags.port;
  const { settings, logger } = settingsFor(context, overrides);
  const service = await createAuthService({ settings, logger });
  const listening = await service.listen();
  logger.info({ url: listening.url, database: redactUrl(settings.DATABASE_URL) }, 'auth-service listening');
  context.out(`easyjwt auth-service listening on ${listening.url}${settings.URL_PREFIX}/`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await listening.close();
  await service.close();
}

/** `migrate`: applies pending migrations and says which. */
export async function migrate(context: CommandContext): Promise<void> {
  const url = String(context.config.input.DATABASE_URL ?? OPTIONS.DATABASE_URL.default);
  const dataSource = createDataSource(url);
  try {
    const applied = await openDatabase(dataSource);
    context.out(applied.length ? `applied ${applied.join(', ')} to ${redactUrl(url)}` : `${redactUrl(url)} is up to date`);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}

/** Options of `createuser`. */
export interface CreateUserFlags {
  email: string;
  password?: string;
  username?: string;
  firstName?: string;
  lastName?: string;
  staff?: boolean;
  superuser?: boolean;
  inactive?: boolean;
  perm?: string[];
}

/** `createuser`: creates a user, asking for the password when it is not given. */
export async function createUser(context: CommandContext, flags: CreateUserFlags): Promise<void> {
  const password = flags.password ?? (await promptNewPassword());
  await withService(context, async (service) => {
    const user = await service.users.create({
      email: flags.email,
      password,
      username: flags.username ?? null,
      firstName: flags.firstName,
      lastName: flags.lastName,
      // A superuser is staff too, as Django's createsuperuser makes them.
      isStaff: Boolean(flags.staff || flags.superuser),
      isSuperuser: Boolean(flags.superuser),
      isActive: !flags.inactive,
      permissions: flags.perm ?? [],
    });
    context.out(`created user ${user.id} <${user.email}>`);
  });
}

/** `changepassword`: sets a password and revokes the user's tokens. */
export async function changePassword(context: CommandContext, flags: { email: string; password?: string }): Promise<void> {
  await withService(context, async (service) => {
    const user = await service.users.findByLogin('email', flags.email);
    if (!user) throw new UsageError(`no user with email ${flags.email}`);
    const password = flags.password ?? (await promptNewPassword());
    const problems = passwordProblems(password);
    if (problems.length > 0) throw new UsageError(problems.join(' '));
    const revoked = await service.issuer.setPassword(user.id, password);
    context.out(`changed the password of ${user.email}; revoked ${revoked} token(s)`);
  });
}

/** `settings`: every option with its default and meaning, and the value in effect. */
export function showSettings(context: CommandContext, flags: { markdown?: boolean }): void {
  const input = context.config.input as Record<string, unknown>;
  const show = (value: unknown) => (value === undefined ? '(required)' : JSON.stringify(value));
  if (flags.markdown) {
    context.out('| Setting | Default | Meaning |');
    context.out('|---|---|---|');
    for (const [key, option] of Object.entries(OPTIONS)) context.out(`| \`${key}\` | \`${show(option.default)}\` | ${option.doc} |`);
    return;
  }
  for (const [key, option] of Object.entries(OPTIONS)) {
    const given = input[key];
    const value = key === 'SIGNING_KEY' && given !== undefined ? '(set, hidden)' : given === undefined ? `${show(option.default)} (default)` : show(given);
    context.out(`${key.padEnd(26)} ${value}`);
  }
}
