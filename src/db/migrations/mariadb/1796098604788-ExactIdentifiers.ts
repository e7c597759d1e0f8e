// Written by hand: TypeORM neither writes nor compares collations, and SQLite (whose default
// BINARY collation already compares exactly) needs no counterpart.
//
// MariaDB's default collations ignore case, accents and trailing spaces, so under them
// `alicé@test.com` found the row of `alice@test.com` at login. Identifiers compared for equality
// (the login email, the username, a token's jti) compare byte for byte here, as on SQLite. Emails
// are lower-cased before they are written or looked up, so the unique index still refuses `A@x`
// next to `a@x`.
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The server's binary collation that also counts trailing spaces (`jdoe ` is not `jdoe`):
 * MariaDB's `utf8mb4_nopad_bin`, MySQL 8's `utf8mb4_0900_bin`, else `utf8mb4_bin`.
 */
export async function exactCollation(runner: QueryRunner): Promise<string> {
  const preferred = ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin'];
  const rows = (await runner.query(
    'SELECT COLLATION_NAME AS name FROM information_schema.COLLATIONS WHERE COLLATION_NAME IN (?, ?)',
    preferred,
  )) as { name: string }[];
  return preferred.find((name) => rows.some((row) => row.name === name)) ?? 'utf8mb4_bin';
}

export class ExactIdentifiers1796098604788 implements MigrationInterface {
  name = 'ExactIdentifiers1796098604788';

  async up(runner: QueryRunner): Promise<void> {
    const collation = await exactCollation(runner);
    await runner.query(`ALTER TABLE \`easyjwt_user\` MODIFY \`email\` varchar(254) CHARACTER SET utf8mb4 COLLATE ${collation} NOT NULL`);
    await runner.query(`ALTER TABLE \`easyjwt_user\` MODIFY \`username\` varchar(150) CHARACTER SET utf8mb4 COLLATE ${collation} NULL`);
    await runner.query(`ALTER TABLE \`easyjwt_token\` MODIFY \`jti\` varchar(32) CHARACTER SET utf8mb4 COLLATE ${collation} NOT NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    // Back to the table's own character set and collation, as the columns were created.
    await runner.query('ALTER TABLE `easyjwt_token` MODIFY `jti` varchar(32) NOT NULL');
    await runner.query('ALTER TABLE `easyjwt_user` MODIFY `username` varchar(150) NULL');
    await runner.query('ALTER TABLE `easyjwt_user` MODIFY `email` varchar(254) NOT NULL');
  }
}
