// What every service holds in memory to refuse revoked tokens without any I/O on the request path:
// a Set-like map of refused jtis and a map of per-user cutoffs, filled from the auth-service's
// revocation feed (or its Redis channel) and pruned as the tokens they void expire.
import type { Clock } from '../core/clock';

/** A token refused by its jti until `expires` (epoch seconds, the token's `exp` plus LEEWAY). */
export interface JtiRevocation {
  readonly id: number;
  readonly kind: 'jti';
  readonly jti: string;
  readonly expires: number;
}

/** Every token of `user_id` issued at or before `not_after` (epoch seconds) is void. */
export interface UserCutoff {
  readonly id: number;
  readonly kind: 'user';
  readonly user_id: number;
  readonly not_after: number;
  readonly expires: number;
}

/** The user's data changed (permissions, groups, flags): local copies must be read again. */
export interface UserChanged {
  readonly id: number;
  readonly kind: 'user_changed';
  readonly user_id: number;
  readonly expires: number;
}

/** One row of the revocation feed, as the auth-service answers and publishes it. */
export type RevocationEntry = JtiRevocation | UserCutoff | UserChanged;

/**
 * One answer of the feed: the entries after the asked cursor and the cursor to ask with next; with
 * `reset`, every live entry (the asked cursor was unknown or older than what is kept), which
 * replaces what the consumer held. `more`: ask again at once, the answer was cut short.
 */
export interface FeedPage {
  readonly cursor: number;
  readonly reset: boolean;
  readonly more: boolean;
  readonly entries: readonly RevocationEntry[];
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** The entry `value` describes, or null when it is malformed (a feed of another version). */
export function parseEntry(value: unknown): RevocationEntry | null {
  if (value === null || typeof value !== 'object') return null;
  const entry = value as Record<string, unknown>;
  if (!isCount(entry.id) || typeof entry.expires !== 'number') return null;
  const { id, expires } = entry;
  if (entry.kind === 'jti' && typeof entry.jti === 'string' && entry.jti.length > 0) return { id, kind: 'jti', jti: entry.jti, expires };
  if (!isCount(entry.user_id)) return null;
  if (entry.kind === 'user' && typeof entry.not_after === 'number') return { id, kind: 'user', user_id: entry.user_id, not_after: entry.not_after, expires };
  if (entry.kind === 'user_changed') return { id, kind: 'user_changed', user_id: entry.user_id, expires };
  return null;
}

/**
 * A feed page read from JSON; throws when the shape is wrong, so the consumer keeps what it has.
 *
 * @example
 *   list.applyPage(parsePage(JSON.parse(body)));
 */
export function parsePage(value: unknown): FeedPage {
  const page = value as Record<string, unknown> | null;
  if (page === null || typeof page !== 'object' || !isCount(page.cursor) || typeof page.reset !== 'boolean' || !Array.isArray(page.entries)) {
    throw new Error(`not a revocation feed page: ${JSON.stringify(value).slice(0, 200)}`);
  }
  const entries = page.entries.map(parseEntry).filter((entry): entry is RevocationEntry => entry !== null);
  return { cursor: page.cursor, reset: page.reset, more: page.more === true, entries };
}

/** How often, at most, expired entries are swept out (they are harmless until then). */
const PRUNE_EVERY_MS = 30_000;

/**
 * The revocations a service knows of. `refused` is two Map lookups.
 *
 * @example
 *   list.apply([{ id: 1, kind: 'user', user_id: 3, not_after: 1_790_000_000, expires: 1_790_086_400 }]);
 *   list.refused(jti, 3, iat); // true for every token of user 3 issued at or before that second
 */
export class RevocationList {
  private readonly jtis = new Map<string, number>();
  private readonly cutoffs = new Map<number, { notAfter: number; expires: number }>();
  /** When (this clock's milliseconds) each user's data was last announced changed. */
  private readonly changes = new Map<number, { id: number; at: number; expires: number }>();
  private readonly listeners: ((userId: number) => void)[] = [];
  private prunedAt = 0;

  constructor(private readonly clock: Clock) {}

  /** Whether a token with this jti, user id and `iat` claim has been revoked. */
  refused(jti: string | null, userId: number | string | null, issuedAt: unknown): boolean {
    if (jti !== null && this.jtis.has(jti)) return true;
    if (typeof userId !== 'number') return false;
    const cutoff = this.cutoffs.get(userId);
    return cutoff !== undefined && typeof issuedAt === 'number' && issuedAt <= cutoff.notAfter;
  }

  /** Whether user `userId` was announced changed at or after `since` (this clock's milliseconds). */
  changedSince(userId: number, since: number): boolean {
    const change = this.changes.get(userId);
    return change !== undefined && change.at >= since;
  }

  /** Calls `listener` with each user announced changed, so local copies can be dropped. */
  onUserChanged(listener: (userId: number) => void): void {
    this.listeners.push(listener);
  }

  /** Takes in a page of the feed: a reset replaces everything known. */
  applyPage(page: FeedPage): void {
    if (page.reset) {
      this.jtis.clear();
      this.cutoffs.clear();
    }
    this.apply(page.entries);
  }

  /** Takes in entries (from the feed, the channel, or this process's own writes); repeats are harmless. */
  apply(entries: readonly RevocationEntry[]): void {
    const now = this.clock.now();
    const nowSeconds = now / 1000;
    for (const entry of entries) {
      if (entry.expires <= nowSeconds) continue;
      switch (entry.kind) {
        case 'jti':
          this.jtis.set(entry.jti, Math.max(entry.expires, this.jtis.get(entry.jti) ?? 0));
          break;
        case 'user': {
          const known = this.cutoffs.get(entry.user_id);
          this.cutoffs.set(entry.user_id, {
            notAfter: Math.max(entry.not_after, known?.notAfter ?? -Infinity),
            expires: Math.max(entry.expires, known?.expires ?? 0),
          });
          break;
        }
        case 'user_changed':
          // The feed answers young rows again (see the feed's cursor); a change is acted on once.
          if (this.changes.get(entry.user_id)?.id === entry.id) break;
          this.changes.set(entry.user_id, { id: entry.id, at: now, expires: entry.expires });
          for (const listener of this.listeners) listener(entry.user_id);
          break;
      }
    }
    if (now - this.prunedAt >= PRUNE_EVERY_MS) this.prune(nowSeconds);
  }

  /** Drops entries whose tokens have all expired. */
  prune(nowSeconds: number = this.clock.now() / 1000): void {
    this.prunedAt = nowSeconds * 1000;
    for (const [jti, expires] of this.jtis) if (expires <= nowSeconds) this.jtis.delete(jti);
    for (const [userId, cutoff] of this.cutoffs) if (cutoff.expires <= nowSeconds) this.cutoffs.delete(userId);
    for (const [userId, change] of this.changes) if (change.expires <= nowSeconds) this.changes.delete(userId);
  }

  /** How many jtis and user cutoffs are held (for logs and tests). */
  get size(): { readonly jtis: number; readonly users: number } {
    return { jtis: this.jtis.size, users: this.cutoffs.size };
  }
}
