// The example's access-group table on SQLite, one-to-one with the library's local user copies.
// (TypeORM's generator writes this as a table rebuild; one CREATE TABLE is the same schema.)
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AccessGroup1795437600000 implements MigrationInterface {
  name = 'AccessGroup1795437600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      'CREATE TABLE "example_access_group" ("user_id" integer PRIMARY KEY NOT NULL, "user_type" varchar(100), CONSTRAINT "FK_8a3544ba72c52f20740557efdd4" FOREIGN KEY ("user_id") REFERENCES "easyjwt_local_user" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE "example_access_group"');
  }
}
