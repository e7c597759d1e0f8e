// Read-side questions about the registry: which tokens are active or expired, which tokens are
// relatives of a set (one recursive CTE, the same SQL on SQLite and MariaDB), whose tokens are whose.
import type { DataSource, EntityManager } from 'typeorm';
import { Token } from '../entities';
import { CHUNK, marks, sql, sqlId } from './sql';

/** Which tokens to list, and how many at most. */
export interface TokenFilter {
  /** Only this user's tokens. */
  readonly userId?: number;
  /** At most this many, newest first (default 1000). */
  readonly limit?: number;
  /** What "now" is (defaults to the wall clock; tests pass their frozen clock's). */
  readonly now?: Date;
}

/**
 * The registry's queries.
 *
 * @example
 *   const family = await queries.collectTree([record.id]);   // every id of the login's tree
 *   const mine = await queries.active({ userId: 3 });        // tokens user 3 may still use
 */
export class TokenQueries {
  constructor(private readonly dataSource: DataSource) {}

  /** Tokens still usable: not past `exp`, not expired by the registry, not revoked. */
  active(filter: TokenFilter = {}, manager: EntityManager = this.dataSource.manager): Promise<Token[]> {
    return this.list(manager, filter, 'token.expiresAt > :now AND token.expiredAt IS NULL AND token.revokedAt IS NULL');
  }

  /** Tokens no longer usable: past `exp`, or expired or revoked before it. */
  expired(filter: TokenFilter = {}, manager: EntityManager = this.dataSource.manager): Promise<Token[]> {
    return this.list(manager, filter, '(token.expiresAt <= :now OR token.expiredAt IS NOT NULL OR token.revokedAt IS NOT NULL)');
  }

  /** Every token issued to `userId`, whatever its state, newest first. */
  ofUser(userId: number, options: { limit?: number } = {}, manager: EntityManager = this.dataSource.manager): Promise<Token[]> {
    return this.list(manager, { userId, limit: options.limit }, '1 = 1');
  }

  /** The ids of every relative of `ids` (see the `collectTree` function). */
  collectTree(ids: readonly number[], manager: EntityManager = this.dataSource.manager): Promise<number[]> {
    return collectTree(manager, ids);
  }

  private list(manager: EntityManager, filter: TokenFilter, condition: string): Promise<Token[]> {
    const query = manager
      .createQueryBuilder(Token, 'token')
      .where(condition, { now: filter.now ?? new Date() })
      .orderBy('token.id', 'DESC')
      .take(filter.limit ?? 1000);
    if (filter.userId !== undefined) {
      // The unique (user_id, token_id) index answers this join from the user's side.
      query.innerJoin('easyjwt_token_user', 'link', 'link.token_id = token.id AND link.user_id = :userId', { userId: filter.userId });
    }
    return query.getMany();
  }
}

/**
 * The ids of every relative of `ids`: up to each tree's root, then down to every descendant of
 * that root, so the answer is the whole family (siblings and cousins included) in one statement.
 * Each step is an indexed lookup (primary key going up, ix_token_parent going down), so the cost
 * follows the family's size, not the table's.
 *
 * @example
 *   const family = await collectTree(manager, [record.id]);
 */
export async function collectTree(manager: EntityManager, ids: readonly number[]): Promise<number[]> {
  const found = new Set<number>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    // UNION (not UNION ALL) drops rows already seen, which also stops a cycle from looping.
    const rows = await sql<{ id: number | string }>(
      manager,
      `WITH RECURSIVE up (id, parent_id) AS (
         SELECT id, parent_id FROM easyjwt_token WHERE id IN (${marks(chunk)})
         UNION
         SELECT t.id, t.parent_id FROM easyjwt_token t INNER JOIN up ON t.id = up.parent_id
       ),
       down (id) AS (
         SELECT id FROM up WHERE parent_id IS NULL
         UNION
         SELECT t.id FROM easyjwt_token t INNER JOIN down ON t.parent_id = down.id
       )
       SELECT id FROM down`,
      chunk,
    );
    for (const row of rows) found.add(sqlId(row.id));
  }
  return [...found].sort((a, b) => a - b);
}
