// One statement on a MariaDB server, on a connection of its own: creating and dropping the scratch
// databases of the tests and of bench:registry. Kept apart from databases.ts, which registers
// mocha hooks and so can only be loaded under mocha.
import { DataSource } from 'typeorm';

/** Runs one statement on the MariaDB server at `base` (CREATE or DROP DATABASE), on a connection of its own. */
export async function adminQuery(base: string, sql: string): Promise<void> {
  const url = new URL(base);
  const admin = new DataSource({
    type: 'mariadb',
    host: url.hostname,
    port: Number(url.port || 3306),
    username: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)),
  });
  await admin.initialize();
  try {
    await admin.query(sql);
  } finally {
    await admin.destroy();
  }
}
