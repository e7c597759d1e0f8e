// The mariadb migrations, in the order they run.
import { LocalUsers1795436731239 } from './1795436731239-LocalUsers';

export const clientMariadbMigrations = [LocalUsers1795436731239];
