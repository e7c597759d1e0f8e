// The registry of issued tokens: every token the auth-service signs is recorded by jti with its
// parent and its user, so blacklisting, password changes and (later) sessions can find it.
import type { DataSource, EntityManager } from 'typeorm';
import { IsNull } from 'typeorm';
import type { IssuedToken, TokenFacts, TokenIdentity } from '../core/tokens';
import { Token, TokenUserConnection } from '../entities';
import { CHUNK, fromSeconds, marks, sql, sqlDate, sqlId } from './sql';
import { collectTree } from './token-queries';

/** The tokens one obtain or refresh issued, as recordGroup files them. */
export interface Recording {
  readonly tokens: readonly IssuedToken[];
  /** The refresh token presented at a refresh (null at obtain). */
  readonly parentId: number | null;
  /** Later tokens are children of the first (obtain: the access token under its refresh token). */
  readonly chain: boolean;
  readonly now: Date;
  readonly sessionId: number | null;
}

/** What the registry knows about one token. */
export interface TokenRecord {
  readonly id: number;
  readonly jti: string;
  readonly revoked: boolean;
  /** Expired by the registry before its `exp` (see Token.expiredAt). */
  readonly expired: boolean;
  /** When rotation replaced it, or null. */
  readonly rotatedAt: Date | null;
  /** What that rotation answered (null before it, or for a row rotated before it was recorded). */
  readonly rotation: Rotation | null;
  readonly sessionId: number | null;
}

/** The tokens a rotation answered: the refresh token that replaced the used one, and its access token. */
export interface Rotation {
  readonly refresh: TokenIdentity;
  readonly access: TokenIdentity;
}

type RecordRow = {
  id: number | string;
  revoked_at: unknown;
  expired_at: unknown;
  rotated_at: unknown;
  session_id: number | string | null;
  successor_jti: string | null;
  successor_issued_at: unknown;
  successor_expires_at: unknown;
  successor_access_jti: string | null;
  successor_access_issued_at: unknown;
  successor_access_expires_at: unknown;
};

const RECORD_COLUMNS =
  'id, revoked_at, expired_at, rotated_at, session_id, successor_jti, successor_issued_at, successor_expires_at, successor_access_jti, successor_access_issued_at, successor_access_expires_at';

/** RECORD_COLUMNS read from easyjwt_token joined as `t`. */
const JOINED_RECORD_COLUMNS = RECORD_COLUMNS.split(', ')
  .map((column) => `t.${column}`)
  .join(', ');

/** A datetime column holding a token's `iat` or `exp`, as epoch seconds. */
const seconds = (value: unknown): number => Math.floor((sqlDate(value)?.getTime() ?? 0) / 1000);

/** The rotation a row records, or null. */
function rotationOf(row: RecordRow): Rotation | null {
  if (row.successor_jti === null || row.successor_access_jti === null) return null;
  return {
    refresh: { jti: row.successor_jti, issuedAt: seconds(row.successor_issued_at), expiresAt: seconds(row.successor_expires_at) },
    access: { jti: row.successor_access_jti, issuedAt: seconds(row.successor_access_issued_at), expiresAt: seconds(row.successor_access_expires_at) },
  };
}

/** The record a row of RECORD_COLUMNS describes. */
function recordOf(jti: string, row: RecordRow): TokenRecord {
  return {
    id: Number(row.id),
    jti,
    revoked: row.revoked_at !== null,
    expired: row.expired_at !== null,
    rotatedAt: sqlDate(row.rotated_at),
    rotation: rotationOf(row),
    sessionId: row.session_id === null ? null : Number(row.session_id),
  };
}

/** A verified token as the registry files it: the codec's facts plus whose it is, when known. */
export interface TokenFiling extends TokenFacts {
  readonly userId: number | null;
}

/** What a session's row says at a refresh: ended early, and when its absolute lifetime runs out. */
export interface SessionStanding {
  /** Ended by DELETE /sessions/{id}/, a logout-all or reuse detection. */
  readonly ended: boolean;
  /** SESSION_MAX_LIFETIME's end, or null when there is no cap. */
  readonly endsAt: Date | null;
}

/**
 * Records and revokes tokens.
 *
 * @example
 *   const [[refreshRow]] = await registry.recordGroup(manager, [{ tokens: [refresh, access], parentId: null, chain: true, now, sessionId: null }]);
 *   await registry.revoke(manager, refreshRow.id, now);
 */
