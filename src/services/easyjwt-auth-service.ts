// easyJwtAuthService: the auth-service's parts for a Koa app the team already has. createAuthService
// builds its own app from the same parts, so both ways of using the library share one code path.
import 'reflect-metadata';
import type { Middleware } from 'koa';
import type { DataSource } from 'typeorm';
import { TokenController } from '../controllers/auth-service/token-controller';
import { CreateUserController } from '../controllers/auth-service/create-user-controller';
import { LogoutAllController } from '../controllers/auth-service/logout-all-controller';
import { RevocationController } from '../controllers/auth-service/revocation-controller';
import { SessionController } from '../controllers/auth-service/session-controller';
import { SocialExchangeController } from '../controllers/auth-service/social-exchange-controller';
import { UserController } from '../controllers/auth-service/user-controller';
import { WELL_KNOWN_PREFIX, WellKnownController } from '../controllers/auth-service/well-known-controller';
import type { ClaimBuilder } from '../core/claims';
import { ClaimRegistry, reservedClaims, settingsClaimBuilders } from '../core/claims';
import type { Clock } from '../core/clock';
import { systemClock } from '../core/clock';
import { loadKeys } from '../core/keys';
import { hashConcurrency, PasswordHasher } from '../core/passwords';
import { PasswordRules } from '../core/password-rules';
import type { PasswordValidator } from '../core/password-validators';
import { validatorsFromSettings } from '../core/password-validators';
import { TokenCodec } from '../core/tokens';
import { createDataSource, openDatabase } from '../db/data-source';
import { createDelivery } from '../delivery/create-delivery';
import type { AuthServiceEvents } from '../events';
import { EventBus } from '../events';
import type { EasyJwtKoa } from '../http/embedding';
import { embed } from '../http/embedding';
import { securityHeaders } from '../http/security-headers';
import { beforeUnder, buildControllers, underPrefix } from '../http/service-app';
import type { Logger } from '../logger';
import { createLogger } from '../logger';
import { ExpiryCheck } from '../registry/expiry-check';
import type { RegistrationStep } from '../registry/pipeline';
import { connectDevice, connectUser, expireTreeOnRefresh, registerTokens, RegistrationPipeline } from '../registry/pipeline';
import { SessionStore } from '../registry/sessions';
import { RevocationLog } from '../registry/revocation-log';
import { TokenQueries } from '../registry/token-queries';
import { TokenRegistry } from '../registry/token-registry';
import { feedKeyOf } from '../revocation/feed-key';
import { RevocationPublisher, RevocationSubscriber } from '../revocation/redis-channel';
import { RevocationList } from '../revocation/revocation-list';
import { RevocationPoller } from '../revocation/revocation-poller';
import { UserSerializer } from '../serializers/user-serializer';
import type { Settings, SettingsInput } from '../settings';
import { isResolvedSettings, resolveSettings, usesKeyStore } from '../settings';
import { KeyStore } from '../auth-service/key-store';
import type { KeySource } from '../core/key-ring';
import { Credentials } from '../auth-service/credentials';
import { IdentityProviders } from '../auth-service/identity-providers';
import { LocalAuthenticator } from '../auth-service/local-authenticator';
import { RegistryActions } from '../auth-service/registry-actions';
import { RevocationFeed } from '../auth-service/revocation-feed';
import { recordExpiredTokens, Revocations } from '../auth-service/revocations';
import type { AuthServiceParts } from '../auth-service/parts';
import { SocialExchange } from '../auth-service/social-exchange';
import { TokenIssuer } from '../auth-service/token-issuer';
import { DocumentFetcher } from '../jwks/document-fetcher';
import { normalizeEmail, UserStore } from '../auth-service/user-store';
import { LoginThrottle } from '../throttle/login-throttle';

import type { DatabaseOwnership } from './ownership';
import { closeOwned } from './ownership';

