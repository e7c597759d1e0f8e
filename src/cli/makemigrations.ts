// `easyjwt makemigrations`: a migration per dialect for the team's own entities (those of the
// config module), as Django's makemigrations writes one for an app's models. The library's
// migrations run first on a scratch database, then the team's existing ones; what the entities
// still need is the new migration. The files land where the config module reads them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Dialect } from '../db/data-source';
import { AUTH_SCHEMA, CLIENT_SCHEMA } from '../db/data-source';
import type { SchemaChange } from '../db/schema-diff';
import { pendingChange, renderMigration, scratchDatabase } from '../db/schema-diff';
import { UsageError } from '../errors';
import type { CommandContext } from './commands';
import { schemaWith } from './team-code';

/** Flags of `makemigrations`. */
export interface MakeMigrationsFlags {
  name: string;
  /** The client-service's schema instead of the auth-service's. */
  client?: boolean;
  /** Where to write; the config module's migrations folder by default. */
  dir?: string;
  /** A MariaDB server on which a scratch database may be created. */
  mysqlUrl?: string;
}

/** Scratch database for the MariaDB side, one per process so two runs cannot meet in it. */
const SCRATCH = `easyjwt_makemigrations_${process.pid}`;

/**
 * Writes `<stamp>-<Name>.sqlite.js` (and `.mariadb.js` with a MariaDB server) for the entities of
 * the config module, or says there is nothing to write.
 *
 * @example
 *   await makeMigrations(context, { name: 'AccessGroup', client: true }, process.env);
 */
export async function makeMigrations(context: CommandContext, flags: MakeMigrationsFlags, env: NodeJS.ProcessEnv): Promise<void> {
  const module = context.config.module;
  if (!module) throw new UsageError('makemigrations needs a config module with `entities`: pass --config app.cjs (or set EASYJWT_CONFIG)');
  if (!module.entities.length) throw new UsageError(`config module ${module.path}: \`entities\` is empty, so there is nothing to migrate`);
  if (!/^[A-Z][A-Za-z0-9]*$/.test(flags.name))
    throw new UsageError(`--name must be PascalCase letters and digits, like AccessGroup; got ${JSON.stringify(flags.name)}`);
  const schema = schemaWith(flags.client ? CLIENT_SCHEMA : AUTH_SCHEMA, module);
  const dir = flags.dir ? resolve(flags.dir) : module.migrationsDir;
  const stamp = Date.now();
  const mysql = flags.mysqlUrl ?? env.EASYJWT_MIGRATION_MYSQL_URL;
  const targets: [Dialect, () => Promise<SchemaChange>][] = [['sqlite', () => pendingChange('sqlite::memory:', schema)]];
  if (mysql) {
    targets.push([
      'mariadb',
      async () => {
        const scratch = await scratchDatabase(mysql, SCRATCH);
        try {
          return await pendingChange(scratch.url, schema);
        } finally {
          await scratch.drop();
        }
      },
    ]);
  } else context.out('mariadb: skipped (pass --mysql-url or set EASYJWT_MIGRATION_MYSQL_URL to a server where a scratch database may be created)');
  for (const [dialect, diff] of targets) {
    const change = await diff();
    if (change.up.length === 0) {
      context.out(`${dialect}: the tables match the entities, nothing written`);
      continue;
    }
    const className = `${flags.name}${stamp}`;
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${stamp}-${flags.name}.${dialect}.js`);
    writeFileSync(file, renderMigration(className, change, 'js', 'easyjwt makemigrations'), { flag: 'wx' });
    context.out(`${dialect}: wrote ${relative(process.cwd(), file) || file} (${change.up.length} statements)`);
  }
}
