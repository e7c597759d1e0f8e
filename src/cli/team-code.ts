// What a config module adds to the service `serve` builds: the auth-service takes a serializer,
// claim builders and tables; a client-service takes a serializer, controllers and tables. A key
// the role cannot use stops the start rather than being silently dropped.
import type { ClientServiceOptions } from '../services/client-service';
import type { AuthServiceOptions } from '../services/auth-service';
import type { Schema } from '../db/data-source';
import { AUTH_SCHEMA, createDataSource } from '../db/data-source';
import { MissingTable, UsageError } from '../errors';
import { ClientUserSerializer } from '../serializers/client-user-serializer';
import { UserSerializer } from '../serializers/user-serializer';
import type { ConfigModule } from './config-module';

type Constructor = ConfigModule['controllers'][number];

/** The library's schema plus the module's entities and migrations. */
export function schemaWith(base: Schema, module: ConfigModule | null): Schema {
  if (!module) return base;
  return {
    entities: [...(base.entities as Constructor[]), ...(module.entities as Constructor[])],
    migrations: {
      sqlite: [...(base.migrations.sqlite as Constructor[]), ...module.migrations.sqlite],
      mariadb: [...(base.migrations.mariadb as Constructor[]), ...module.migrations.mariadb],
    },
    migrationsTable: base.migrationsTable,
  };
}

const refuse = (module: ConfigModule, key: string, problem: string) => new UsageError(`config module ${module.path}: \`${key}\` ${problem}`);

/** The auth-service options a config module sets; `databaseUrl` is the resolved DATABASE_URL. */
export function authExtras(module: ConfigModule | null, databaseUrl: string): Pick<AuthServiceOptions, 'serializer' | 'claims' | 'dataSource'> {
  if (!module) return {};
  if (module.controllers.length) throw refuse(module, 'controllers', 'are mounted by `serve client`; the auth-service takes none');
  if (module.serializer !== null && !(module.serializer instanceof UserSerializer)) {
    throw refuse(module, 'serializer', 'must be a UserSerializer for `serve auth` (a ClientUserSerializer is for `serve client`)');
  }
  return {
    serializer: module.serializer ?? undefined,
    claims: module.claims,
    dataSource: module.entities.length ? createDataSource(databaseUrl, { schema: schemaWith(AUTH_SCHEMA, module) }) : undefined,
  };
}

/** The client-service options a config module sets. */
export function clientExtras(module: ConfigModule | null): Pick<ClientServiceOptions, 'serializer' | 'controllers' | 'entities' | 'migrations'> {
  if (!module) return {};
  if (module.claims.length) throw refuse(module, 'claims', 'are built by the auth-service (`serve auth`); a client-service issues no tokens');
  if (module.serializer !== null && !(module.serializer instanceof ClientUserSerializer)) {
    throw refuse(module, 'serializer', 'must be a ClientUserSerializer for `serve client` (a UserSerializer is for `serve auth`)');
  }
  return {
    serializer: module.serializer ?? undefined,
    controllers: module.controllers,
    entities: module.entities as ClientServiceOptions['entities'],
    migrations: module.migrations,
  };
}

/**
 * A MissingTable with the command that fixes it; other errors unchanged.
 *
 * @example
 *   throw withMigrationHint(error, config.module, true);
 */
export function withMigrationHint(error: unknown, module: ConfigModule | null, client: boolean): unknown {
  if (!(error instanceof MissingTable)) return error;
  // The library's own tables come with its migrations; only the team's can lack one.
  const ours = module?.entities.some((entity) => (typeof entity === 'function' ? entity.name : entity.options.name) === error.entity);
  if (!ours) return error;
  return new UsageError(
    `table ${error.table} does not exist: run \`easyjwt makemigrations --config ${module?.path ?? '<module>'}${client ? ' --client' : ''} --name ${error.entity}\` and restart`,
  );
}
