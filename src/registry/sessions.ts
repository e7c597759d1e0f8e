// Sessions as their owner sees them: list the active ones, end one, end them all (logout-all).
import type { DataSource, EntityManager } from 'typeorm';
import { User } from '../entities';
import { CHUNK, marks, sql, sqlDate, sqlId } from './sql';
import type { TokenRegistry } from './token-registry';
import { inTransaction } from '../db/transactions';

/** One active session, as `GET /sessions/` answers it. */
export interface SessionView {
  readonly id: number;
  readonly created_at: string;
  readonly last_used_at: string;
  readonly expires_at: string;
  readonly ip: string;
  readonly device: { readonly browser: string; readonly os: string; readonly device_type: string; readonly user_agent: string } | null;
  /** Whether the token of the request that asked belongs to this session. */
  readonly current: boolean;
}

/** What ending sessions did, for caches and events. */
export interface Ended {
  readonly userId: number;
  readonly sessions: number;
  readonly jtis: readonly string[];
}

type SessionRow = {
  id: number | string;
  created_at: unknown;
  last_used_at: unknown;
  expires_at: unknown;
  ip: string;
  device_id: number | string | null;
  browser: string | null;
  os: string | null;
  device_type: string | null;
  user_agent: string | null;
};

/** A NOT NULL datetime column as ISO 8601. */
function iso(value: unknown): string {
  const date = sqlDate(value);
  if (date === null) throw new Error('a NOT NULL datetime column was read as null');
  return date.toISOString();
}

/**
 * Reads and ends sessions.
 *
 * @example
 *   const sessions = await store.list(userId, now, currentJti);
 *   await store.end(sessions[1].id, userId, now);
 */
export class SessionStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly registry: TokenRegistry,
  ) {}

  /**
   * The user's active sessions, most recently used first: one query on ix_session_user joined to
   * the device by primary key (unpaginated: a user has as many rows as live logins).
   */
  async list(userId: number, now: Date, currentJti: string | null = null): Promise<SessionView[]> {
    const manager = this.dataSource.manager;
    const rows = await sql<SessionRow>(
      manager,
      `SELECT s.id, s.created_at, s.last_used_at, s.expires_at, s.ip, s.device_id, d.browser, d.os, d.device_type, d.user_agent
         FROM easyjwt_session s LEFT JOIN easyjwt_device d ON d.id = s.device_id
        WHERE s.user_id = ? AND s.expired_at IS NULL AND s.expires_at > ? AND (s.ends_at IS NULL OR s.ends_at > ?)
        ORDER BY s.last_used_at DESC, s.id DESC`,
      [userId, now, now],
    );
    const current = currentJti === null ? null : await this.sessionOf(currentJti, manager);
    return rows.map((row) => ({
      id: sqlId(row.id),
      created_at: iso(row.created_at),
      last_used_at: iso(row.last_used_at),
      expires_at: iso(row.expires_at),
      ip: row.ip,
      device:
        row.device_id === null ? null : { browser: row.browser ?? '', os: row.os ?? '', device_type: row.device_type ?? '', user_agent: row.user_agent ?? '' },
      current: current === sqlId(row.id),
    }));
  }

  /** Whose session `id` is, or null when there is no such session. */
  async ownerOf(id: number): Promise<number | null> {
    const rows = await sql<{ user_id: number | string }>(this.dataSource.manager, 'SELECT user_id FROM easyjwt_session WHERE id = ?', [id]);
    return rows.length === 0 ? null : sqlId(rows[0].user_id);
  }

  /**
   * Ends one session and every token of it, in one transaction; `also` runs in it last (the
   * revocation record of what was ended).
   */
  end(id: number, userId: number, now: Date, also?: (manager: EntityManager, ended: Ended) => Promise<void>): Promise<Ended> {
    return inTransaction(this.dataSource, async (manager) => {
      const jtis = await this.registry.expireSessions(manager, [id], now);
      const ended = { userId, sessions: 1, jtis };
      await also?.(manager, ended);
      return ended;
    });
  }

  /**
   * Ends session `id` inside the caller's transaction and expires its tokens except `keepId` (the
   * refresh token a logout just blacklisted, which stays "blacklisted"); answers the expired jtis.
   */
  async endKeeping(manager: EntityManager, id: number, keepId: number, now: Date): Promise<string[]> {
    await sql(manager, 'UPDATE easyjwt_session SET expired_at = ? WHERE id = ? AND expired_at IS NULL', [now, id]);
    const rows = await sql<{ id: number | string }>(manager, 'SELECT id FROM easyjwt_token WHERE session_id = ? AND expired_at IS NULL AND id <> ?', [
      id,
      keepId,
    ]);
    return this.registry.expire(
      manager,
      rows.map((row) => sqlId(row.id)),
      now,
    );
  }

  /**
   * Logout-all: records `tokens_valid_after` on the user (what the request path compares `iat`
   * with, on the user it loads anyway), ends every session and expires every live token of the
   * user so verify and refresh refuse them too. One transaction.
   */
  endAll(userId: number, now: Date, also?: (manager: EntityManager, ended: Ended) => Promise<void>): Promise<Ended> {
    return inTransaction(this.dataSource, async (manager) => {
      await manager.update(User, { id: userId }, { tokensValidAfter: now });
      const sessions = await sql<{ id: number | string }>(manager, 'SELECT id FROM easyjwt_session WHERE user_id = ? AND expired_at IS NULL', [userId]);
      const sessionIds = sessions.map((row) => sqlId(row.id));
      for (let i = 0; i < sessionIds.length; i += CHUNK) {
        const chunk = sessionIds.slice(i, i + CHUNK);
        await sql(manager, `UPDATE easyjwt_session SET expired_at = ? WHERE id IN (${marks(chunk)})`, [now, ...chunk]);
      }
      // Every live token linked to the user, with or without a session (tokens issued elsewhere).
      const tokens = await sql<{ id: number | string }>(
        manager,
        `SELECT t.id FROM easyjwt_token_user link INNER JOIN easyjwt_token t ON t.id = link.token_id
          WHERE link.user_id = ? AND t.expired_at IS NULL AND t.expires_at > ?`,
        [userId, now],
      );
      const jtis = await this.registry.expire(
        manager,
        tokens.map((row) => sqlId(row.id)),
        now,
      );
      const ended = { userId, sessions: sessionIds.length, jtis };
      await also?.(manager, ended);
      return ended;
    });
  }

  private async sessionOf(jti: string, manager: EntityManager): Promise<number | null> {
    const rows = await sql<{ session_id: number | string | null }>(manager, 'SELECT session_id FROM easyjwt_token WHERE jti = ?', [jti]);
    return rows.length === 0 || rows[0].session_id === null ? null : sqlId(rows[0].session_id);
  }
}
