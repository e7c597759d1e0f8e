// A JWK Set fetched over HTTP, as both services verify with one: a client-service with the
// auth-service's published keys, the auth-service with an identity provider's. Fetched on load,
// kept in memory, fetched again in the background when the answer's max-age runs out, and at once
// when a token names a kid not seen yet (a key just rotated in), but never more often than the
// cooldown, whatever the tokens say. Resolving a kid stays a Map lookup: the request path never
// waits for the network unless the kid is unknown.
//
// When the JWKS cannot be had (its server down, a 500, garbage) the keys already known stay in
// use, and the outage is logged once, when it starts, and once when it ends.
import { causeText } from '../errors';
import type { Clock } from '../core/clock';
import type { ImportedJwkSet, JwkImportOptions, SkippedJwk } from '../core/jwk-set';
import { importJwkSet } from '../core/jwk-set';
import type { SigningKey, TokenKeys, VerificationKey } from '../core/key-ring';
import { KeyRing } from '../core/key-ring';
import type { Logger } from '../logger';

/** A public document as its server sent it (a JWKS, a discovery document): judged by the caller. */
export interface PublicDocument {
  readonly status: number;
  readonly text: string;
  /** The `Cache-Control` header, or null without one. */
  readonly cacheControl: string | null;
}

/**
 * Where public documents come from: the client-service's auth-service client, or the
 * auth-service's fetcher for identity providers. Throws when nothing answered (unreachable, timed
 * out); any answer, a 500 included, is returned for the caller to judge.
 */
export interface DocumentSource {
  getPublic(url: string): Promise<PublicDocument>;
}

/** Where a JWKS is and how often it is fetched. */
export interface JwksOptions {
  readonly url: string;
  /** Longest time, in seconds, a fetched set is used before it is fetched again in the background. */
  readonly maxAge: number;
  /** Least time, in seconds, between two fetches, whatever the tokens say. */
  readonly cooldown: number;
  /** How members are imported (the algorithm an RSA key without `alg` is taken for). */
  readonly import?: JwkImportOptions;
}

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

/**
 * A TokenKeys over a fetched JWKS. It verifies only: signingKey() is null.
 *
 * @example
 *   const keys = new JwksKeys({ url: 'https://auth.example.com/.well-known/jwks.json', maxAge: 300, cooldown: 5 }, source, clock, logger);
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
    private readonly options: JwksOptions,
    private readonly source: DocumentSource,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.url = options.url;
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
   * The first fetch, awaited at start-up (or at first use); background refreshes are scheduled
   * from it, whatever its outcome. A failure is the caller's to report: under a client-service's
   * TOKEN_VERIFICATION=auto it only means the auth-service is verified with remotely.
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
   * nothing. Resolves once the keys are as fresh as they will get for now, with how the fetch
   * went, or null when the cooldown (or close()) allowed none.
   */
  async refetch(): Promise<JwksFetch | null> {
    if (this.inFlight) return this.inFlight;
    if (this.closed || this.clock.now() - this.lastFetchAt < this.options.cooldown * 1000) return null;
    return this.fetch();
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
      const document = await this.source.getPublic(this.url);
      if (document.status !== 200) {
        outcome = { ok: false, reason: `GET ${this.url} answered ${document.status}`, status: document.status };
      } else {
        let imported: ImportedJwkSet | null = null;
        let problem = '';
        try {
          imported = importJwkSet(JSON.parse(document.text), this.options.import);
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
      // A source's error may say what a client sees (AuthServiceUnavailable); why it happened is its cause.
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

  /** After a good answer: its max-age, within [cooldown, maxAge]; maxAge without one. */
  private refreshDelay(maxAge: number | null): number {
    const { maxAge: cap, cooldown: floor } = this.options;
    return Math.min(cap, Math.max(floor, maxAge ?? cap));
  }

  /** After a failure: the cooldown, doubled with each failure in a row, up to maxAge. */
  private retryDelay(): number {
    const { maxAge: cap, cooldown: floor } = this.options;
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
