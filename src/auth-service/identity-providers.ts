// The identity providers of OIDC_PROVIDERS, as the social exchange verifies their id tokens: each
// provider's JWKS is found through its discovery document (`<issuer>/.well-known/openid-configuration`)
// on first use, not at start-up, so a provider that is down never stops this service from starting.
// The keys are then held by the same JwksKeys a client-service verifies our tokens with: cached,
// refreshed in the background, fetched again at once for an unknown kid within a cooldown.
import type { Clock } from '../core/clock';
import { compactJwsProblem } from '../core/compact-jws';
import { epochSeconds } from '../core/clock';
import type { IdTokenClaims } from '../core/id-token';
import { verifyIdToken } from '../core/id-token';
import { causeText, ProviderTokenInvalid, ProviderUnavailable, UnknownProvider, ValidationFailed } from '../errors';
import type { DocumentSource } from '../jwks/jwks-keys';
import { JwksKeys } from '../jwks/jwks-keys';
import type { Logger } from '../logger';
import type { Algorithm, OidcProvider, Settings } from '../settings';
import { issuerProblem } from '../settings';

/** The settings the providers read. */
export type ProviderSettings = Pick<Settings, 'OIDC_PROVIDERS' | 'OIDC_JWKS_MAX_AGE' | 'OIDC_JWKS_REFETCH_COOLDOWN'>;

/** What the client passed along with the id token, checked against it. */
export interface IdTokenContext {
  readonly nonce: string | null;
  readonly accessToken: string | null;
}

/** The discovery document's path under an issuer (OpenID Connect Discovery 1.0, section 4). */
export const DISCOVERY_PATH = '/.well-known/openid-configuration';

/**
 * The discovery document's URL of an issuer: a trailing `/` of the issuer is dropped first, as
 * the Discovery spec asks.
 *
 * @example
 *   discoveryUrl('https://id.example.com/realms/corp'); // 'https://id.example.com/realms/corp/.well-known/openid-configuration'
 */
export const discoveryUrl = (issuer: string): string => `${issuer.replace(/\/$/, '')}${DISCOVERY_PATH}`;

/**
 * The algorithm an RSA key published without `alg` is taken for: the provider's one RSA
 * algorithm; with none or several, such a key is not used (we would be guessing).
 */
function rsaAlgorithmOf(algorithms: readonly Algorithm[]): Algorithm | undefined {
  const rsa = algorithms.filter((algorithm) => algorithm.startsWith('RS') || algorithm.startsWith('PS'));
  return rsa.length === 1 ? rsa[0] : undefined;
}

/** One provider's keys, discovered on first use. */
class ProviderKeys {
  private jwks: JwksKeys | null = null;
  private discovering: Promise<JwksKeys> | null = null;
  /** When discovery last failed, on the service clock, and why: within the cooldown it is not tried again. */
  private failedAt = Number.NEGATIVE_INFINITY;
  private failure = '';
  private closed = false;

