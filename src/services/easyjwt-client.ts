// easyJwtClient: a client-service's parts for a Koa app the team already has. createClientService
// builds its own app from the same parts, so both ways of using the library share one code path.
import 'reflect-metadata';
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { CsrfController, TokenLogoutController } from '../controllers/client-service/easyjwt-routes-controller';
import { ProxyController } from '../controllers/client-service/proxy-controller';
import type { Clock } from '../core/clock';
import { systemClock } from '../core/clock';
import { loadKeys } from '../core/keys';
import { TokenCodec } from '../core/tokens';
import type { Schema } from '../db/data-source';
import { CLIENT_SCHEMA, createDataSource, openDatabase } from '../db/data-source';
import { createDelivery } from '../delivery/create-delivery';
import type { ClientServiceEvents } from '../events';
import { EventBus } from '../events';
import type { RequestAuthenticator } from '../http/authenticator';
import type { EasyJwtKoa } from '../http/embedding';
import { embed } from '../http/embedding';
import { securityHeaders } from '../http/security-headers';
import { buildControllers, underPrefix } from '../http/service-app';
import type { Logger } from '../logger';
import { createLogger } from '../logger';
import { ClientUserSerializer } from '../serializers/client-user-serializer';
import type { ClientSettings, ClientSettingsInput } from '../client-service/client-settings';
import { isResolvedClientSettings, resolveClientSettings, verifiesLocally } from '../client-service/client-settings';
import { JwksVerification } from '../client-service/jwks-verification';
import { LocalVerification } from '../client-service/local-verification';
import type { ClientServiceParts } from '../client-service/parts';
import { RemoteVerification } from '../client-service/remote-verification';
import { RevocationReach } from '../client-service/revocation-reach';
import { AuthServiceClient } from '../client-service/upstream';
import { UserSync } from '../client-service/user-sync';
import { normalizeEmail } from '../auth-service/user-store';
import { LoginThrottle } from '../throttle/login-throttle';
import type { VerificationChoice, VerificationMode } from '../client-service/verification-mode';
import { chooseVerification } from '../client-service/verification-mode';
import type { DatabaseOwnership } from './ownership';
import { closeOwned } from './ownership';

/* eslint-disable @typescript-eslint/no-unsafe-function-type */
/** How to build a client-service. Only `settings.REMOTE_AUTH_SERVICE_URL` is required. */
export interface ClientServiceOptions {
  /** Raw settings (validated here) or settings from resolveClientSettings(). */
  readonly settings: ClientSettingsInput | ClientSettings;
  /** Which user fields (and nested extra data) this service keeps. */
  readonly serializer?: ClientUserSerializer;
  /** The team's own routing-controllers controllers, mounted at the root (createClientService only). */
  readonly controllers?: readonly Function[];
  /** The team's own entities (extra-data tables among them), added to the local user copies. */
  readonly entities?: readonly EntityTarget<ObjectLiteral>[];
  /** Migrations for those entities, per dialect; they run after the library's own. */
  readonly migrations?: { readonly sqlite?: readonly Function[]; readonly mariadb?: readonly Function[] };
  /** A DataSource to use instead of one built from DATABASE_URL; it is migrated either way. */
  readonly dataSource?: DataSource;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Where lifecycle events go; a fresh bus by default (reach it as `service.events`). */
  readonly events?: EventBus<ClientServiceEvents>;
  /**
   * `cluster` when this process is a node:cluster worker whose primary runs a
   * RateLimiterClusterMaster (`easyjwt serve --workers N`): without REDIS_URL, the login throttle
   * then counts in the primary, shared by every worker. Default `process`: its own memory.
   */
  readonly throttleMemory?: 'process' | 'cluster';
}

/** A client-service's parts, ready for the team's own Koa app. */
export interface EasyJwtClient extends ClientServiceParts, EasyJwtKoa {
  readonly dataSource: DataSource;
  /** `local`, `jwks` or `remote`: how this instance verifies requests. */
  readonly verification: VerificationMode;
  /** Why that mode was picked, in words (also in the start-up log): `a SIGNING_KEY is configured`. */
  readonly verificationReason: string;
  /** Stops the JWKS refreshes, closes the upstream client, and the data source if this factory created or opened it. */
  close(): Promise<void>;
}

/** What createClientService needs beyond the public factory: the proxy endpoints, still unwrapped. */
export interface BuiltClient {
  readonly client: EasyJwtClient;
  readonly parts: ClientServiceParts;
  readonly ownership: DatabaseOwnership;
  /** The proxy endpoints behind their URL_PREFIX check; errors thrown, bodies parsed upstream. */
  readonly endpoints: ReturnType<typeof underPrefix>;
}