export class TokenRegistry {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records freshly issued tokens inside the caller's transaction, for one registration or for
   * several sharing it, in at most two multi-row INSERTs whatever their number: first every token
   * whose parent is known, then the tokens chained to the first of their registration (an
   * obtained access token is the child of its refresh token). Each registration's first token is
   * the child of its `parentId` (if any); each later one is too, or, with `chain`, of the first.
   * Answers the rows of each registration in order, with their ids. The caller links users.
   */
  async recordGroup(manager: EntityManager, recordings: readonly Recording[]): Promise<Token[][]> {
    const saved: Token[][] = recordings.map((recording) =>
      recording.tokens.map((issued) =>
        manager.create(Token, {
          jti: issued.jti,
          tokenType: issued.type,
          parentId: recording.parentId,
          issuedAt: fromSeconds(issued.issuedAt),
          expiresAt: fromSeconds(issued.expiresAt),
          revokedAt: null,
          expiredAt: null,
          rotatedAt: null,
          sessionId: recording.sessionId,
          createdAt: recording.now,
        }),
      ),
    );
    const chained = (i: number, j: number) => recordings[i].chain && j > 0;
    const insert = async (rows: Token[]) => {
      if (rows.length === 0) return;
      // insert, not save: save reads each row back first. TypeORM answers the ids in the order
      // of the rows (RETURNING on MariaDB, the last rowid counted back on SQLite).
      const result = await manager.insert(Token, rows);
      rows.forEach((row, k) => (row.id = sqlId(result.identifiers[k].id)));
    };
    await insert(saved.flatMap((rows, i) => rows.filter((_, j) => !chained(i, j))));
    for (const [i, rows] of saved.entries()) for (const [j, row] of rows.entries()) if (chained(i, j)) row.parentId = rows[0].id;
    await insert(saved.flatMap((rows, i) => rows.filter((_, j) => chained(i, j))));
    return saved;
  }

  /**
   * The record of `jti`, or null if this registry never saw it. `lock` (inside a transaction)
   * reads the row's latest committed state and holds it until the transaction ends: on MariaDB
   * `FOR UPDATE`, so a concurrent refresh of the same token, in this process or another, waits
   * for this one to commit and then sees its rotation; SQLite lets one writer in at a time anyway.
   */
  async find(jti: string, manager: EntityManager = this.dataSource.manager, lock = false): Promise<TokenRecord | null> {
    // Plain SQL: this runs on every verify, where building the query through TypeORM cost about
    // as much as running it. `?` placeholders and these names are the same on SQLite and MariaDB.
    const forUpdate = lock && manager.dataSource.options.type !== 'better-sqlite3' ? ' FOR UPDATE' : '';
    const rows: RecordRow[] = await manager.query(`SELECT ${RECORD_COLUMNS} FROM easyjwt_token WHERE jti = ?${forUpdate}`, [jti]);
    return rows.length === 0 ? null : recordOf(jti, rows[0]);
  }

  /**
   * The record of `jti` and the standing of its session (null when it has none or the session is
   * gone), in one statement and without a lock: what a refresh that writes nothing decides on. A
   * join instead of find then sessionStanding saves a round trip on every such refresh.
   */
  async findWithSession(
    jti: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ record: TokenRecord; session: SessionStanding | null } | null> {
    const rows: (RecordRow & { session_row: unknown; session_expired_at: unknown; session_ends_at: unknown })[] = await manager.query(
      `SELECT ${JOINED_RECORD_COLUMNS}, s.id AS session_row, s.expired_at AS session_expired_at, s.ends_at AS session_ends_at` +
        ' FROM easyjwt_token t LEFT JOIN easyjwt_session s ON s.id = t.session_id WHERE t.jti = ?',
      [jti],
    );
    if (rows.length === 0) return null;
    const row = rows[0];
    const session = row.session_row === null ? null : { ended: row.session_expired_at !== null, endsAt: sqlDate(row.session_ends_at) };
    return { record: recordOf(jti, row), session };
  }

  /**
   * The record of a verified token, created if it was issued elsewhere with the same key (as
   * simplejwt's blacklist does with OutstandingToken). `lock`: see find.
   */
  async ensure(manager: EntityManager, token: TokenFiling, now: Date, lock = false): Promise<TokenRecord> {
    const known = await this.find(token.jti, manager, lock);
    if (known) return known;
    const row = await manager.save(
      manager.create(Token, {
        jti: token.jti,
        tokenType: token.type,
        parentId: null,
        issuedAt: fromSeconds(token.issuedAt),
        expiresAt: fromSeconds(token.expiresAt),
        revokedAt: null,
        expiredAt: null,
        rotatedAt: null,
        sessionId: null,
        createdAt: now,
      }),
    );
    if (token.userId !== null) await manager.insert(TokenUserConnection, { userId: token.userId, tokenId: row.id });
    return { id: row.id, jti: row.jti, revoked: false, expired: false, rotatedAt: null, rotation: null, sessionId: null };
  }

