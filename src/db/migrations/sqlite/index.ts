// The sqlite migrations, in the order they run.
import { Initial1795435083410 } from './1795435083410-Initial';

export const sqliteMigrations = [Initial1795435083410];
