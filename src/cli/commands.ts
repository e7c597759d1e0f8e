// What each CLI command does, as plain functions over a loaded configuration; main.ts only wires
// them to commander.
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import type Koa from 'koa';
import type { AuthService } from '../services/auth-service';
import { createAuthService } from '../services/auth-service';
import type { ClientSettingsInput } from '../client-service/client-settings';
import { CLIENT_OPTIONS, resolveClientSettings } from '../client-service/client-settings';
import { createDemoClientService } from '../services/demo-client-service';
import { CLIENT_SCHEMA, createDataSource, openDatabase, redactUrl } from '../db/data-source';
import { SettingsError, UsageError, ValidationFailed } from '../errors';
import type { Listening } from '../http/server';
import type { Logger } from '../logger';
import { createLogger } from '../logger';
import type { Option, Settings, SettingsInput } from '../settings';
import { OPTIONS, resolveSettings } from '../settings';
import type { ArchiveFlags } from './archive';
import { runArchive } from './archive';
import type { CliConfig } from './config';
import { promptNewPassword } from './prompt';
import type { KeyNotice } from './signing-key';
import { withClientSigningKey, withSigningKey } from './signing-key';
import { probeAuthService } from './auth-probe';
import { authExtras, clientExtras, withMigrationHint } from './team-code';
import { defaultThreadPoolSize, refuseSqliteWorkers, superviseWorkers, workerCount } from './workers';

/** Where commands write what a person reads (stdout) and what goes to logs (stderr, via pino). */
export interface CommandContext {
  readonly config: CliConfig;
  readonly out: (line: string) => void;
}

/** `signs`: the command issues or verifies tokens, so what is said about the key matters to it. */
export function settingsFor(context: CommandContext, overrides: SettingsInput = {}, signs = false): { settings: Settings; logger: Logger } {
  const notices: KeyNotice[] = [];
  const input = { ...withSigningKey(context.config, notices), ...overrides };
  const settings = resolveSettings(input);
  const logger = createLogger(settings.LOG_LEVEL);
  if (signs) for (const notice of notices) logger.warn(notice.fields, notice.message);
  return { settings, logger };
}

/** Builds the auth-service from the command's settings (same database as `serve auth`), runs `body`, closes it. */
export async function withService<T>(context: CommandContext, body: (service: AuthService) => Promise<T>): Promise<T> {
  const { settings, logger } = settingsFor(context);
  const service = await createAuthService({ settings, logger });
  try {
    return await body(service);
  } finally {
    await service.close();
  }
}

/** Flags of `serve`. */
export interface ServeFlags {
  host?: string;
  port?: string;
  /** `serve client` only: the auth-service's base URL. */
  authUrl?: string;
  /** How many processes serve: 1 to 256 or `auto` (default: one per core in production, else 1). */
  workers?: string;
}

/** How this process takes part in `serve`: alone, as the cluster's primary, or as one of its workers. */
type Part = 'alone' | 'primary' | 'worker';

/** A built service as `serve` runs it, whichever role it has. */
interface Runnable {
  readonly app: Koa;
  readonly logger: Logger;
  /** What the "listening on" line names after the URL, e.g. `/auth/` for the auth-service. */
  readonly path: string;
  /** Said after the URL on the same line, e.g. the verification mode. */
  readonly note?: string;
  /** Fields for the start-up log record. */
  readonly details: Record<string, unknown>;
  /** A second line to print once listening, given the URL (the demo page's address). */
  readonly after?: (url: string) => string;
  listen(): Promise<Listening>;
  close(): Promise<void>;
}

function hostAndPort<T extends { HOST?: unknown; PORT?: unknown }>(flags: ServeFlags): T {
  const overrides: Record<string, unknown> = {};
  if (flags.host !== undefined) overrides.HOST = flags.host;
  if (flags.port !== undefined) overrides.PORT = flags.port;
  return overrides as T;
}

