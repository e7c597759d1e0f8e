// The archiver: deletes tokens (and sessions) that expired before a cut-off, in small batches by
// primary key so that MariaDB holds each batch's row locks only briefly and the service keeps
// answering while a million-row table is cleaned.
import type { DataSource } from 'typeorm';
import { CHUNK, marks, sql, sqlId } from './sql';
import { inTransaction } from '../db/transactions';

/** How to archive. */
export interface ArchiveOptions {
  /** Tokens whose `exp` is before this go (as do sessions whose last refresh token expired before it). */
  readonly before: Date;
  /** Rows per batch (one short transaction each); default 1000. */
  readonly batchSize?: number;
  /** Called after each batch with the tokens deleted so far and how many there were to delete. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** What an archive run did. */
export interface ArchiveResult {
  readonly tokens: number;
  readonly sessions: number;
  readonly seconds: number;
}

/**
 * Deletes what expired before `options.before`. Each batch first selects ids through
 * ix_token_expires_at, then deletes their user links and the tokens by primary key in one
 * transaction; children of a deleted token keep living with `parent_id` set to null (the foreign
 * key's ON DELETE SET NULL). Safe to stop and run again: every batch is whole or absent.
 *
 * @example
 *   const { tokens } = await archiveExpiredTokens(service.dataSource, { before: new Date(Date.now() - 10 * 86400e3) });
 */
export async function archiveExpiredTokens(dataSource: DataSource, options: ArchiveOptions): Promise<ArchiveResult> {
  const started = process.hrtime.bigint();
  const batch = Math.max(1, Math.min(options.batchSize ?? 1000, CHUNK * 10));
  const manager = dataSource.manager;
  const counted = await sql<{ n: number | string }>(manager, 'SELECT COUNT(*) AS n FROM easyjwt_token WHERE expires_at < ?', [options.before]);
  const total = sqlId(counted[0].n);
  let tokens = 0;
  options.onProgress?.(0, total);
  for (;;) {
    const rows = await sql<{ id: number | string }>(manager, 'SELECT id FROM easyjwt_token WHERE expires_at < ? LIMIT ?', [options.before, batch]);
    if (rows.length === 0) break;
    const ids = rows.map((row) => sqlId(row.id));
    await inTransaction(dataSource, async (tx) => {
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        // Explicit rather than left to the cascade: the same work on both dialects, visible here.
        await sql(tx, `DELETE FROM easyjwt_token_user WHERE token_id IN (${marks(chunk)})`, chunk);
        await sql(tx, `DELETE FROM easyjwt_token WHERE id IN (${marks(chunk)})`, chunk);
      }
    });
    tokens += ids.length;
    options.onProgress?.(Math.min(tokens, Math.max(total, tokens)), Math.max(total, tokens));
  }
  let sessions = 0;
  for (;;) {
    const rows = await sql<{ id: number | string }>(manager, 'SELECT id FROM easyjwt_session WHERE expires_at < ? LIMIT ?', [options.before, batch]);
    if (rows.length === 0) break;
    const ids = rows.map((row) => sqlId(row.id));
    await inTransaction(dataSource, async (tx) => {
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        await sql(tx, `DELETE FROM easyjwt_session WHERE id IN (${marks(chunk)})`, chunk);
      }
    });
    sessions += ids.length;
  }
  return { tokens, sessions, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
