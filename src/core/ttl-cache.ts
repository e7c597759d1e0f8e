// A small time-bounded cache for the request path: a Map lookup instead of a database query.

import type { Clock } from './clock';

/**
 * Keeps values for `ttlSeconds`, at most `maxEntries` of them (the oldest insertion goes first).
 * A TTL of 0 disables it.
 *
 * @example
 *   const cache = new TtlCache<number, User>(5, 10000, systemClock);
 *   cache.set(3, user); cache.get(3);
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; expires: number }>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly maxEntries: number,
    private readonly clock: Clock,
  ) {}

  /** The value of `key` unless it expired; `now` saves a second clock read to a caller holding one. */
  get(key: K, now: number = this.clock.now()): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: K, value: V): void {
    if (this.ttlSeconds <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expires: this.clock.now() + this.ttlSeconds * 1000 });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