async function buildAuth(context: CommandContext, flags: ServeFlags, part: Part): Promise<Runnable> {
  if (flags.authUrl !== undefined) throw new UsageError('--auth-url is for `serve client`; the auth-service is the one it names');
  const { settings, logger } = settingsFor(context, hostAndPort<SettingsInput>(flags), true);
  const extras = authExtras(context.config.module, settings.DATABASE_URL);
  const throttleMemory = part === 'worker' ? 'cluster' : 'process';
  const service = await createAuthService({ settings, logger, ...extras, throttleMemory }).catch((error: unknown) => {
    throw withMigrationHint(error, context.config.module, false);
  });
  return {
    app: service.app,
    logger,
    path: `${settings.URL_PREFIX}/`,
    details: { database: redactUrl(settings.DATABASE_URL) },
    listen: () => service.listen(),
    close: () => service.close(),
  };
}

/** The client-service's settings from the configuration, the development key and `overrides`. */
function clientSettingsFor(context: CommandContext, overrides: ClientSettingsInput = {}) {
  if ((overrides.REMOTE_AUTH_SERVICE_URL ?? context.config.clientInput.REMOTE_AUTH_SERVICE_URL) === undefined) {
    throw new SettingsError('REMOTE_AUTH_SERVICE_URL', 'is required: pass --auth-url http://127.0.0.1:8000 or set EASYJWT_AUTH_URL');
  }
  const notices: KeyNotice[] = [];
  const input: ClientSettingsInput = { ...withClientSigningKey(context.config, notices), ...overrides };
  const settings = resolveClientSettings(input);
  const logger = createLogger(settings.LOG_LEVEL);
  for (const notice of notices) logger.warn(notice.fields, notice.message);
  return { settings, logger };
}

async function buildClient(context: CommandContext, flags: ServeFlags, part: Part): Promise<Runnable> {
  const overrides = hostAndPort<ClientSettingsInput>(flags);
  if (flags.authUrl !== undefined) overrides.REMOTE_AUTH_SERVICE_URL = flags.authUrl;
  const { settings, logger } = clientSettingsFor(context, overrides);
  const extras = clientExtras(context.config.module);
  const throttleMemory = part === 'worker' ? 'cluster' : 'process';
  const { service, app } = await createDemoClientService({ settings, logger, ...extras, throttleMemory }).catch((error: unknown) => {
    throw withMigrationHint(error, context.config.module, true);
  });
  // The primary has probed already: its workers would only repeat its warning N times.
  if (part !== 'worker') await probeAuthService(service.upstream, settings, logger);
  return {
    app: service.app,
    logger,
    path: '/',
    note: `(${service.verification} verification against ${settings.REMOTE_AUTH_SERVICE_URL}: ${service.verificationReason})`,
    after: app ? (url) => `demo page: ${url}${app} (${pageNote(settings)})` : undefined,
    details: {
      database: redactUrl(settings.DATABASE_URL),
      verification: service.verification,
      verificationReason: service.verificationReason,
      delivery: settings.DELIVERY_MODE,
      authService: settings.REMOTE_AUTH_SERVICE_URL,
    },
    listen: () => service.listen(),
    close: () => service.close(),
  };
}

/** What the demo page needs of the delivery settings, said next to its address. */
function pageNote(settings: { DELIVERY_MODE: string; COOKIE_SECURE: boolean }): string {
  if (settings.DELIVERY_MODE !== 'two-cookies') return `it needs EASYJWT_DELIVERY_MODE=two-cookies; this service delivers ${settings.DELIVERY_MODE}`;
  return settings.COOKIE_SECURE ? 'Secure cookies: serve it over https, or set EASYJWT_COOKIE_SECURE=false on plain http' : 'two-cookies, Secure off';
}

const ROLES = { auth: buildAuth, client: buildClient } as const;

/** The roles `serve` knows. */
export type Role = keyof typeof ROLES;

