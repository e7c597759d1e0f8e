// Login throttling: failed logins and password changes counted per account and per client address
// with rate-limiter-flexible's counters, in Redis when REDIS_URL is set (so every instance shares
// them) or in this process's memory. A point is taken before the password is checked, so guesses
// sent at once cannot all slip past the count while their hashes run, and is given back when the
// attempt turns out not to be a failure; a throttled attempt never reaches the hasher.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimiterCluster, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RequestInfo } from '../core/request-info';
import { AuthenticationFailed, Throttled } from '../errors';
import type { TokenLifecycleEvents } from '../events';
import { maskLogin } from '../events';
import type { Logger } from '../logger';
import type { RateLimit, Settings } from '../settings';

/** The settings the throttle reads. */
export type ThrottleSettings = Pick<Settings, 'LOGIN_THROTTLE_PER_ACCOUNT' | 'LOGIN_THROTTLE_PER_IP' | 'REDIS_URL' | 'THROTTLE_KEY_PREFIX'>;

/** How to build a throttle. */
export interface LoginThrottleOptions {
  readonly settings: ThrottleSettings;
  /**
   * Names this side's counters under THROTTLE_KEY_PREFIX: an auth-service and the client-services
   * in front of it count each failure once each, so they must not add to one counter.
   */
  readonly scope: string;
  /** The login as the service looks it up (an email lower-cased), so `A@x.com` and `a@x.com` share a count. */
  readonly normalise: (login: string) => string;
  readonly logger: Logger;
  readonly onThrottled: (event: TokenLifecycleEvents['loginThrottled']) => void;
  /**
   * Where the counts live without REDIS_URL: `process` (this process's memory) or `cluster` (the
   * memory of the node:cluster primary, asked over IPC, which runs a RateLimiterClusterMaster), so
   * the workers of one `easyjwt serve --workers N` share one allowance instead of N.
   */
  readonly memory?: 'process' | 'cluster';
}

/** Longest a starting service waits for Redis before it counts in memory until Redis is there. */
const CONNECT_WAIT_MS = 1000;
/** Reconnection delays grow to this, so a Redis that is down costs little. */
const MAX_RETRY_DELAY_MS = 2000;

interface Counter {
  readonly limit: 'account' | 'ip';
  readonly limiter: RateLimiterAbstract;
}

/** One counted attempt: a point held on each counter until the attempt's outcome is known. */
export class ThrottleTicket {
  private settled = false;

  constructor(private readonly held: readonly { readonly counter: Counter; readonly key: string }[]) {}

  /** The credentials were wrong: the points stay spent. */
  failed(): void {
    this.settled = true;
  }

  /** The credentials were right: the account's count starts again; the address keeps only its failures. */
  succeeded(): void {
    this.settle((counter, key) => (counter.limit === 'account' ? counter.limiter.delete(key) : counter.limiter.reward(key, 1)));
  }

  /** The attempt ended without judging the credentials (a bad new password, a 5xx): the points come back. */
  cancelled(): void {
    this.settle((counter, key) => counter.limiter.reward(key, 1));
  }

  private settle(action: (counter: Counter, key: string) => Promise<unknown>): void {
    if (this.settled) return;
    this.settled = true;
    // The insurance limiter answers when Redis does not; nothing here may fail the request.
    for (const { counter, key } of this.held) action(counter, key).catch(() => undefined);
  }
}

/**
 * Throttles logins and password changes of one service.
 *
 * @example
 *   const ticket = await throttle.enter(login, requestInfo(ctx)); // 429 past the limit
 *   try { await check(); ticket.succeeded(); } catch (error) { ticket.failed(); throw error; }
 */
export class LoginThrottle {
  private constructor(
    private readonly counters: readonly Counter[],
    private readonly options: LoginThrottleOptions,
    private readonly redis: Redis | null,
  ) {}

