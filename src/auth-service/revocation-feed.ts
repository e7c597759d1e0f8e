// The revocation feed as its endpoint serves it: only to callers holding the feed key (compared in
// constant time), and only from a cursor that is a whole number.
import { sameSecret } from '../core/constant-time';
import { NotAuthenticated, PermissionDenied, ValidationFailed } from '../errors';
import type { FeedPage } from '../revocation/revocation-list';
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
  ) {}

  /** The page after `after` (absent: a full snapshot) for a caller presenting `given` as the key. */
  answer(given: string, after: unknown): Promise<FeedPage> {
    if (!given) throw new NotAuthenticated();
    if (!sameSecret(given, this.key)) throw new PermissionDenied();
    if (after === undefined) return this.revocations.page(null);
    if (typeof after !== 'string' || !/^\d{1,10}$/.test(after) || Number(after) > MAX_CURSOR) {
      throw new ValidationFailed({ after: ['A valid integer is required.'] });
    }
    return this.revocations.page(Number(after));
  }
}
