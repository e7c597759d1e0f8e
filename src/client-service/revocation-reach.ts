// How revocations reach a client-service: the auth-service's feed polled every
// REVOCATION_POLL_INTERVAL (a snapshot first), plus its Redis channel when REDIS_URL is set.
import { AuthServiceUnavailable } from '../errors';
import type { Logger } from '../logger';
import { feedKeyOf } from '../revocation/feed-key';
import { RevocationSubscriber } from '../revocation/redis-channel';
import type { FeedPage } from '../revocation/revocation-list';
import { parsePage, RevocationList } from '../revocation/revocation-list';
import type { RevocationSource } from '../revocation/revocation-poller';
import { RevocationPoller } from '../revocation/revocation-poller';
import type { Clock } from '../core/clock';
import type { ClientSettings } from './client-settings';
import type { AuthServiceClient } from './upstream';

/** The feed over HTTP. */
class HttpFeed implements RevocationSource {
  constructor(
    private readonly upstream: AuthServiceClient,
    private readonly path: string,
    private readonly key: string,
  ) {}

  async page(after: number | null): Promise<FeedPage> {
    const reply = await this.upstream.getFeed(after === null ? this.path : `${this.path}?after=${after}`, this.key);
    if (reply.status !== 200) throw new AuthServiceUnavailable(`GET ${this.path} answered ${reply.status}: ${JSON.stringify(reply.body).slice(0, 200)}`);
    return parsePage(reply.body);
  }
}

/**
 * The list a client-service refuses tokens from, and what keeps it current.
 *
 * @example
 *   const reach = RevocationReach.start(settings, upstream, clock, logger);
 *   reach.list?.refused(jti, userId, iat);
 *   reach.close();
 */
export class RevocationReach {
  private constructor(
    /** Null when there is no feed key: revocations then reach this service only as caches expire. */
    readonly list: RevocationList | null,
    readonly poller: RevocationPoller | null,
    readonly subscriber: RevocationSubscriber | null,
    private readonly intervalMs: number,
  ) {}

  private readonly timers = new Set<NodeJS.Timeout>();

  /** Starts polling (and subscribing), or says at start-up why revocations cannot reach here. */
  static start(settings: ClientSettings, upstream: AuthServiceClient, clock: Clock, logger: Logger): RevocationReach {
    const key = feedKeyOf(settings);
    if ('reason' in key) {
      logger.warn(
        { reason: key.reason },
        `revocation reach is off: ${key.reason}, so a revoked token is accepted here until it expires (set REVOCATION_FEED_KEY on both services)`,
      );
      return new RevocationReach(null, null, null, 0);
    }
    const list = new RevocationList(clock);
    const poller = new RevocationPoller(
      new HttpFeed(upstream, settings.REMOTE_AUTH_SERVICE_REVOCATIONS_PATH, key.key),
      list,
      settings.REVOCATION_POLL_INTERVAL,
      logger,
    );
    // Not awaited: an auth-service that is down must not stop this one from starting.
    void poller.start();
    const subscriber = settings.REDIS_URL
      ? new RevocationSubscriber(settings.REDIS_URL, settings.REVOCATION_CHANNEL_PREFIX, list, () => poller.pollNow(), logger)
      : null;
    return new RevocationReach(list, poller, subscriber, settings.REVOCATION_POLL_INTERVAL * 1000);
  }

  /**
   * Calls `listener` with each user announced changed, and once more a poll interval later: the
   * first re-read may reach an auth-service instance that has not heard of the change yet (it
   * polls on the same interval), the second cannot.
   */
  onUserChanged(listener: (userId: number) => void): void {
    this.list?.onUserChanged((userId) => {
      listener(userId);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        listener(userId);
      }, this.intervalMs);
      timer.unref();
      this.timers.add(timer);
    });
  }

  close(): void {
    this.poller?.close();
    this.subscriber?.close();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