/** How to build an auth-service. Only `settings.SIGNING_KEY` is required. */
export interface AuthServiceOptions {
  /** Raw settings (validated here) or settings from resolveSettings(). */
  readonly settings: SettingsInput | Settings;
  /** A DataSource to use instead of one built from DATABASE_URL; it is migrated either way. */
  readonly dataSource?: DataSource;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Shapes the user JSON of `/user/` and `/users/`; subclass UserSerializer to add fields. */
  readonly serializer?: UserSerializer;
  /** Where lifecycle events go; a fresh bus by default (reach it as `service.events`). */
  readonly events?: EventBus<AuthServiceEvents>;
  /**
   * Custom claim builders, in order, after the ones USER_CLAIMS and USER_PAYLOAD_CLAIM imply. A
   * reserved or duplicate key stops the start with a ClaimRegistrationError naming it.
   */
  readonly claims?: ClaimRegistry | readonly ClaimBuilder[];
  /**
   * Registration steps of the application, run in order after the built-in ones (register the
   * tokens, connect the user, connect the device, then expire the tree under TOKEN_EXPIRE_ON_REFRESH).
   * `service.pipeline.add(step, { before: 'connectDevice' })` places one elsewhere.
   */
  readonly registrationSteps?: readonly RegistrationStep[];
  /**
   * The application's own password validators, run in order after the ones PASSWORD_VALIDATORS
   * names (set it to `[]` to use only these), wherever a password is set.
   */
  readonly passwordValidators?: readonly PasswordValidator[]; /**
   * `cluster` when this process is a node:cluster worker whose primary runs a
   * RateLimiterClusterMaster (`easyjwt serve --workers N`): without REDIS_URL, the login throttle
   * then counts in the primary, shared by every worker. Default `process`: its own memory.
   */
  readonly throttleMemory?: 'process' | 'cluster';
}

/** The auth-service's parts, ready for the team's own Koa app. */
export interface EasyJwtAuthService extends AuthServiceParts, EasyJwtKoa {
  readonly dataSource: DataSource;
  readonly hasher: PasswordHasher;
  readonly logger: Logger;
  /** Waits for registrations still running, then closes the data source if this factory created or opened it. */
  close(): Promise<void>;
}

/** What createAuthService needs beyond the public factory: the endpoints, still unwrapped. */
export interface BuiltAuthService {
  readonly service: EasyJwtAuthService;
  readonly parts: AuthServiceParts;
  readonly ownership: DatabaseOwnership;
  /** The token, user and session endpoints behind their URL_PREFIX check; errors thrown, bodies parsed upstream. */
  readonly endpoints: Middleware;
}

