// The revocation table: written in the transaction of the change it reflects, read as a feed by
// cursor (its autoincrement id), and swept of rows whose tokens have all expired.
import type { DataSource, EntityManager } from 'typeorm';
import type { FeedPage, RevocationEntry } from '../revocation/revocation-list';
import { RevocationRecord } from '../entities';
import { CHUNK, marks, sql, sqlDate, sqlId } from './sql';

/** A row to write: what it voids and until when (epoch seconds). */
export type RevocationInput =
  | { readonly kind: 'jti'; readonly jti: string; readonly expires: number }
  | { readonly kind: 'user'; readonly userId: number; readonly notAfter: number; readonly expires: number }
  | { readonly kind: 'user_changed'; readonly userId: number; readonly expires: number };

type Row = { id: number | string; kind: string; jti: string | null; user_id: number | string | null; not_after: unknown; expires_at: unknown };

/** Most rows in one feed answer; the consumer asks again at once when there are more. */
const PAGE_SIZE = 5000;

/**
 * Rows created less than this long ago are answered again at the next poll: on MariaDB two
 * transactions may commit in the other order than they took their ids, and a cursor past a row
 * not yet committed would skip it for ever.
 */
const SETTLE_MS = 5000;

const seconds = (value: unknown): number => (sqlDate(value) as Date).getTime() / 1000;

function entryOf(row: Row): RevocationEntry {
  const id = sqlId(row.id);
  const expires = seconds(row.expires_at);
  if (row.kind === 'jti') return { id, kind: 'jti', jti: row.jti ?? '', expires };
  const userId = sqlId(row.user_id);
  if (row.kind === 'user') return { id, kind: 'user', user_id: userId, not_after: Math.floor(seconds(row.not_after)), expires };
  return { id, kind: 'user_changed', user_id: userId, expires };
}

/**
 * Writes and reads revocation rows.
 *
 * @example
 *   const written = await log.write(manager, [{ kind: 'user', userId: 3, notAfter, expires }], now);
 *   const page = await log.page(null, now); // every live row, reset: true
 */
export class RevocationLog {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts rows in the caller's transaction; answers them as feed entries (with their ids). */
  async write(manager: EntityManager, inputs: readonly RevocationInput[], now: Date): Promise<RevocationEntry[]> {
    const written: RevocationEntry[] = [];
    for (const input of inputs) {
      const result = await manager.insert(RevocationRecord, {
        kind: input.kind,
        jti: input.kind === 'jti' ? input.jti : null,
        userId: input.kind === 'jti' ? null : input.userId,
        notAfter: input.kind === 'user' ? new Date(input.notAfter * 1000) : null,
        expiresAt: new Date(input.expires * 1000),
        createdAt: now,
      });
      const id = sqlId(result.identifiers[0].id);
      if (input.kind === 'jti') written.push({ id, kind: 'jti', jti: input.jti, expires: input.expires });
      else if (input.kind === 'user') written.push({ id, kind: 'user', user_id: input.userId, not_after: input.notAfter, expires: input.expires });
      else written.push({ id, kind: 'user_changed', user_id: input.userId, expires: input.expires });
    }
    return written;
  }

  /** The `exp` (epoch seconds) of each access token among `jtis` that the registry knows. */
  async accessExpiries(manager: EntityManager, jtis: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (let i = 0; i < jtis.length; i += CHUNK) {
      const chunk = jtis.slice(i, i + CHUNK);
      const rows = await sql<{ jti: string; expires_at: unknown }>(
        manager,
        `SELECT jti, expires_at FROM easyjwt_token WHERE jti IN (${marks(chunk)}) AND token_type = 'access'`,
        chunk,
      );
      for (const row of rows) found.set(row.jti, seconds(row.expires_at));
    }
    return found;
  }

  /**
   * The feed after `after`: the rows written since, or, when `after` is null, ahead of the table
   * (a database restored or replaced) or older than its oldest kept row, every live row with
   * `reset`. The cursor stops short of rows younger than SETTLE_MS (see there).
   */
  async page(after: number | null, now: Date): Promise<FeedPage> {
    const manager = this.dataSource.manager;
    const [bounds] = await sql<{ lo: number | string | null; hi: number | string | null }>(
      manager,
      'SELECT MIN(id) AS lo, MAX(id) AS hi FROM easyjwt_revocation',
    );
    const lo = bounds.lo === null ? null : sqlId(bounds.lo);
    const hi = bounds.hi === null ? 0 : sqlId(bounds.hi);
    const reset = after === null || after > hi || (lo !== null && after < lo - 1);
    if (lo === null) return { cursor: 0, reset, more: false, entries: [] };
    const from = reset ? 0 : after;
    const rows = await sql<Row & { created_at: unknown }>(
      manager,
      `SELECT id, kind, jti, user_id, not_after, expires_at, created_at FROM easyjwt_revocation
        WHERE id > ?${reset ? ' AND expires_at > ?' : ''} ORDER BY id LIMIT ${PAGE_SIZE}`,
      reset ? [from, now] : [from],
    );
    // A snapshot with nothing live left still moves the cursor past every row read.
    let cursor = rows.length > 0 ? sqlId(rows[rows.length - 1].id) : reset ? hi : from;
    const settled = now.getTime() - SETTLE_MS;
    const young = rows.find((row) => (sqlDate(row.created_at) as Date).getTime() > settled);
    if (young) cursor = Math.max(from, sqlId(young.id) - 1);
    // Asking again at once only helps when the cursor moved to the end of this page.
    return { cursor, reset, more: rows.length === PAGE_SIZE && !young, entries: rows.map(entryOf) };
  }

  /** Deletes rows whose tokens have all expired; answers how many. */
  async sweep(manager: EntityManager, now: Date): Promise<number> {
    const result = await manager.createQueryBuilder().delete().from(RevocationRecord).where('expires_at <= :now', { now }).execute();
    return result.affected ?? 0;
  }
}
