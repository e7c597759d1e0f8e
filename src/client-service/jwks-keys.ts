// The auth-service's published keys, as a client-service verifies with them: fetched once at
// start-up, kept in memory, fetched again in the background when the answer's max-age runs out,
// and at once when a token names a kid this service has not seen (a key just rotated in), but
// never more often than JWKS_REFETCH_COOLDOWN, whatever the tokens say. Resolving a kid stays a
// Map lookup: the request path never waits for the network unless the kid is unknown.
//
// When the JWKS cannot be had (auth-service down, a 500, garbage) the keys already known stay in
// use, and the outage is logged once, when it starts, and once when it ends.
import { causeText } from '../errors';
import type { Clock } from '../core/clock';
import type { ImportedJwkSet, SkippedJwk } from '../core/jwk-set';
import { importJwkSet } from '../core/jwk-set';
import type { SigningKey, TokenKeys, VerificationKey } from '../core/key-ring';
import { KeyRing } from '../core/key-ring';
import type { Logger } from '../logger';
import type { ClientSettings } from './client-settings';
import { jwksUrlOf } from './client-settings';
import type { AuthServiceClient } from './upstream';

/** How one fetch went. */
export type JwksFetch =
  { readonly ok: true; readonly keys: number; readonly skipped: number } | { readonly ok: false; readonly reason: string; readonly status: number | null };

/**
 * Seconds the `Cache-Control` header allows the answer to be reused, or null when it says
 * nothing about it. `no-store` and `no-cache` allow none.
 *
 * @example
 *   cacheMaxAge('public, max-age=600'); // 600
 */
export function cacheMaxAge(header: string | null): number | null {
  if (header === null) return null;
  const directives = header
    .toLowerCase()
    .split(',')
    .map((part) => part.trim());
  if (directives.includes('no-store') || directives.includes('no-cache')) return 0;
  for (const directive of directives) {
    const match = /^max-age\s*=\s*"?(\d+)"?$/.exec(directive);
    if (match) return Number(match[1]);
  }
  return null;
}

type JwksSettings = Pick<ClientSettings, 'JWKS_URL' | 'REMOTE_AUTH_SERVICE_URL' | 'JWKS_MAX_AGE' | 'JWKS_REFETCH_COOLDOWN'>;

/**
 * A TokenKeys over the auth-service's JWKS. It verifies only: signingKey() is null.
 *
 * @example
 *   const keys = new JwksKeys(settings, upstream, clock, logger);
 *   await keys.load(); // the first fetch; background refreshes follow
 *   const codec = new TokenCodec(settings, keys, clock);
 */
export class JwksKeys implements TokenKeys {
  readonly url: string;
  private ring = new KeyRing([], null);
  /** The fetch under way (at start-up, in the background or for an unknown kid), joined by anyone who needs it. */
  private inFlight: Promise<JwksFetch> | null = null;
  /** When the last fetch started, on the service clock: the cooldown counts from there. */
  private lastFetchAt = Number.NEGATIVE_INFINITY;
  /** The kid of the last lookup that found nothing, for the request that made it (see takeUnknownKid). */
  private unknownKid: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Failed fetches in a row: non-zero means an outage was already logged. */
  private failures = 0;
  /** The skipped members last reported, so an unchanged JWKS does not repeat its warnings. */
  private skippedReport = '';
  private closed = false;
  /** Fetches made, in all: tests and operators can see the cooldown at work. */
  fetches = 0;

  constructor(
    private readonly settings: JwksSettings,
    private readonly upstream: Pick<AuthServiceClient, 'getPublic'>,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.url = jwksUrlOf(settings);
  }

  resolve(kid: string | null, algorithm: string): VerificationKey | undefined {
    const key = this.ring.resolve(kid, algorithm);
    // One field write, on the refusal path only: the verification step asks for it right after.
    if (key === undefined && kid !== null) this.unknownKid = kid;
    return key;
  }

  signingKey(): SigningKey | null {
    return null;
  }

  /** The keys held now. */
  keys(): readonly VerificationKey[] {
    return this.ring.keys();
  }

  /** Whether a key with this kid is held. */
  has(kid: string): boolean {
    return this.ring.keys().some((key) => key.kid === kid);
  }

  /**
   * The first fetch, awaited at start-up; background refreshes are scheduled from it, whatever
   * its outcome. A failure is the caller's to report: under TOKEN_VERIFICATION=auto it only
   * means the auth-service is verified with remotely.
   */
  load(): Promise<JwksFetch> {
    return this.fetch(false);
  }

  /**
   * The kid the last failed lookup named, forgotten as it is read. Verification is synchronous,
   * so when a token was just refused, a kid here is that token's: nothing ran in between.
   */
  takeUnknownKid(): string | null {
    const kid = this.unknownKid;
    this.unknownKid = null;
    return kid;
  }

  /**
   * Fetches the JWKS again because a token named a kid not held: joins the fetch under way if
   * there is one, starts one if the cooldown has passed since the last, and otherwise does
   * nothing. Resolves once the keys are as fresh as they will get for now.
   */
  async refetch(): Promise<void> {
    if (this.inFlight) {
      await this.inFlight;
      return;
    }
    if (this.closed || this.clock.now() - this.lastFetchAt < this.settings.JWKS_REFETCH_COOLDOWN * 1000) return;
    await this.fetch();
  }

