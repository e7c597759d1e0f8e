// The example's own migrations, per dialect; createClientService runs them after the library's.
import { AccessGroup1795437600000 as MariadbAccessGroup } from './mariadb/1795437600000-AccessGroup';
import { AccessGroup1795437600000 as SqliteAccessGroup } from './sqlite/1795437600000-AccessGroup';

export const sqliteMigrations = [SqliteAccessGroup];
export const mariadbMigrations = [MariadbAccessGroup];