/** Builds the parts of an auth-service: settings, keys, claims, database, registry, endpoints. */
export async function buildAuthService(options: AuthServiceOptions): Promise<BuiltAuthService> {
  const settings = isResolvedSettings(options.settings) ? options.settings : resolveSettings(options.settings);
  const logger = options.logger ?? createLogger(settings.LOG_LEVEL);
  const clock = options.clock ?? systemClock;
  // Keys from settings are checked before anything is opened; the key store needs the database.
  const settingsKeys = usesKeyStore(settings) ? null : loadKeys(settings.ALGORITHM, settings.SIGNING_KEY, settings.VERIFYING_KEY, settings.SIGNING_KEY_ID);
  // Claim names are checked against the configured ones before anything is opened.
  const claims = ClaimRegistry.combine(reservedClaims(settings), settingsClaimBuilders(settings), options.claims ?? []);
  const hasher = new PasswordHasher(
    { N: settings.PASSWORD_SCRYPT_N, r: settings.PASSWORD_SCRYPT_R, p: settings.PASSWORD_SCRYPT_P },
    { concurrency: hashConcurrency(settings.THREAD_POOL_SIZE) },
  );
  const dataSource = options.dataSource ?? createDataSource(settings.DATABASE_URL);
  const ownership: DatabaseOwnership = { dataSource, owned: !options.dataSource || !dataSource.isInitialized };
  const applied = await openDatabase(dataSource);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  const keyStore = settingsKeys ? null : await KeyStore.open(dataSource, settings, clock, logger);
  const keys: KeySource = settingsKeys ?? (keyStore as KeyStore);
  const codec = new TokenCodec(settings, keys, clock);

  const serializer = options.serializer ?? new UserSerializer();
  const events = options.events ?? new EventBus<AuthServiceEvents>(logger);
  // Revocations: recorded in the table with each change, applied here at once, published on Redis
  // when configured; what other instances record arrives through the table (polled) or Redis.
  const revoked = new RevocationList(clock);
  const publisher = settings.REDIS_URL ? new RevocationPublisher(settings.REDIS_URL, settings.REVOCATION_CHANNEL_PREFIX, logger) : null;
  const revocations = new Revocations({ settings, dataSource, log: new RevocationLog(dataSource), list: revoked, clock, logger, publisher });
  const passwordRules = new PasswordRules([...validatorsFromSettings(settings.PASSWORD_VALIDATORS), ...(options.passwordValidators ?? [])]);
  const users = new UserStore(dataSource, hasher, clock, revocations, passwordRules);
  const registry = new TokenRegistry(dataSource);
  const queries = new TokenQueries(dataSource);
  const expiry = new ExpiryCheck(dataSource, settings.USER_CACHE_TTL, settings.USER_CACHE_SIZE, clock);
  const pipeline = new RegistrationPipeline({ dataSource, settings, logger, events, onExpired: (jtis) => expiry.markExpired(jtis) }, [
    registerTokens(registry),
    connectUser(),
    connectDevice(),
    ...(settings.TOKEN_EXPIRE_ON_REFRESH ? [expireTreeOnRefresh(queries, registry), recordExpiredTokens(revocations)] : []),
    ...(options.registrationSteps ?? []),
  ]);
  const credentials = new Credentials(settings, dataSource, users, hasher);
  const delivery = createDelivery({ settings, clock, onCsrfRejected: (event) => events.emit('csrfRejected', event) });
  const authenticator = new LocalAuthenticator(
    settings,
    codec,
    users,
    serializer,
    clock,
    delivery.readAccessCookie,
    settings.REGISTRY_ENABLED ? expiry : null,
    revoked,
  );
  const onUserChanged = (userId: number) => authenticator.forget(userId);
  users.onUserChanged(onUserChanged);
  // A change another instance (or the CLI) recorded: this instance reads the user again too.
  revoked.onUserChanged(onUserChanged);
  const sessions = new SessionStore(dataSource, registry);
  const poller = new RevocationPoller({ page: (after) => revocations.page(after) }, revoked, settings.REVOCATION_POLL_INTERVAL, logger);
  await poller.start();
  const subscriber = settings.REDIS_URL
    ? new RevocationSubscriber(settings.REDIS_URL, settings.REVOCATION_CHANNEL_PREFIX, revoked, () => poller.pollNow(), logger)
    : null;
  const feedKey = feedKeyOf(settings);
  const revocationFeed = 'key' in feedKey ? new RevocationFeed(feedKey.key, revocations, revoked) : null;
  if ('reason' in feedKey) logger.info({ reason: feedKey.reason }, 'revocation feed not served: client-services cannot learn of revocations');
  const issuer = new TokenIssuer({
    settings,
    dataSource,
    codec,
    registry,
    pipeline,
    expiry,
    users,
    sessions,
    revocations,
    credentials,
    hasher,
    clock,
    logger,
    onUserChanged,
    claims,
    serializer,
    events,
  });

  const registryActions = new RegistryActions({
    settings,
    dataSource,
    codec,
    registry,
    sessions,
    pipeline,
    expiry,
    users,
    revocations,
    events,
    clock,
    onUserChanged,
  });

  const throttle = await LoginThrottle.open({
    settings,
    scope: 'throttle',
    normalise: settings.LOGIN_FIELD === 'email' ? normalizeEmail : (login) => login,
    logger,
    onThrottled: (event) => events.emit('loginThrottled', event),
    memory: options.throttleMemory,
  });
  // Sign-ups are counted per address on their own counter, every attempt: a flood of sign-ups
  // succeeds, so counting failures only would stop nothing, and sharing the login counter would
  // let an office's sign-ups lock its logins out. No account count: there is no account yet.
  const signUpThrottle = settings.CREATE_USER_ENABLED
    ? await LoginThrottle.open({
        settings: { ...settings, LOGIN_THROTTLE_PER_ACCOUNT: null },
        scope: 'create-user-throttle',
        normalise: (login) => login,
        logger,
        onThrottled: ({ retryAfter, request }) => logger.info({ ip: request?.ip, retryAfter }, 'sign-up throttled'),
      })
    : null;

  // Identity providers are discovered on first use, so none is contacted while the service starts.
  const fetcher = settings.OIDC_PROVIDERS.length > 0 ? new DocumentFetcher(settings.OIDC_REQUEST_TIMEOUT) : null;
  const providers = fetcher ? new IdentityProviders(settings, fetcher, clock, logger) : null;
  const socialExchange = providers ? new SocialExchange({ dataSource, providers, issuer, clock, logger, events }) : null;

  const parts: AuthServiceParts = {
    settings,
    codec,
    keys,
    issuer,
    users,
    serializer,
    authenticator,
    events,
    delivery,
    claims,
    pipeline,
    registry,
    queries,
    registryActions,
    revocations,
    revoked,
    revocationFeed,
    throttle,
    signUpThrottle,
    socialExchange,
  };
  // The registry's endpoints exist only with the registry: without it they could only pretend.
  const controllers = [
    TokenController,
    UserController,
    LogoutAllController,
    ...(settings.REGISTRY_ENABLED ? [SessionController] : []),
    ...(revocationFeed ? [RevocationController] : []),
    // Open sign-up is a team's decision: off, the path is not mounted and answers 404.
    ...(settings.CREATE_USER_ENABLED ? [CreateUserController] : []),
    ...(socialExchange ? [SocialExchangeController] : []),
  ];
  const prefixed = underPrefix(settings.URL_PREFIX, buildControllers(settings.URL_PREFIX, controllers).dispatch);
  const wellKnown = underPrefix(WELL_KNOWN_PREFIX, buildControllers('', [WellKnownController]).dispatch);
  // The keys first under their prefix; the API for every other path, with no async step between.
  const endpoints: Middleware = beforeUnder(WELL_KNOWN_PREFIX, wellKnown, prefixed);
  const headers = securityHeaders(settings);
  const kit = embed(parts, { logger, bodyLimit: settings.BODY_LIMIT, prefix: settings.URL_PREFIX, alsoUnder: [WELL_KNOWN_PREFIX], endpoints, headers });
  const service: EasyJwtAuthService = {
    ...parts,
    ...kit,
    dataSource,
    hasher,
    logger,
    close: async () => {
      poller.close();
      subscriber?.close();
      // Registrations still running after their answers are written first.
      await pipeline.drain();
      keyStore?.close();
      await publisher?.close();
      revocations.close();
      await throttle.close();
      await signUpThrottle?.close();
      providers?.close();
      fetcher?.close();
      await closeOwned(ownership);
    },
  };
  return { service, parts, ownership, endpoints };
}

/**
 * An auth-service for the team's own Koa app: `routes()` serves login, refresh, users and sessions
 * under URL_PREFIX; `middleware()` and the guards protect the team's own routes with its tokens.
 *
 * @example
 *   const auth = await easyJwtAuthService({ settings: { SIGNING_KEY: 'a-key-of-at-least-32-bytes-long-1234', DATABASE_URL: 'sqlite:data/auth.sqlite3' } });
 *   const app = new Koa();
 *   app.use(auth.routes());
 *   app.use(auth.middleware());
 */
export async function easyJwtAuthService(options: AuthServiceOptions): Promise<EasyJwtAuthService> {
  return (await buildAuthService(options)).service;
}