/** Builds the parts of a client-service: settings, database, verification, proxy endpoints. */
export async function buildClient(options: ClientServiceOptions): Promise<BuiltClient> {
  const settings = isResolvedClientSettings(options.settings) ? options.settings : resolveClientSettings(options.settings);
  const logger = options.logger ?? createLogger(settings.LOG_LEVEL);
  const clock = options.clock ?? systemClock;
  const serializer = options.serializer ?? new ClientUserSerializer();
  const schema: Schema = {
    entities: [...(CLIENT_SCHEMA.entities as Function[]), ...((options.entities ?? []) as unknown as Function[])],
    migrations: {
      sqlite: [...(CLIENT_SCHEMA.migrations.sqlite as Function[]), ...(options.migrations?.sqlite ?? [])],
      mariadb: [...(CLIENT_SCHEMA.migrations.mariadb as Function[]), ...(options.migrations?.mariadb ?? [])],
    },
    migrationsTable: CLIENT_SCHEMA.migrationsTable,
  };
  // Everything that can refuse a setting comes before the database is opened.
  const local = verifiesLocally(settings);
  const keys = local
    ? loadKeys(settings.ALGORITHM, settings.ALGORITHM.startsWith('HS') ? settings.SIGNING_KEY : null, settings.VERIFYING_KEY, settings.SIGNING_KEY_ID)
    : null;
  const upstream = new AuthServiceClient(settings);
  // Local mode decides without the network; otherwise the JWKS is fetched (or probed) here.
  const choice: VerificationChoice = await chooseVerification(settings, upstream, clock, logger);
  const dataSource = options.dataSource ?? createDataSource(settings.DATABASE_URL, { schema });
  const ownership: DatabaseOwnership = { dataSource, owned: !options.dataSource || !dataSource.isInitialized };
  try {
    const applied = await openDatabase(dataSource);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  } catch (error) {
    choice.jwks?.close();
    upstream.close();
    if (dataSource.isInitialized) await dataSource.destroy();
    throw error;
  }

  const events = options.events ?? new EventBus<ClientServiceEvents>(logger);
  const delivery = createDelivery({ settings, clock, onCsrfRejected: (event) => events.emit('csrfRejected', event) });
  const users = new UserSync(settings, dataSource, serializer, upstream, clock, logger, events);
  const reach = RevocationReach.start(settings, upstream, clock, logger);
  reach.onUserChanged((userId) => {
    users.forget(userId).catch((error: unknown) => logger.warn({ err: error, userId }, 'could not mark a changed user copy stale'));
  });
  const jwks = choice.jwks;
  let authenticator: RequestAuthenticator;
  if (keys) authenticator = new LocalVerification(settings, new TokenCodec(settings, keys, clock), users, clock, delivery.readAccessCookie, logger, reach.list);
  else if (jwks) {
    // No key-mismatch watch: its warning is about a configured key, and here the keys are fetched.
    const verifier = new LocalVerification(settings, new TokenCodec(settings, jwks, clock), users, clock, delivery.readAccessCookie, null, reach.list);
    authenticator = new JwksVerification(verifier, jwks);
  } else authenticator = new RemoteVerification(settings, upstream, users, clock, delivery.readAccessCookie, reach.list);

  // Its own counts: in front of an auth-service it is the first to see who is guessing.
  const throttle = await LoginThrottle.open({
    settings,
    scope: 'client-throttle',
    normalise: settings.LOGIN_FIELD === 'email' ? normalizeEmail : (login) => login,
    logger,
    onThrottled: (event) => events.emit('loginThrottled', event),
    memory: options.throttleMemory,
  });
  const parts: ClientServiceParts = { settings, upstream, users, logger, authenticator, events, delivery, clock, revocations: reach, throttle };
  // The proxy endpoints live under URL_PREFIX, the team's routes wherever the team puts them.
  // easyjwt 1.1's csrf/ and token/logout/ only where they work as there (see their controllers):
  // elsewhere they are the 404 of an unknown path.
  const controllers = [
    ProxyController,
    ...(delivery.issueCsrfCookie ? [CsrfController] : []),
    ...(delivery.mode === 'json' || delivery.mode === 'easyjwt-cookie' ? [TokenLogoutController] : []),
  ];
  const endpoints = underPrefix(settings.URL_PREFIX, buildControllers(settings.URL_PREFIX, controllers).dispatch);
  const kit = embed(parts, { logger, bodyLimit: settings.BODY_LIMIT, prefix: settings.URL_PREFIX, endpoints, headers: securityHeaders(settings) });
  const verification = choice.mode;
  logger.info(
    { verification, reason: choice.reason, delivery: settings.DELIVERY_MODE, authService: settings.REMOTE_AUTH_SERVICE_URL },
    `client-service ready: ${verification} verification, because ${choice.reason}`,
  );
  const client: EasyJwtClient = {
    ...parts,
    ...kit,
    dataSource,
    verification,
    verificationReason: choice.reason,
    close: async () => {
      jwks?.close();
      reach.close();
      upstream.close();
      await throttle.close();
      await closeOwned(ownership);
    },
  };
  return { client, parts, ownership, endpoints };
}

/**
 * A client-service for the team's own Koa app: authenticate with `middleware()`, serve the proxy
 * endpoints with `routes()`, guard routes with `requirePermission()` or routing-controllers'
 * `@Authorized()` through `authorizationChecker`.
 *
 * @example
 *   const jwt = await easyJwtClient({ settings: { REMOTE_AUTH_SERVICE_URL: 'http://127.0.0.1:8000', SIGNING_KEY: 'a-key-of-at-least-32-bytes-long-1234' } });
 *   const app = new Koa();
 *   app.use(jwt.middleware());
 *   app.use(jwt.routes());
 */
export async function easyJwtClient(options: ClientServiceOptions): Promise<EasyJwtClient> {
  return (await buildClient(options)).client;
}
