// Column shapes shared by the entities, chosen to behave the same on SQLite and MariaDB.
import type { ColumnOptions } from 'typeorm';

/**
 * A UTC timestamp with milliseconds: `datetime(3)`, since MariaDB's plain `datetime` drops the
 * fraction of a second. CreateDateColumn keeps whole seconds on SQLite, so every timestamp is set
 * from the service's clock.
 */
export const timestamp = (options: ColumnOptions = {}): ColumnOptions => ({ type: 'datetime', precision: 3, ...options });
