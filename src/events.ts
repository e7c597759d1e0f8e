// Lifecycle events: a typed emitter each service owns, so a team can observe logins, token
// changes and user syncs (audit logs, metrics, webhooks) without touching the request code.
import type { RequestInfo } from './core/request-info';
import type { CsrfFailureCode } from './errors';
import type { Logger } from './logger';

/**
 * A login as events may show it: the first character, then `***`, then the domain of an email.
 * Failed logins are where people type a password into the login field, so the name is never
 * passed on whole; the domain and the first letter are enough to spot a pattern.
 *
 * @example
 *   maskLogin('user@test.com'); // 'u***@test.com'
 *   maskLogin('s3cret-pass');   // 's***'
 */
export function maskLogin(login: string): string {
  const at = login.lastIndexOf('@');
  const [name, domain] = at > 0 ? [login.slice(0, at), login.slice(at)] : [login, ''];
  return name ? `${Array.from(name)[0]}***${domain}` : `***${domain}`;
}

// ---- the lifecycle events of logins and tokens, and what each service announces ------------

/** A refused CSRF check: which defence refused, and the origin the browser named, if any. */
export interface CsrfRejectedEvent {
  readonly code: CsrfFailureCode;
  readonly origin: string | null;
  readonly request: RequestInfo;
}

/**
 * The events of logins, refreshes and logouts that both services announce. `request` is null only
 * when the library is called outside a request (e.g. `service.issuer.obtain(...)` from a script).
 */
export interface TokenLifecycleEvents {
  /** A login succeeded: tokens were issued (auth-service) or passed on (client-service). */
  loginSucceeded: { readonly userId: number; readonly request: RequestInfo | null };
  /** A login was refused; `login` is masked (see maskLogin), the password never appears. */
  loginFailed: { readonly login: string | null; readonly status: number; readonly request: RequestInfo | null };
  /**
   * A login or password change was refused with 429 before its credentials were checked: `limit`
   * says which count was spent (the account's or the address's), `retryAfter` in how many seconds
   * it may be tried again; `login` is masked (see maskLogin).
   */
  loginThrottled: {
    readonly login: string | null;
    readonly limit: 'account' | 'ip';
    readonly retryAfter: number;
    readonly request: RequestInfo | null;
  };
  /** A refresh token was exchanged for a new access token (`rotated`: and a new refresh token). */
  tokenRefreshed: { readonly userId: number | null; readonly rotated: boolean; readonly request: RequestInfo | null };
  /** Someone logged out; `blacklisted` says whether a refresh token was blacklisted just now. */
  loggedOut: { readonly userId: number | null; readonly blacklisted: boolean; readonly request: RequestInfo | null };
  /** A request was refused by the CSRF defences of a cookie delivery mode. */
  csrfRejected: CsrfRejectedEvent;
}

/**
 * What the auth-service announces. Payloads carry ids and request context, never a token or a
 * password (token ids, `jti`, are not secrets: they identify, they do not authenticate).
 */
export interface AuthServiceEvents extends TokenLifecycleEvents, RegistryEvents {
  /** A refresh token was blacklisted: by the blacklist endpoint, a logout, or rotation. */
  tokenBlacklisted: {
    readonly userId: number | null;
    readonly jti: string;
    readonly via: 'blacklist' | 'logout' | 'rotation';
    readonly request: RequestInfo | null;
  };
  /** Someone opened an account at POST /create-user/ (CREATE_USER_ENABLED): send a welcome, audit it. */
  signedUp: { readonly userId: number; readonly request: RequestInfo | null };
}

// ---- the token registry's events: what it records and expires (auth-service only) ----------

/** Why the registry expired tokens before their `exp`. */
export type ExpiryReason = 'expire' | 'expire-on-refresh' | 'reuse' | 'session-ended' | 'logout-all';

/** The registry's events, announced by the auth-service after the change is committed. */
export interface RegistryEvents {
  /** The registration pipeline recorded tokens of an obtain or a refresh (`sessionId`: their login). */
  tokensRegistered: {
    readonly userId: number;
    readonly sessionId: number | null;
    readonly jtis: readonly string[];
    readonly event: 'obtain' | 'refresh';
    readonly request: RequestInfo | null;
  };
  /** Tokens were expired before their `exp`; `userId` is whose they were, when known. */
  tokensExpired: { readonly userId: number | null; readonly jtis: readonly string[]; readonly reason: ExpiryReason; readonly request: RequestInfo | null };
  /** A rotated-out refresh token came back after the grace window: its family was expired. */
  refreshTokenReused: { readonly userId: number | null; readonly jti: string; readonly sessionId: number | null; readonly request: RequestInfo | null };
  /** Every session of `userId` was ended (`byUserId`: who asked, the user or a staff member). */
  loggedOutEverywhere: { readonly userId: number; readonly byUserId: number; readonly sessions: number; readonly request: RequestInfo | null };
}

/** What a client-service announces. */
export interface ClientServiceEvents extends TokenLifecycleEvents {
  /** A local user copy was written from the auth-service's user JSON. */
  userSynced: {
    readonly userId: number;
    readonly created: boolean;
    readonly reason: 'login' | 'stale' | 'remote-verification';
    readonly request: RequestInfo | null;
  };
}

// ---- the event bus -------------------------------------------------------------------------

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
    this.listeners.set(name, [...list, listener]);
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