/**
 * The auth-service's configuration with the size of libuv's thread pool settled, and that size set
 * in the environment before anything uses the pool: libuv reads UV_THREADPOOL_SIZE once, when the
 * pool starts (here, at the first password hash or file read of the service being built), and
 * workers inherit it. A THREAD_POOL_SIZE (or UV_THREADPOOL_SIZE) given is used as it is; otherwise
 * one fitting the cores and workers (defaultThreadPoolSize). Only the auth-service hashes passwords:
 * a client-service keeps whatever UV_THREADPOOL_SIZE the environment gives it.
 */
function withThreadPool(context: CommandContext, role: Role, workers: number): CommandContext {
  if (role !== 'auth') return context;
  const given = context.config.input.THREAD_POOL_SIZE;
  const size = given === undefined ? defaultThreadPoolSize(availableParallelism(), workers) : OPTIONS.THREAD_POOL_SIZE.parse(given, 'THREAD_POOL_SIZE');
  process.env.UV_THREADPOOL_SIZE = String(size);
  return { ...context, config: { ...context.config, input: { ...context.config.input, THREAD_POOL_SIZE: size } } };
}

/**
 * `serve auth` / `serve client`: builds the service, prints where it listens and runs it until
 * SIGINT or SIGTERM, then closes the socket and the database and returns (exit code 0). With
 * `--workers N` above 1 this process becomes a node:cluster primary (see workers.ts): it builds the
 * service once, which runs the migrations and stops on any bad setting before a worker exists,
 * closes it, and forks N workers that each run this same command as a worker.
 */
export async function serve(given: CommandContext, role: Role, flags: ServeFlags): Promise<void> {
  const database = databaseUrl(given, role === 'client');
  // Production's default of one worker per core gives way to SQLite, which serves one process; an
  // explicit --workers above 1 on SQLite is refused instead, saying why.
  const workers = flags.workers === undefined && database.startsWith('sqlite:') ? 1 : workerCount(flags.workers, given.config.production);
  // A worker finds the primary's pool size in UV_THREADPOOL_SIZE, which the configuration reads.
  const context = withThreadPool(given, role, workers);
  if (cluster.isWorker) return serveHere(context, role, flags, 'worker');
  refuseSqliteWorkers(database, workers, role === 'client' ? 'EASYJWT_CLIENT_DATABASE_URL' : 'DATABASE_URL');
  if (workers === 1) return serveHere(context, role, flags, 'alone');

  const service = await ROLES[role](context, flags, 'primary');
  await service.close();
  const name = `${role}-service`;
  const code = await superviseWorkers({
    count: workers,
    logger: service.logger,
    onListening: (url) => {
      service.logger.info({ url, workers, ...service.details }, `${name} listening`);
      context.out(`easyjwt ${name} listening on ${url}${service.path}${service.note ? ` ${service.note}` : ''} (${workers} workers)`);
      if (service.after) context.out(service.after(url));
    },
  });
  if (code !== 0) process.exitCode = code;
}

/** Runs the service in this process: alone, or as one worker of a cluster (which tells its primary once it listens). */
async function serveHere(context: CommandContext, role: Role, flags: ServeFlags, part: Part): Promise<void> {
  const service = await ROLES[role](context, flags, part);
  // Listened for before the "listening" line goes out: a signal sent the moment it is read would
  // otherwise find no handler and kill the process without closing the database. A worker also
  // stops when its primary is gone (the IPC channel closes), so it is never left serving alone; and
  // it keeps the handlers after the first signal, since a terminal's Ctrl-C reaches it as well as
  // the primary's SIGTERM, and a second signal must not cut its draining short.
  const stopped = new Promise<string>((resolve) => {
    const on = part === 'worker' ? process.on.bind(process) : process.once.bind(process);
    on('SIGINT', () => resolve('SIGINT'));
    on('SIGTERM', () => resolve('SIGTERM'));
    if (part === 'worker') process.once('disconnect', () => resolve('disconnect'));
  });
  if (part === 'worker') {
    // Says which worker answered, for operators and the tests; worker ids restart at 1 each run.
    const id = String(cluster.worker?.id ?? '');
    service.app.use(async (ctx, next) => {
      ctx.set('X-EasyJWT-Worker', id);
      await next();
    });
  }
  const listening = await service.listen();
  const name = `${role}-service`;
  service.logger.info({ url: listening.url, ...service.details }, `${name} listening`);
  if (part === 'worker') process.send?.({ easyjwt: 'listening', url: listening.url });
  else {
    context.out(`easyjwt ${name} listening on ${listening.url}${service.path}${service.note ? ` ${service.note}` : ''}`);
    if (service.after) context.out(service.after(listening.url));
  }
  service.logger.info({ signal: await stopped }, 'shutting down');
  await listening.close();
  await service.close();
  // A worker whose primary is gone has no one to wait for; its IPC channel would otherwise keep it alive.
  if (part === 'worker' && process.connected) process.disconnect();
}

