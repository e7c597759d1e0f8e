// The databases every storage-touching test runs against: SQLite always, MariaDB whenever
// EASYJWT_TEST_MYSQL_URL names a server. Each test gets a database of its own.
import { adminQuery } from './admin-query';

export type DialectName = 'sqlite' | 'mariadb';

/** The dialects this run covers. */
export const dialects: DialectName[] = process.env.EASYJWT_TEST_MYSQL_URL ? ['sqlite', 'mariadb'] : ['sqlite'];

let counter = 0;
const created: { admin: string; name: string }[] = [];

/**
 * A DATABASE_URL for an empty database of `dialect`: in-memory SQLite, or a new MariaDB database
 * on the test server (dropped when the run ends).
 */
export async function freshDatabaseUrl(dialect: DialectName): Promise<string> {
  if (dialect === 'sqlite') return 'sqlite::memory:';
  const base = process.env.EASYJWT_TEST_MYSQL_URL;
  if (!base) throw new Error('EASYJWT_TEST_MYSQL_URL is not set');
  const name = `easyjwt_t${process.pid}_${++counter}`;
  await adminQuery(base, `CREATE DATABASE \`${name}\``);
  created.push({ admin: base, name });
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `body` once per dialect, inside a describe named for it. */
export function forEachDialect(body: (dialect: DialectName) => void): void {
  for (const dialect of dialects) describe(`on ${dialect}`, () => body(dialect));
}

// Drop the databases this run created, once, after every test.
after(async function dropTestDatabases() {
  this.timeout(60000);
  for (const { admin, name } of created.splice(0)) await adminQuery(admin, `DROP DATABASE IF EXISTS \`${name}\``);
});