  constructor(
    readonly provider: OidcProvider,
    private readonly settings: ProviderSettings,
    private readonly source: DocumentSource,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** The provider's keys, discovered and loaded on the first call; ProviderUnavailable (503) when they cannot be had. */
  keys(): Promise<JwksKeys> {
    if (this.jwks) return Promise.resolve(this.jwks);
    if (this.discovering) return this.discovering;
    // A provider that just failed is not asked again for every request: each would wait for a timeout.
    if (this.clock.now() - this.failedAt < this.settings.OIDC_JWKS_REFETCH_COOLDOWN * 1000) return Promise.reject(new ProviderUnavailable(this.failure));
    const running = this.discover().finally(() => {
      this.discovering = null;
    });
    this.discovering = running;
    return running;
  }

  close(): void {
    this.closed = true;
    this.jwks?.close();
  }

  private async discover(): Promise<JwksKeys> {
    const { issuer } = this.provider;
    const url = discoveryUrl(issuer);
    try {
      const jwksUrl = await this.jwksUrl(url);
      const jwks = new JwksKeys(
        {
          url: jwksUrl,
          maxAge: this.settings.OIDC_JWKS_MAX_AGE,
          cooldown: this.settings.OIDC_JWKS_REFETCH_COOLDOWN,
          import: { rsaAlgorithm: rsaAlgorithmOf(this.provider.algorithms) },
        },
        this.source,
        this.clock,
        this.logger,
      );
      const loaded = await jwks.load();
      if (!loaded.ok) {
        jwks.close();
        throw new Error(loaded.reason);
      }
      if (this.closed) jwks.close();
      else this.jwks = jwks;
      this.logger.info({ provider: this.provider.name, jwksUrl, keys: loaded.keys }, 'identity provider discovered');
      return jwks;
    } catch (error) {
      this.failedAt = this.clock.now();
      this.failure = `provider ${this.provider.name}: ${(error as Error).message}`;
      this.logger.warn({ provider: this.provider.name, discoveryUrl: url, reason: (error as Error).message }, 'identity provider unavailable');
      throw new ProviderUnavailable(this.failure);
    }
  }

  /** The JWKS URL the discovery document names, checked: the same issuer, and a URL as safe as the issuer's. */
  private async jwksUrl(url: string): Promise<string> {
    const document = await this.source.getPublic(url);
    if (document.status !== 200) throw new Error(`GET ${url} answered ${document.status}`);
    let body: unknown;
    try {
      body = JSON.parse(document.text);
    } catch {
      throw new Error(`GET ${url} answered something that is not JSON`);
    }
    const fields = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    // Discovery 4.3: a document for another issuer must not be used, or it could name any keys.
    if (fields.issuer !== this.provider.issuer) throw new Error(`the discovery document is for issuer ${JSON.stringify(fields.issuer)}`);
    const jwksUri = fields.jwks_uri;
    if (typeof jwksUri !== 'string') throw new Error('the discovery document has no jwks_uri');
    // Keys are held to the issuer's own standard: https, or http on loopback only.
    const problem = issuerProblem(jwksUri);
    if (problem !== null) throw new Error(`its jwks_uri ${JSON.stringify(jwksUri)} is refused: it ${problem}`);
    return jwksUri;
  }
}

/**
 * Verifies id tokens of the configured providers.
 *
 * @example
 *   const providers = new IdentityProviders(settings, new DocumentFetcher(5), clock, logger);
 *   const { subject, claims } = await providers.verify(providers.pick('corp'), idToken, { nonce: null, accessToken: null });
 */
export class IdentityProviders {
  private readonly byName = new Map<string, ProviderKeys>();

  constructor(
    settings: ProviderSettings,
    source: DocumentSource,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    for (const provider of settings.OIDC_PROVIDERS) this.byName.set(provider.name, new ProviderKeys(provider, settings, source, clock, logger));
  }

  /** Whether any provider is configured (the exchange endpoint exists only then). */
  get configured(): boolean {
    return this.byName.size > 0;
  }

  /**
   * The provider a request names; with a single provider the name may be left out. Several
   * providers and no name: a 400 on the field. A name not configured: UnknownProvider (401).
   */
  pick(name: string | null): OidcProvider {
    if (name === null) {
      if (this.byName.size === 1) return [...this.byName.values()][0].provider;
      throw new ValidationFailed({ provider: ['This field is required.'] });
    }
    const found = this.byName.get(name);
    if (!found) throw new UnknownProvider(`no provider named ${JSON.stringify(name)}`);
    return found.provider;
  }

  /**
   * The verified claims of an id token of `provider`. A kid no key has makes the provider's JWKS
   * be fetched again (within the cooldown) and the token tried once more; a fetch that fails
   * then is a 503, since the key may well exist.
   */
  async verify(provider: OidcProvider, idToken: string, context: IdTokenContext): Promise<IdTokenClaims> {
    // Something that is not a JWS at all is refused before the provider is contacted: garbage
    // must not cost a discovery, nor get a 503 while the provider is down.
    const shape = compactJwsProblem(idToken);
    if (shape !== null) throw new ProviderTokenInvalid(shape);
    const keys = await (this.byName.get(provider.name) as ProviderKeys).keys();
    try {
      return verifyIdToken(idToken, keys, this.checks(provider, context));
    } catch (error) {
      if (!(error instanceof ProviderTokenInvalid) || error.unknownKid === null) throw error;
      const fetched = await keys.refetch();
      if (!keys.has(error.unknownKid)) {
        if (fetched !== null && !fetched.ok) throw new ProviderUnavailable(`provider ${provider.name}: ${fetched.reason}`);
        throw new ProviderTokenInvalid(`${causeText(error) ?? ''}, even after fetching the JWKS again`.trim());
      }
      return verifyIdToken(idToken, keys, this.checks(provider, context));
    }
  }

  /** Stops every background JWKS refresh. */
  close(): void {
    for (const keys of this.byName.values()) keys.close();
  }

  private checks(provider: OidcProvider, context: IdTokenContext) {
    return {
      issuer: provider.issuer,
      clientId: provider.clientId,
      algorithms: provider.algorithms,
      leeway: provider.leeway,
      now: epochSeconds(this.clock),
      nonce: context.nonce,
      accessToken: context.accessToken,
    };
  }
}
