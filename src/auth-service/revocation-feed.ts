// The revocation feed as its endpoint serves it: only to callers holding the feed key (compared in
// constant time), and only from a cursor that is a whole number.
import { sameSecret } from '../core/constant-time';
import { NotAuthenticated, PermissionDenied, ValidationFailed } from '../errors';
import type { FeedPage, RevocationList } from '../revocation/revocation-list';
import type { Revocations } from './revocations';

/** The largest cursor a caller may name (ids are 32-bit on MariaDB's `int`). */
const MAX_CURSOR = 2 ** 31 - 1;

/**
 * Answers feed pages to key holders.
 *
 * @example
 *   const page = await feed.answer(ctx.get(FEED_KEY_HEADER), ctx.query.after);
 */
export class RevocationFeed {
  constructor(
    private readonly key: string,
    private readonly revocations: Revocations,
    /** This instance's own list: what it serves, it has applied, before a caller acts on it. */
    private readonly list: RevocationList,
  ) {}

  /** The page after `after` (absent: a full snapshot) for a caller presenting `given` as the key. */
  answer(given: string, after: unknown): Promise<FeedPage> {
    if (!given) throw new NotAuthenticated();
    if (!sameSecret(given, this.key)) throw new PermissionDenied();
    if (after !== undefined && (typeof after !== 'string' || !/^\d{1,10}$/.test(after) || Number(after) > MAX_CURSOR)) {
      throw new ValidationFailed({ after: ['A valid integer is required.'] });
    }
    return this.served(after === undefined ? null : Number(after));
  }

  /**
   * The page, applied to this instance's list first: a client-service that re-reads a changed user
   * right after must not get this instance's stale copy of them.
   */
  private async served(after: number | null): Promise<FeedPage> {
    const page = await this.revocations.page(after);
    this.list.apply(page.entries);
    return page;
  }
}
