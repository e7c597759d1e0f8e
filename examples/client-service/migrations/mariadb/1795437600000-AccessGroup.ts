// The example's access-group table on MariaDB, one-to-one with the library's local user copies.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AccessGroup1795437600000 implements MigrationInterface {
  name = 'AccessGroup1795437600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE TABLE `example_access_group` (`user_id` int NOT NULL, `user_type` varchar(100) NULL, PRIMARY KEY (`user_id`)) ENGINE=InnoDB');
    await runner.query(
      'ALTER TABLE `example_access_group` ADD CONSTRAINT `FK_8a3544ba72c52f20740557efdd4` FOREIGN KEY (`user_id`) REFERENCES `easyjwt_local_user`(`id`) ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE `example_access_group` DROP FOREIGN KEY `FK_8a3544ba72c52f20740557efdd4`');
    await runner.query('DROP TABLE `example_access_group`');
  }
}
