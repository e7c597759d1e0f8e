// Plain SQL shared by the registry's queries: the few statements where building them through
// TypeORM cost as much as running them, or that TypeORM cannot express (recursive CTEs).
// `?` placeholders and these table names are the same on SQLite and MariaDB.
import type { EntityManager } from 'typeorm';

/** Rows changed in one statement; keeps each IN list well inside SQLite's and MariaDB's limits. */
export const CHUNK = 500;

/**
 * A Date as each driver wants it bound: mysql2 takes the object (the connection is in UTC),
 * better-sqlite3 only text, in the format TypeORM writes datetime columns in (UTC, milliseconds).
 */
const bindable = (manager: EntityManager, value: unknown): unknown =>
  value instanceof Date && manager.dataSource.options.type === 'better-sqlite3' ? value.toISOString().replace('T', ' ').replace('Z', '') : value;

/**
 * Runs `sql` with `params` (Dates converted for the driver) and answers the rows.
 *
 * @example
 *   const rows = await sql<{ id: number }>(manager, 'SELECT id FROM easyjwt_token WHERE expires_at < ?', [cutoff]);
 */
export function sql<Row = Record<string, unknown>>(manager: EntityManager, text: string, params: readonly unknown[] = []): Promise<Row[]> {
  return manager.query(
    text,
    params.map((value) => bindable(manager, value)),
  );
}

/** `?, ?, ?` for a list. */
export const marks = (values: readonly unknown[]): string => values.map(() => '?').join(', ');

/**
 * A datetime column read by plain SQL: mysql2 answers a Date, better-sqlite3 the text TypeORM
 * stored (UTC, `YYYY-MM-DD HH:MM:SS.SSS`).
 */
export const sqlDate = (value: unknown): Date | null => {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return new Date(text.replace(' ', 'T') + 'Z');
};

/** An id column: bigint-safe ints come back as numbers on SQLite and may be strings on MariaDB. */
export const sqlId = (value: unknown): number => Number(value);

/** An epoch second (a token's `iat` or `exp`) as a Date for a DATETIME column. */
export const fromSeconds = (seconds: number): Date => new Date(seconds * 1000);

/**
 * One UPDATE giving each row (by primary key) values of its own:
 * `SET a = CASE id WHEN ? THEN ? ... ELSE a END, ... WHERE id IN (...)`. What a group commit
 * writes for its members in one statement instead of one each. `rows` maps an id to its values
 * in the order of `columns`; give each id once (CASE takes the first match). Groups are small
 * (see MAX_GROUP), so the placeholders stay far inside both dialects' limits.
 *
 * @example
 *   await updateEach(manager, 'easyjwt_session', ['last_used_at'], new Map([[1, [now]], [2, [now]]]));
 */
export async function updateEach(
  manager: EntityManager,
  table: string,
  columns: readonly string[],
  rows: ReadonlyMap<number, readonly unknown[]>,
): Promise<void> {
  if (rows.size === 0) return;
  const ids = [...rows.keys()];
  const sets = columns.map((column) => `${column} = CASE id ${ids.map(() => 'WHEN ? THEN ?').join(' ')} ELSE ${column} END`);
  const params = columns.flatMap((_, c) => ids.flatMap((id) => [id, (rows.get(id) as readonly unknown[])[c]]));
  await sql(manager, `UPDATE ${table} SET ${sets.join(', ')} WHERE id IN (${marks(ids)})`, [...params, ...ids]);
}
