// Lifecycle events: a typed emitter each service owns, so a team can observe logins, token
// changes and user syncs (audit logs, metrics, webhooks) without touching the request code.
import type { Logger } from './logger';

/**
 * What the auth-service announces. Each issue's features add their events here; payloads carry
 * ids and request context, never a token or a password.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AuthServiceEvents {}

/** What a client-service announces. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ClientServiceEvents {}

/** A listener; a promise it returns is awaited only by `emitAndWait`. */
export type Listener<T> = (event: T) => void | Promise<void>;

/**
 * A typed event emitter. A listener that throws (or rejects) is logged and never fails the
 * request that emitted the event: observers must not be able to break logins.
 *
 * @example
 *   const events = new EventBus<AuthServiceEvents>(logger);
 *   const off = events.on('loginSucceeded', ({ userId }) => audit.write(userId));
 *   off(); // unsubscribes
 */
export class EventBus<E extends object> {
  private readonly listeners = new Map<keyof E, Listener<never>[]>();

  constructor(private readonly logger: Pick<Logger, 'error'>) {}

  /** Subscribes `listener` to `name`; returns the function that unsubscribes it. */
  on<K extends keyof E>(name: K, listener: Listener<E[K]>): () => void {
    const list = this.listeners.get(name) ?? [];
    this.listeners.set(name, [...list, listener as Listener<never>]);
    return () => {
      const current = this.listeners.get(name) ?? [];
      this.listeners.set(
        name,
        current.filter((l) => l !== listener),
      );
    };
  }

  /** Whether anyone listens to `name`: lets a caller skip building an event nobody reads. */
  has(name: keyof E): boolean {
    return (this.listeners.get(name)?.length ?? 0) > 0;
  }

  /** Calls every listener of `name`, without waiting for the ones that return a promise. */
  emit<K extends keyof E>(name: K, event: E[K]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        const result = (listener as Listener<E[K]>)(event);
        if (result instanceof Promise) result.catch((error: unknown) => this.failed(name, error));
      } catch (error) {
        this.failed(name, error);
      }
    }
  }

  /** Calls every listener of `name` and waits for all of them (for steps that must finish first). */
  async emitAndWait<K extends keyof E>(name: K, event: E[K]): Promise<void> {
    await Promise.all(
      (this.listeners.get(name) ?? []).map(async (listener) => {
        try {
          await (listener as Listener<E[K]>)(event);
        } catch (error) {
          this.failed(name, error);
        }
      }),
    );
  }

  private failed(name: keyof E, error: unknown): void {
    this.logger.error({ err: error, event: String(name) }, 'event listener failed');
  }
}