/** The DATABASE_URL configured for the auth-service, or a client-service's, before the settings are checked. */
function databaseUrl(context: CommandContext, client: boolean): string {
  return client
    ? String(context.config.clientInput.DATABASE_URL ?? CLIENT_OPTIONS.DATABASE_URL.default)
    : String(context.config.input.DATABASE_URL ?? OPTIONS.DATABASE_URL.default);
}

/** `migrate`: applies pending migrations and says which (`--client`: a client-service's database). */
export async function migrate(context: CommandContext, flags: { client?: boolean } = {}): Promise<void> {
  const url = databaseUrl(context, flags.client ?? false);
  const dataSource = createDataSource(url, flags.client ? { schema: CLIENT_SCHEMA } : {});
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
    const revoked = await service.issuer.setPassword(user.id, password).catch((error: unknown) => {
      // The rules speak to an API client per field; on the command line, one sentence.
      throw error instanceof ValidationFailed ? new UsageError(Object.values(error.fields).flat().join(' ')) : error;
    });
    context.out(`changed the password of ${user.email}; revoked ${revoked} token(s)`);
  });
}

/** `deleteuser`: deletes a user and voids every token they hold, wherever it is presented. */
export async function deleteUser(context: CommandContext, flags: { email: string }): Promise<void> {
  await withService(context, async (service) => {
    const user = await service.users.findByLogin('email', flags.email);
    if (!user || !(await service.users.delete(user.id))) throw new UsageError(`no user with email ${flags.email}`);
    context.out(`deleted ${user.email}; their tokens are refused from now on`);
  });
}

/** `settings`: every option with its default and meaning, and the value in effect (`--client`: a client-service's). */
export function showSettings(context: CommandContext, flags: { markdown?: boolean; client?: boolean }): void {
  const table: Readonly<Record<string, Option<unknown>>> = flags.client ? CLIENT_OPTIONS : OPTIONS;
  const input = (flags.client ? context.config.clientInput : context.config.input) as Record<string, unknown>;
  const show = (value: unknown) => (value === undefined ? '(required)' : JSON.stringify(value));
  if (flags.markdown) {
    context.out('| Setting | Default | Meaning |');
    context.out('|---|---|---|');
    for (const [key, option] of Object.entries(table)) context.out(`| \`${key}\` | \`${show(option.default)}\` | ${option.doc} |`);
    return;
  }
  const width = Math.max(26, ...Object.keys(table).map((key) => key.length + 1));
  for (const [key, option] of Object.entries(table)) {
    const given = input[key];
    const value = key === 'SIGNING_KEY' && given !== undefined ? '(set, hidden)' : given === undefined ? `${show(option.default)} (default)` : show(given);
    context.out(`${key.padEnd(width)} ${value}`);
  }
}

/** `archive`: deletes tokens that expired before `--older-than` ago, in batches. */
export async function archive(context: CommandContext, flags: ArchiveFlags, progress: ((line: string) => void) | null): Promise<void> {
  await withService(context, async (service) => {
    await runArchive(service.dataSource, flags, { out: context.out, progress }, Date.now());
  });
}
