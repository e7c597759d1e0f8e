// The mariadb migrations, in the order they run.
import { Initial1795435083410 } from './1795435083410-Initial';
import { Registry1796006660026 } from './1796006660026-Registry';
import { Revocations1796095776916 } from './1796095776916-Revocations';

export const mariadbMigrations = [Initial1795435083410, Registry1796006660026, Revocations1796095776916];
