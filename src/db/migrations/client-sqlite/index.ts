// The sqlite migrations, in the order they run.
import { LocalUsers1795436731239 } from './1795436731239-LocalUsers';

export const clientSqliteMigrations = [LocalUsers1795436731239];
