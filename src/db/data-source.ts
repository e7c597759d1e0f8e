// One DATABASE_URL to a TypeORM DataSource: better-sqlite3 for `sqlite:`, mysql2 in MariaDB mode
// for `mysql://` and `mariadb://`, each with its own checked-in migrations.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions, MixedList } from 'typeorm';
import { DataSource } from 'typeorm';
import { clientEntities, entities } from '../entities';
import { SettingsError } from '../errors';
import { clientMariadbMigrations } from './migrations/client-mariadb';
import { clientSqliteMigrations } from './migrations/client-sqlite';
import { mariadbMigrations } from './migrations/mariadb';
import { sqliteMigrations } from './migrations/sqlite';
import { requireTables } from './table-check';

export type Dialect = 'sqlite' | 'mariadb';

/** What a service keeps in its database: its entities and the migrations that build them. */
export interface Schema {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for entity classes
  readonly entities: MixedList<Function>;
  readonly migrations: { readonly sqlite: MixedList<Function>; readonly mariadb: MixedList<Function> }; // eslint-disable-line @typescript-eslint/no-unsafe-function-type -- TypeORM's type for migration classes
  /** Name of the table recording applied migrations; distinct per schema so two can share a database. */
  readonly migrationsTable: string;
}

/** The auth-service's schema. */
export const AUTH_SCHEMA: Schema = {
  entities,
  migrations: { sqlite: sqliteMigrations, mariadb: mariadbMigrations },
  migrationsTable: 'easyjwt_migrations',
};

/** A client-service's schema: the local user copies. */
export const CLIENT_SCHEMA: Schema = {
  entities: clientEntities,
  migrations: { sqlite: clientSqliteMigrations, mariadb: clientMariadbMigrations },
  migrationsTable: 'easyjwt_client_migrations',
};

/** Options beyond the URL. */
export interface DatabaseOptions {
  /** Log every SQL statement (development only). */
  readonly logging?: boolean;
  /** Which tables; the auth-service's by default. */
  readonly schema?: Schema;
}

/** Which dialect a DATABASE_URL names. */
export function dialectOf(url: string): Dialect {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (/^(mysql|mariadb):\/\//.test(url)) return 'mariadb';
  throw new SettingsError('DATABASE_URL', `must start with sqlite:, mysql:// or mariadb://, got ${JSON.stringify(redactUrl(url))}`);
}

/** The URL with any password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}

/**
 * TypeORM options for a DATABASE_URL.
 *
 * @example
 *   dataSourceOptions('sqlite:data/easyjwt.sqlite3');
 *   dataSourceOptions('mysql://root@127.0.0.1:3306/test');
 */
export function dataSourceOptions(url: string, options: DatabaseOptions = {}): DataSourceOptions {
  const schema = options.schema ?? AUTH_SCHEMA;
  const common = { entities: schema.entities, logging: options.logging ?? false, synchronize: false, migrationsTableName: schema.migrationsTable };
  if (dialectOf(url) === 'sqlite') {
    const path = url.slice('sqlite:'.length);
    if (!path) throw new SettingsError('DATABASE_URL', 'sqlite: needs a file path, or :memory:');
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    return {
      ...common,
      type: 'better-sqlite3',
      database: path,
      migrations: schema.migrations.sqlite,
      // WAL lets readers go on while a registry write commits; the busy timeout makes a second
      // process (the CLI beside a running server) wait for the lock instead of failing.
      prepareDatabase: (db: { pragma(source: string): unknown }) => {
        if (path !== ':memory:') db.pragma('journal_mode = WAL');
        db.pragma('busy_timeout = 5000');
      },
    };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SettingsError('DATABASE_URL', `is not a valid URL: ${JSON.stringify(redactUrl(url))}`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new SettingsError('DATABASE_URL', 'must name a database, as in mysql://user@host:3306/NAME');
  return {
    ...common,
    type: 'mariadb',
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 3306,
    username: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password),
    database,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    connectTimeout: 10000,
    migrations: schema.migrations.mariadb,
  };
}

/** A DataSource for `url`, not yet initialised. */
export function createDataSource(url: string, options: DatabaseOptions = {}): DataSource {
  return new DataSource(dataSourceOptions(url, options));
}

/**
 * Initialises `dataSource`, applies pending migrations and checks that every entity has its table
 * (MissingTable otherwise); returns the names applied.
 */
export async function openDatabase(dataSource: DataSource): Promise<string[]> {
  if (!dataSource.isInitialized) await dataSource.initialize();
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  await requireTables(dataSource);
  return applied.map((migration) => migration.name);
}
