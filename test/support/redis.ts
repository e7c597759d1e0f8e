// The local Redis the Redis-backed tests share (EASYJWT_TEST_REDIS_URL, else 127.0.0.1:6379).
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.EASYJWT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A connection to the test Redis for a suite's `before` hook, or the suite skipped, with a line
 * saying why, when no Redis answers (`.ci/run` starts one).
 */
export async function connectOrSkip(suite: Mocha.Context): Promise<Redis> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch {
    console.log(`      (skipped: no Redis at ${REDIS_URL})`);
    redis.disconnect();
    suite.skip();
  }
  return redis;
}
