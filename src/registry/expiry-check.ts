// The auth-service's per-request question "has the registry expired this access token?", answered
// from a small cache, or else by one lookup on the unique jti index: never a scan, so the cost
// does not grow with the table.
import type { DataSource } from 'typeorm';
import type { Clock } from '../core/clock';
import { TtlCache } from '../core/ttl-cache';
import { sql } from './sql';

/**
 * Remembers, per jti, whether the registry expired the token. Expiries made by this process are
 * written into the cache at once; those made by another process are seen within `ttlSeconds`
 * (USER_CACHE_TTL, the same bound the user snapshot has).
 *
 * @example
 *   const known = check.known(jti);               // true / false, or undefined: ask the database
 *   const expired = known ?? (await check.load(jti));
 */
export class ExpiryCheck {
  private readonly cache: TtlCache<string, boolean>;

  constructor(
    private readonly dataSource: DataSource,
    ttlSeconds: number,
    size: number,
    clock: Clock,
  ) {
    this.cache = new TtlCache(ttlSeconds, size, clock);
  }

  /** What the cache knows about `jti`, without waiting (`now`: a clock reading the caller holds). */
  known(jti: string, now?: number): boolean | undefined {
    return this.cache.get(jti, now);
  }

  /** Reads the token's row by its unique jti (a token the registry never saw is not expired). */
  async load(jti: string): Promise<boolean> {
    const rows = await sql<{ expired_at: unknown }>(this.dataSource.manager, 'SELECT expired_at FROM easyjwt_token WHERE jti = ?', [jti]);
    const expired = rows.length > 0 && rows[0].expired_at !== null;
    this.cache.set(jti, expired);
    return expired;
  }

  /** Records expiries this process just committed. */
  markExpired(jtis: readonly string[]): void {
    for (const jti of jtis) this.cache.set(jti, true);
  }
}