  /**
   * The throttle of these settings: Redis counters under REDIS_URL (memory ones standing in for
   * them while Redis is unreachable), memory counters otherwise. Waits a moment for Redis, so a
   * service started beside it shares the counts from its first request.
   */
  static async open(options: LoginThrottleOptions): Promise<LoginThrottle> {
    const { settings, scope, logger } = options;
    const limits = (
      [
        ['account', settings.LOGIN_THROTTLE_PER_ACCOUNT],
        ['ip', settings.LOGIN_THROTTLE_PER_IP],
      ] as const
    ).filter((entry): entry is ['account' | 'ip', RateLimit] => entry[1] !== null);
    const redis = settings.REDIS_URL && limits.length > 0 ? connect(settings.REDIS_URL, `${settings.THROTTLE_KEY_PREFIX}:${scope}`, logger) : null;
    const counters = limits.map(([limit, { points, seconds }]): Counter => {
      const keyPrefix = `${settings.THROTTLE_KEY_PREFIX}:${scope}:${limit}`;
      const memory = new RateLimiterMemory({ keyPrefix, points, duration: seconds });
      if (!redis && options.memory === 'cluster') return { limit, limiter: new RateLimiterCluster({ keyPrefix, points, duration: seconds }) };
      if (!redis) return { limit, limiter: memory };
      // Redis unreachable: fail open to this instance's own counts rather than closed. Refusing
      // every login while Redis is down would turn a cache outage into a login outage; open to
      // per-instance memory counters still throttles, by the instance count looser at worst.
      const limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration: seconds, rejectIfRedisNotReady: true, insuranceLimiter: memory });
      return { limit, limiter };
    });
    if (redis) await firstConnection(redis);
    return new LoginThrottle(counters, options, redis);
  }

  /** Whether any limit is on. */
  get enabled(): boolean {
    return this.counters.length > 0;
  }

  /**
   * Takes a point on the account's and the address's counters, or throws Throttled (429, with
   * Retry-After) and announces `loginThrottled` when either is spent. Without a login (a body
   * without the field) only the address is counted; without a request, only the account.
   */
  async enter(login: string | null, request: RequestInfo | null): Promise<ThrottleTicket> {
    const keys = this.counters
      .map((counter) => ({ counter, key: counter.limit === 'account' ? (login === null ? '' : this.accountKey(login)) : (request?.ip ?? '') }))
      .filter(({ key }) => key !== '');
    const outcomes = await Promise.all(
      keys.map(async (entry) => {
        try {
          await entry.counter.limiter.consume(entry.key, 1);
          return { ...entry, waitMs: null };
        } catch (error) {
          if (error instanceof RateLimiterRes) return { ...entry, waitMs: error.msBeforeNext };
          // Both stores failed (cannot happen with the memory one standing in): let the attempt through.
          this.options.logger.warn({ err: error }, 'login throttle: counter unavailable, attempt not counted');
          return null;
        }
      }),
    );
    const held = outcomes.filter((outcome) => outcome !== null);
    const refused = held.filter((outcome) => outcome.waitMs !== null);
    if (refused.length === 0) return new ThrottleTicket(held);
    // Nothing was checked, so nothing counts: an address behind which one account is hammered
    // does not lose its own allowance to the throttled attempts.
    new ThrottleTicket(held.filter((outcome) => outcome.waitMs === null)).cancelled();
    const retryAfter = Math.max(1, Math.ceil(Math.max(...refused.map((outcome) => outcome.waitMs ?? 0)) / 1000));
    this.options.onThrottled({ login: login === null ? null : maskLogin(login), limit: refused[0].counter.limit, retryAfter, request });
    throw new Throttled(retryAfter, `${refused.map((outcome) => outcome.counter.limit).join(' and ')} limit reached`);
  }

  /**
   * Runs a credentials check under the throttle: 429 before it past the limit; a thrown
   * AuthenticationFailed counts as a failure, a result as a success, any other error as neither.
   * Without a login (an identity provider's token names no account of ours) only the address counts.
   */
  async guard<T>(login: string | null, request: RequestInfo | null, check: () => Promise<T>): Promise<T> {
    const ticket = await this.enter(login, request);
    try {
      const result = await check();
      ticket.succeeded();
      return result;
    } catch (error) {
      if (error instanceof AuthenticationFailed) ticket.failed();
      else ticket.cancelled();
      throw error;
    }
  }

  /** Closes the Redis connection, if any. */
  async close(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }

  /** The account's counter key: a digest, since people type passwords into login fields too. */
  private accountKey(login: string): string {
    return createHash('sha256').update(this.options.normalise(login), 'utf8').digest('base64url');
  }
}

function connect(url: string, connectionName: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    connectionName,
    // Counting is never worth a slow login: while Redis is away commands fail at once and the
    // memory counters answer instead of a queue that waits for it.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(50 * attempt, MAX_RETRY_DELAY_MS),
  });
  let down = false;
  redis.on('error', (error: unknown) => {
    if (down) return;
    down = true;
    logger.warn({ err: error }, 'login throttle: Redis unavailable; each instance counts in its own memory until it is back');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info('login throttle: Redis reachable again');
  });
  return redis;
}

/** Resolves once Redis is ready, has failed once, or CONNECT_WAIT_MS has passed. */
function firstConnection(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      redis.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, CONNECT_WAIT_MS);
    redis.once('ready', done);
    redis.once('error', done);
  });
}
