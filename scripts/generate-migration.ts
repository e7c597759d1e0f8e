// Writes a migration for each dialect from the difference between the entities and the schema the
// existing migrations build. Run: npm run migration:generate -- auth|client Name
// The MariaDB side needs EASYJWT_TEST_MYSQL_URL (a server where it may create a scratch database).
import 'reflect-metadata';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dialect } from '../src/db/data-source';
import { AUTH_SCHEMA, CLIENT_SCHEMA } from '../src/db/data-source';
import { pendingChange, renderMigration, scratchDatabase } from '../src/db/schema-diff';

async function generate(kind: 'auth' | 'client', dialect: Dialect, url: string, name: string, stamp: number): Promise<void> {
  const change = await pendingChange(url, kind === 'auth' ? AUTH_SCHEMA : CLIENT_SCHEMA);
  const { up } = change;
  if (up.length === 0) {
    console.log(`${dialect}: schema is up to date, nothing written`);
    return;
  }
  const className = `${name}${stamp}`;
  const folder = join(__dirname, '..', '..', 'src', 'db', 'migrations', kind === 'auth' ? dialect : `client-${dialect}`);
  writeFileSync(join(folder, `${stamp}-${name}.ts`), renderMigration(className, change, 'ts', 'scripts/generate-migration.ts'));
  const indexPath = join(folder, 'index.ts');
  const base = dialect === 'sqlite' ? 'sqliteMigrations' : 'mariadbMigrations';
  const exportName = kind === 'auth' ? base : `client${base[0].toUpperCase()}${base.slice(1)}`;
  const index = readFileSync(indexPath, 'utf8');
  const imports = [...index.matchAll(/^import .*$/gm)].map((m) => m[0]);
  const classes = [...index.matchAll(/^import \{ (\w+) \}/gm)].map((m) => m[1]);
  imports.push(`import { ${className} } from './${stamp}-${name}';`);
  classes.push(className);
  writeFileSync(
    indexPath,
    `// The ${dialect} migrations, in the order they run.\n${imports.join('\n')}\n\nexport const ${exportName} = [${classes.join(', ')}];\n`,
  );
  console.log(`${dialect}: wrote ${className} (${up.length} statements)`);
}

async function main(): Promise<void> {
  const [kind, name] = process.argv.slice(2);
  if ((kind !== 'auth' && kind !== 'client') || !name || !/^[A-Z][A-Za-z0-9]*$/.test(name)) {
    throw new Error('usage: generate-migration auth|client PascalCaseName');
  }
  const stamp = Date.now();
  await generate(kind, 'sqlite', 'sqlite::memory:', name, stamp);
  const mysql = process.env.EASYJWT_TEST_MYSQL_URL;
  if (!mysql) {
    console.log('mariadb: skipped (set EASYJWT_TEST_MYSQL_URL)');
    return;
  }
  await generate(kind, 'mariadb', (await scratchDatabase(mysql, 'easyjwt_migration_scratch')).url, name, stamp);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
