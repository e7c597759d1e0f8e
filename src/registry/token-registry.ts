// The registry of issued tokens: every token the auth-service signs is recorded by jti with its
// parent and its user, so blacklisting, password changes and (later) sessions can find it.
import { DataSource, EntityManager, IsNull } from 'typeorm';
import type { IssuedToken } from '../core/tokens';
import { Token, TokenUserConnection } from '../entities';

/** What the registry knows about one token. */
export interface TokenRecord {
  readonly id: number;
  readonly jti: string;
  readonly revoked: boolean;
}

const fromSeconds = (seconds: number): Date => new Date(seconds * 1000);

/**
 * Records and revokes tokens.
 *
 * @example
 *   await registry.record(manager, [refresh, access], { userId: 3, parentJti: null, now });
 *   await registry.revoke(refresh.jti, now);
 */
export class TokenRegistry {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records freshly issued tokens for `userId` inside the caller's transaction. The first token is
   * the child of `parentId` (if any); each later one is the child of `parentId` as well, or, when
   * `chain` is set, of the first (an obtained access token is the child of its refresh token).
   */
  async record(
    manager: EntityManager,
    tokens: readonly IssuedToken[],
    options: { userId: number; parentId: number | null; chain: boolean; now: Date },
  ): Promise<Token[]> {
    const saved: Token[] = [];
    for (const issued of tokens) {
      const parentId = options.chain && saved.length > 0 ? saved[0].id : options.parentId;
      const row = manager.create(Token, {
        jti: issued.jti,
        tokenType: issued.type,
        parentId,
        issuedAt: fromSeconds(issued.issuedAt),
        expiresAt: fromSeconds(issued.expiresAt),
        revokedAt: null,
        createdAt: options.now,
      });
      saved.push(await manager.save(row));
    }
    await manager.insert(
      TokenUserConnection,
      saved.map((token) => ({ userId: options.userId, tokenId: token.id })),
    );
    return saved;
  }

  /** The record of `jti`, or null if this registry never saw it. */
  async find(jti: string, manager: EntityManager = this.dataSource.manager): Promise<TokenRecord | null> {
    // Plain SQL: this runs on every verify, where building the query through TypeORM cost about
    // as much as running it. `?` placeholders and these names are the same on SQLite and MariaDB.
    const rows: { id: number | string; revoked_at: unknown }[] = await manager.query(
      'SELECT id, revoked_at FROM easyjwt_token WHERE jti = ?',
      [jti],
    );
    return rows.length === 0 ? null : { id: Number(rows[0].id), jti, revoked: rows[0].revoked_at !== null };
  }

  /**
   * The record of a verified token, created if it was issued elsewhere with the same key (as
   * simplejwt's blacklist does with OutstandingToken).
   */
  async ensure(
    manager: EntityManager,
    token: { jti: string; type: string; issuedAt: number; expiresAt: number; userId: number | null },
    now: Date,
  ): Promise<TokenRecord> {
    const known = await this.find(token.jti, manager);
    if (known) return known;
    const row = await manager.save(
      manager.create(Token, {
        jti: token.jti,
        tokenType: token.type,
        parentId: null,
        issuedAt: fromSeconds(token.issuedAt),
        expiresAt: fromSeconds(token.expiresAt),
        revokedAt: null,
        createdAt: now,
      }),
    );
    if (token.userId !== null) await manager.insert(TokenUserConnection, { userId: token.userId, tokenId: row.id });
    return { id: row.id, jti: row.jti, revoked: false };
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
      .getRawMany<{ id: number }>();
    if (ids.length === 0) return 0;
    let revoked = 0;
    // Chunks keep each statement's parameter list well inside SQLite's and MariaDB's limits.
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500).map((row) => Number(row.id));
      const result = await manager
        .createQueryBuilder()
        .update(Token)
        .set({ revokedAt: now })
        .whereInIds(chunk)
        .andWhere('revokedAt IS NULL')
        .execute();
      revoked += result.affected ?? 0;
    }
    return revoked;
  }
}