  /** Stops the background refreshes. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One fetch, shared by everyone who asks while it runs. */
  private fetch(reportFailure = true): Promise<JwksFetch> {
    if (this.inFlight) return this.inFlight;
    this.lastFetchAt = this.clock.now();
    this.fetches += 1;
    const running = this.fetchOnce(reportFailure).finally(() => {
      if (this.inFlight === running) this.inFlight = null;
    });
    this.inFlight = running;
    return running;
  }

  private async fetchOnce(reportFailure: boolean): Promise<JwksFetch> {
    let maxAge: number | null = null;
    let outcome: JwksFetch;
    try {
      const document = await this.upstream.getPublic(this.url);
      if (document.status !== 200) {
        outcome = { ok: false, reason: `GET ${this.url} answered ${document.status}`, status: document.status };
      } else {
        let imported: ImportedJwkSet | null = null;
        let problem = '';
        try {
          imported = importJwkSet(JSON.parse(document.text));
        } catch (error) {
          problem = (error as Error).message;
        }
        if (imported === null) {
          outcome = { ok: false, reason: `GET ${this.url} answered something that is not a JWK Set: ${problem}`, status: document.status };
        } else {
          this.adopt(imported);
          maxAge = cacheMaxAge(document.cacheControl);
          outcome = { ok: true, keys: this.ring.keys().length, skipped: imported.skipped.length };
        }
      }
    } catch (error) {
      // AuthServiceUnavailable says what a client sees; why it happened is its cause.
      outcome = { ok: false, reason: causeText(error as Error) ?? (error as Error).message, status: null };
    }
    // A fetch that outlived close() (its sockets destroyed under it) is no outage to report.
    if (this.closed) return outcome;
    if (outcome.ok) this.recovered();
    else this.failed(outcome.reason, reportFailure);
    this.schedule(outcome.ok ? this.refreshDelay(maxAge) : this.retryDelay());
    return outcome;
  }

  /**
   * Replaces the keys with the set's. A member that could not be imported keeps the key of its
   * kid held before, if any: a key half-broken in transit is not a key withdrawn.
   */
  private adopt(imported: ImportedJwkSet): void {
    const before = new Map(this.ring.keys().flatMap((key) => (key.kid === null ? [] : [[key.kid, key] as const])));
    const keys = [...imported.keys];
    const fresh = new Set(keys.flatMap((key) => (key.kid === null ? [] : [key.kid])));
    for (const skip of imported.skipped) {
      const kept = skip.kid === null ? undefined : before.get(skip.kid);
      if (kept && !fresh.has(kept.kid as string)) {
        keys.push(kept);
        fresh.add(kept.kid as string);
      }
    }
    this.reportSkipped(imported.skipped);
    const added = [...fresh].filter((kid) => !before.has(kid));
    const removed = [...before.keys()].filter((kid) => !fresh.has(kid));
    this.ring = new KeyRing(keys, null);
    if (added.length > 0 || removed.length > 0) this.logger.info({ jwksUrl: this.url, added, removed, keys: keys.length }, 'JWKS keys changed');
  }

  private reportSkipped(skipped: readonly SkippedJwk[]): void {
    const report = JSON.stringify(skipped);
    if (report === this.skippedReport) return;
    this.skippedReport = report;
    for (const skip of skipped) this.logger.warn({ jwksUrl: this.url, kid: skip.kid, index: skip.index, reason: skip.reason }, 'JWKS key ignored');
  }

  private failed(reason: string, report: boolean): void {
    this.failures += 1;
    const fields = { jwksUrl: this.url, reason, keptKeys: this.ring.keys().length };
    if (this.failures === 1 && report) this.logger.warn(fields, 'JWKS unavailable: verifying with the keys already known until it answers again');
    else this.logger.debug({ ...fields, failures: this.failures }, 'JWKS still unavailable');
  }

  private recovered(): void {
    if (this.failures > 0) this.logger.info({ jwksUrl: this.url, failures: this.failures }, 'JWKS available again');
    this.failures = 0;
  }

  /** After a good answer: its max-age, within [cooldown, JWKS_MAX_AGE]; JWKS_MAX_AGE without one. */
  private refreshDelay(maxAge: number | null): number {
    const { JWKS_MAX_AGE: cap, JWKS_REFETCH_COOLDOWN: floor } = this.settings;
    return Math.min(cap, Math.max(floor, maxAge ?? cap));
  }

  /** After a failure: the cooldown, doubled with each failure in a row, up to JWKS_MAX_AGE. */
  private retryDelay(): number {
    const { JWKS_MAX_AGE: cap, JWKS_REFETCH_COOLDOWN: floor } = this.settings;
    return Math.min(cap, floor * 2 ** Math.min(this.failures - 1, 20));
  }

  private schedule(seconds: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.fetch();
    }, seconds * 1000);
    // A pending refresh never keeps the process alive on its own.
    this.timer.unref();
  }
}
