// The Redis transport of revocations: the auth-service publishes each one after its transaction
// commits, and every consumer subscribed applies it at once. Pub/sub forgets messages sent while a
// subscriber is away, so each (re)connect is followed by a catch-up from the feed.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../logger';
import type { RevocationEntry, RevocationList } from './revocation-list';
import { parseEntry } from './revocation-list';

/** The channel revocations travel on, under REVOCATION_CHANNEL_PREFIX. */
export const revocationChannel = (prefix: string): string => `${prefix}:revocations`;

/** Longest a closing publisher waits for queued messages to leave. */
const CLOSE_WAIT_MS = 1000;

/** Reconnection delays grow to this, so a Redis that is down costs little. */
const MAX_RETRY_DELAY_MS = 2000;

const connect = (url: string, connectionName: string): Redis =>
  new Redis(url, {
    // Named, so an operator (or a test) can find the connection in CLIENT LIST.
    connectionName,
    // A publish while Redis is away fails after one retry instead of waiting: the feed carries it.
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(50 * attempt, MAX_RETRY_DELAY_MS),
  });

/** Logs the first error of an outage, and its end. */
class OutageLog {
  private down = false;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  failed(error: unknown): void {
    if (this.down) return;
    this.down = true;
    this.logger.warn({ err: error }, `${this.what}: Redis unavailable; revocations still reach every service through the feed`);
  }

  recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.info(`${this.what}: Redis reachable again`);
  }
}

/**
 * Publishes revocations (the auth-service).
 *
 * @example
 *   const publisher = new RevocationPublisher('redis://127.0.0.1:6379', 'easyjwt', logger);
 *   publisher.publish(entries); // after the transaction that wrote them committed
 */
export class RevocationPublisher {
  private readonly redis: Redis;
  private readonly channel: string;
  private readonly outage: OutageLog;

  constructor(url: string, prefix: string, logger: Logger) {
    this.redis = connect(url, `${prefix}:publisher`);
    this.channel = revocationChannel(prefix);
    this.outage = new OutageLog(logger, 'revocation publisher');
    this.redis.on('error', (error: unknown) => this.outage.failed(error));
    this.redis.on('ready', () => this.outage.recovered());
  }

  /** Sends `entries` to every subscriber; a failure is logged once, the feed still has them. */
  publish(entries: readonly RevocationEntry[]): void {
    if (entries.length === 0) return;
    this.redis.publish(this.channel, JSON.stringify(entries)).catch((error: unknown) => this.outage.failed(error));
  }

  /** Sends what is still queued (a CLI command publishes just before it exits), then disconnects. */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)));
    await Promise.race([this.redis.quit().catch(() => undefined), late]);
    clearTimeout(timer);
    this.redis.disconnect();
  }
}

/**
 * Applies published revocations to a list, and catches up from the feed after every (re)connect
 * (ioredis subscribes again by itself when it reconnects).
 *
 * @example
 *   const subscriber = new RevocationSubscriber('redis://127.0.0.1:6379', 'easyjwt', list, () => poller.pollNow(), logger);
 */
export class RevocationSubscriber {
  private readonly redis: Redis;
  private readonly outage: OutageLog;
  /** The connection's name on the Redis server. */
  readonly connectionName: string;
  /** How many times the connection became ready (tests watch a reconnect). */
  connections = 0;

  constructor(url: string, prefix: string, list: RevocationList, catchUp: () => Promise<void>, logger: Logger) {
    this.connectionName = `${prefix}:subscriber:${randomUUID()}`;
    this.redis = connect(url, this.connectionName);
    this.outage = new OutageLog(logger, 'revocation subscriber');
    this.redis.on('error', (error: unknown) => this.outage.failed(error));
    const channel = revocationChannel(prefix);
    let subscribed = false;
    const subscribe = () =>
      this.redis.subscribe(channel).then(
        () => (subscribed = true),
        (error: unknown) => this.outage.failed(error),
      );
    this.redis.on('ready', () => {
      this.connections += 1;
      this.outage.recovered();
      // ioredis subscribes again by itself after a reconnect, but only to channels it was
      // subscribed to: a first subscribe that failed (Redis down at start-up) is made here.
      if (!subscribed) void subscribe();
      void catchUp();
    });
    this.redis.on('message', (_channel: string, message: string) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(message);
      } catch {
        return;
      }
      if (!Array.isArray(parsed)) return;
      list.apply(parsed.map(parseEntry).filter((entry): entry is RevocationEntry => entry !== null));
    });
    void subscribe();
  }

  close(): void {
    this.redis.disconnect();
  }
}
