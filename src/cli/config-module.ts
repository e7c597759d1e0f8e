// A config module: EASYJWT_CONFIG (or --config) naming a .js, .cjs or .mjs file instead of JSON, so
// `easyjwt serve` runs the team's own code, as Django's settings name classes by import string. Its
// named exports (module.exports = {...} or `export const`) are read; each is optional:
//   settings     the same object a JSON config file holds
//   serializer   a UserSerializer (serve auth) or ClientUserSerializer (serve client) subclass instance
//   claims       claim builders of the auth-service: [{ key, build(user, context) }]
//   controllers  routing-controllers classes a client-service mounts at its root
//   entities     TypeORM entity classes of the team's own tables
//   migrations   { sqlite: [...], mariadb: [...] } migration classes, or a folder that
//                `easyjwt makemigrations` writes (default: migrations/ beside the module)
// Every key is checked here, once, and a bad one stops the start with a line naming it.
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { EntitySchema } from 'typeorm';
import type { ClaimBuilder } from '../core/claims';
import { UsageError } from '../errors';
import { ClientUserSerializer } from '../serializers/client-user-serializer';
import { UserSerializer } from '../serializers/user-serializer';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type Constructor = Function;

/** Migration classes per dialect. */
export interface DialectMigrations {
  readonly sqlite: readonly Constructor[];
  readonly mariadb: readonly Constructor[];
}

/** What a config module gave, checked. */
export interface ConfigModule {
  /** The module's path, as the operator named it (for messages and the makemigrations hint). */
  readonly path: string;
  readonly settings: Record<string, unknown>;
  readonly serializer: UserSerializer | ClientUserSerializer | null;
  readonly claims: readonly ClaimBuilder[];
  readonly controllers: readonly Constructor[];
  readonly entities: readonly (Constructor | EntitySchema)[];
  readonly migrations: DialectMigrations;
  /** Where makemigrations writes by default: the module's migrations folder. */
  readonly migrationsDir: string;
}

const KEYS = ['settings', 'serializer', 'claims', 'controllers', 'entities', 'migrations'];

/** Whether a config path names a module rather than a JSON file. */
export const isConfigModule = (path: string): boolean => /\.(c|m)?js$/.test(path);

/**
 * Loads and checks a config module.
 *
 * @example
 *   const module = loadConfigModule('/srv/app/easyjwt.config.cjs', 'easyjwt.config.cjs');
 */
export function loadConfigModule(path: string, shown: string): ConfigModule {
  const fail = (key: string, problem: string) => new UsageError(`config module ${shown}: \`${key}\` ${problem}`);
  let loaded: Record<string, unknown>;
  try {
    // A team's module is plain CommonJS (or ESM through Node's require of ES modules): loaded at run time by path.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the path is only known at run time
    loaded = require(path) as Record<string, unknown>;
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    throw new UsageError(`config module ${shown} cannot be loaded: ${reason}`);
  }
  // One convention, named exports: a default export would be a second place to look, and a module
  // that uses it by mistake would otherwise start with none of its code.
  if (Object.hasOwn(loaded, 'default')) throw fail('default', 'is not read: export settings, serializer, ... by name (module.exports = {...} or export const)');
  for (const key of Object.keys(loaded)) {
    if (key !== '__esModule' && !KEYS.includes(key)) throw fail(key, `is not a config module key (known: ${KEYS.join(', ')})`);
  }
  const settings = loaded.settings ?? {};
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) throw fail('settings', 'must be an object of settings');
  const serializer = loaded.serializer ?? null;
  if (serializer !== null && !(serializer instanceof UserSerializer) && !(serializer instanceof ClientUserSerializer)) {
    throw fail('serializer', 'must be an instance of a UserSerializer or ClientUserSerializer subclass (from the same koa-easyjwt the command runs)');
  }
  const claims = list(
    loaded.claims,
    (item) => isClaimBuilder(item),
    () => fail('claims', 'must be an array of {key, build}'),
  );
  const controllers = list(
    loaded.controllers,
    (item) => typeof item === 'function',
    () => fail('controllers', 'must be an array of controller classes'),
  );
  const entities = list(
    loaded.entities,
    (item) => typeof item === 'function' || item instanceof EntitySchema,
    () => fail('entities', 'must be an array of entity classes'),
  );
  const migrationsDir = typeof loaded.migrations === 'string' ? resolve(dirname(path), loaded.migrations) : join(dirname(path), 'migrations');
  const migrations =
    typeof loaded.migrations === 'string' || loaded.migrations === undefined ? readMigrationsDir(migrationsDir, shown) : dialectLists(loaded.migrations, fail);
  return {
    path: shown,
    settings: settings as Record<string, unknown>,
    serializer: serializer,
    claims: claims as ClaimBuilder[],
    controllers: controllers as Constructor[],
    entities: entities as Constructor[],
    migrations,
    migrationsDir,
  };
}

function isClaimBuilder(item: unknown): boolean {
  if (item === null || typeof item !== 'object') return false;
  const builder = item as Record<string, unknown>;
  return typeof builder.key === 'string' && typeof builder.build === 'function';
}

function list(value: unknown, valid: (item: unknown) => boolean, fail: () => Error): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(valid)) throw fail();
  return value;
}

function dialectLists(value: unknown, fail: (key: string, problem: string) => Error): DialectMigrations {
  const problem = 'must be a folder, or {sqlite: [...], mariadb: [...]} of migration classes';
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail('migrations', problem);
  const given = value as Record<string, unknown>;
  const one = (dialect: string) =>
    list(
      given[dialect],
      (item) => typeof item === 'function',
      () => fail('migrations', problem),
    ) as Constructor[];
  return { sqlite: one('sqlite'), mariadb: one('mariadb') };
}

/** The file names makemigrations writes: `<stamp>-<Name>.<dialect>.js`. */
export const MIGRATION_FILE = /^\d{13}-[A-Z][A-Za-z0-9]*\.(sqlite|mariadb)\.js$/;

/** The migration classes in a folder makemigrations wrote, per dialect; none when it is missing. */
function readMigrationsDir(dir: string, shown: string): DialectMigrations {
  const found: { sqlite: Constructor[]; mariadb: Constructor[] } = { sqlite: [], mariadb: [] };
  if (!existsSync(dir)) return found;
  for (const file of readdirSync(dir).sort()) {
    const match = MIGRATION_FILE.exec(file);
    if (!match) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- migration files are found at run time
    const exported = Object.values(require(join(dir, file)) as Record<string, unknown>).filter((value) => typeof value === 'function');
    if (exported.length !== 1) throw new UsageError(`config module ${shown}: migration ${basename(file)} must export one class`);
    found[match[1] as 'sqlite' | 'mariadb'].push(exported[0]);
  }
  return found;
}
