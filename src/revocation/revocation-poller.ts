// Keeps a RevocationList current by asking the feed for what came after the last cursor, every
// REVOCATION_POLL_INTERVAL, starting with a full snapshot. An outage keeps the last known list and
// is logged once (and its end once), not at every poll.
import type { Logger } from '../logger';
import type { FeedPage, RevocationList } from './revocation-list';

/** Where pages come from: the auth-service's table (its own instances) or its HTTP feed. */
export interface RevocationSource {
  page(after: number | null): Promise<FeedPage>;
}

/** Pages asked in a row at most when the feed says there is more (a very large backlog). */
const MAX_PAGES_PER_POLL = 100;

/**
 * Polls a revocation source.
 *
 * @example
 *   const poller = new RevocationPoller(source, list, 2, logger);
 *   poller.start();
 *   await poller.pollNow(); // after a reconnect of the channel: catch up
 *   poller.close();
 */
export class RevocationPoller {
  private cursor: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private failing = false;
  private closed = false;

  constructor(
    private readonly source: RevocationSource,
    private readonly list: RevocationList,
    private readonly intervalSeconds: number,
    private readonly logger: Logger,
  ) {}

  /** Polls at once (a full snapshot), then every interval; answers when the first poll is done. */
  start(): Promise<void> {
    return this.pollNow();
  }

  /** One more poll, after any that is running; never rejects. */
  pollNow(): Promise<void> {
    this.chain = this.chain.then(() => this.poll());
    return this.chain;
  }

  /** Whether the last poll failed (the list may be behind). */
  get behind(): boolean {
    return this.failing;
  }

  /** Stops polling; a poll in flight finishes without scheduling another. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async poll(): Promise<void> {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      for (let pages = 0; pages < MAX_PAGES_PER_POLL && !this.closed; pages++) {
        const page = await this.source.page(this.cursor);
        this.list.applyPage(page);
        this.cursor = page.cursor;
        if (!page.more) break;
      }
      if (this.failing) this.logger.info('revocation feed reachable again: revocations are current');
      this.failing = false;
    } catch (error) {
      if (!this.failing && !this.closed) {
        this.logger.warn({ err: error }, 'revocation feed unavailable: keeping the last known revocations until it answers again');
      }
      this.failing = true;
    }
    if (this.closed) return;
    this.timer = setTimeout(() => void this.pollNow(), this.intervalSeconds * 1000);
    // The poller never keeps a process alive by itself; close() stops it when the service closes.
    this.timer.unref();
  }
}