  /**
   * Marks a refresh token rotated out and records what the rotation answered, in one conditional
   * statement, unless a concurrent refresh already did (then false: that request won, and its
   * rotation is the one to answer).
   */
  async markRotated(manager: EntityManager, id: number, now: Date, rotation: Rotation): Promise<boolean> {
    const result = await manager.update(
      Token,
      { id, rotatedAt: IsNull() },
      {
        rotatedAt: now,
        successorJti: rotation.refresh.jti,
        successorIssuedAt: fromSeconds(rotation.refresh.issuedAt),
        successorExpiresAt: fromSeconds(rotation.refresh.expiresAt),
        successorAccessJti: rotation.access.jti,
        successorAccessIssuedAt: fromSeconds(rotation.access.issuedAt),
        successorAccessExpiresAt: fromSeconds(rotation.access.expiresAt),
      },
    );
    return (result.affected ?? 0) > 0;
  }

  /**
   * Expires tokens by id (those not expired yet) and answers their jtis, so caches of the request
   * path can be told. One UPDATE per chunk of ids.
   */
  async expire(manager: EntityManager, ids: readonly number[], now: Date): Promise<string[]> {
    const jtis: string[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const rows = await sql<{ jti: string }>(manager, `SELECT jti FROM easyjwt_token WHERE id IN (${marks(chunk)}) AND expired_at IS NULL`, chunk);
      if (rows.length === 0) continue;
      await sql(manager, `UPDATE easyjwt_token SET expired_at = ? WHERE id IN (${marks(chunk)}) AND expired_at IS NULL`, [now, ...chunk]);
      jtis.push(...rows.map((row) => row.jti));
    }
    return jtis;
  }

  /**
   * Expires a token's whole family (see collectTree) and every session a member of it belongs to:
   * what reuse detection and the expire endpoint's `affect_tree` both do. Answers the jtis expired
   * now, so the request path's caches and the `tokensExpired` listeners can be told.
   */
  async expireFamily(manager: EntityManager, tokenId: number, now: Date): Promise<string[]> {
    const family = await collectTree(manager, [tokenId]);
    const sessionIds: number[] = [];
    for (let i = 0; i < family.length; i += CHUNK) {
      const chunk = family.slice(i, i + CHUNK);
      const rows = await sql<{ session_id: number | string }>(
        manager,
        `SELECT DISTINCT session_id FROM easyjwt_token WHERE id IN (${marks(chunk)}) AND session_id IS NOT NULL`,
        chunk,
      );
      for (const row of rows) sessionIds.push(sqlId(row.session_id));
    }
    const expired = await this.expire(manager, family, now);
    return [...expired, ...(await this.expireSessions(manager, [...new Set(sessionIds)], now))];
  }

  /** What session `id` says at a refresh, or null when it is gone (archived). One primary-key lookup. */
  async sessionStanding(manager: EntityManager, id: number): Promise<SessionStanding | null> {
    const rows = await sql<{ expired_at: unknown; ends_at: unknown }>(manager, 'SELECT expired_at, ends_at FROM easyjwt_session WHERE id = ?', [id]);
    if (rows.length === 0) return null;
    return { ended: rows[0].expired_at !== null, endsAt: sqlDate(rows[0].ends_at) };
  }

  /** Expires every token of the given sessions and the sessions themselves; answers the tokens' jtis. */
  async expireSessions(manager: EntityManager, sessionIds: readonly number[], now: Date): Promise<string[]> {
    const jtis: string[] = [];
    for (let i = 0; i < sessionIds.length; i += CHUNK) {
      const chunk = sessionIds.slice(i, i + CHUNK);
      await sql(manager, `UPDATE easyjwt_session SET expired_at = ? WHERE id IN (${marks(chunk)}) AND expired_at IS NULL`, [now, ...chunk]);
      const rows = await sql<{ id: number | string }>(
        manager,
        `SELECT id FROM easyjwt_token WHERE session_id IN (${marks(chunk)}) AND expired_at IS NULL`,
        chunk,
      );
      jtis.push(
        ...(await this.expire(
          manager,
          rows.map((row) => Number(row.id)),
          now,
        )),
      );
    }
    return jtis;
  }

  /** Marks one token revoked; returns false if it already was. */
  async revoke(manager: EntityManager, id: number, now: Date): Promise<boolean> {
    const result = await manager.update(Token, { id, revokedAt: IsNull() }, { revokedAt: now });
    return (result.affected ?? 0) > 0;
  }

  /** Revokes every unexpired token of a user (password change); returns how many. */
  async revokeAllOf(manager: EntityManager, userId: number, now: Date): Promise<number> {
    const ids = await manager
      .createQueryBuilder(TokenUserConnection, 'link')
      .innerJoin(Token, 'token', 'token.id = link.tokenId')
      .select('token.id', 'id')
      .where('link.userId = :userId', { userId })
      .andWhere('token.revokedAt IS NULL')
      .andWhere('token.expiresAt > :now', { now })
      .getRawMany<{ id: number | string }>();
    if (ids.length === 0) return 0;
    let revoked = 0;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK).map((row) => sqlId(row.id));
      const result = await manager.createQueryBuilder().update(Token).set({ revokedAt: now }).whereInIds(chunk).andWhere('revokedAt IS NULL').execute();
      revoked += result.affected ?? 0;
    }
    return revoked;
  }
}
