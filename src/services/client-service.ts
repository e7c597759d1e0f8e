// createClientService: a team's Koa API that authenticates its requests against a central
// auth-service, keeps local copies of the users it sees, and guards routes with decorators.
import 'reflect-metadata';
import type Koa from 'koa';
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
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
import type { Listening } from '../http/server';
import { listen } from '../http/server';
import { createServiceApp, mountControllers } from '../http/service-app';
import type { Logger } from '../logger';
import { createLogger } from '../logger';
import { ClientUserSerializer } from '../serializers/client-user-serializer';
import type { ClientSettings, ClientSettingsInput } from '../client-service/client-settings';
import { isResolvedClientSettings, resolveClientSettings, verifiesLocally } from '../client-service/client-settings';
import { LocalVerification } from '../client-service/local-verification';
import type { ClientServiceParts } from '../client-service/parts';
import { RemoteVerification } from '../client-service/remote-verification';
import { AuthServiceClient } from '../client-service/upstream';
import { UserSync } from '../client-service/user-sync';

/* eslint-disable @typescript-eslint/no-unsafe-function-type */
/** How to build a client-service. Only `settings.REMOTE_AUTH_SERVICE_URL` is required. */
export interface ClientServiceOptions {
  /** Raw settings (validated here) or settings from resolveClientSettings(). */
  readonly settings: ClientSettingsInput | ClientSettings;
  /** Which user fields (and nested extra data) this service keeps. */
  readonly serializer?: ClientUserSerializer;
  /** The team's own routing-controllers controllers, mounted at the root. */
  readonly controllers?: readonly Function[];
  /** The team's own entities (extra-data tables among them), added to the local user copies. */
  readonly entities?: readonly EntityTarget<ObjectLiteral>[];
  /** Migrations for those entities, per dialect; they run after the library's own. */
  readonly migrations?: { readonly sqlite?: readonly Function[]; readonly mariadb?: readonly Function[] };
  readonly dataSource?: DataSource;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Where lifecycle events go; a fresh bus by default (reach it as `service.events`). */
  readonly events?: EventBus<ClientServiceEvents>;
}

/** A built client-service. */
export interface ClientService extends ClientServiceParts {
  readonly app: Koa;
  readonly dataSource: DataSource;
  /** `local` or `remote`: how this instance verifies requests. */
  readonly verification: 'local' | 'remote';
  listen(port?: number, host?: string): Promise<Listening>;
  close(): Promise<void>;
}

/**
 * Builds a client-service.
 *
 * @example
 *   const service = await createClientService({
 *     settings: { REMOTE_AUTH_SERVICE_URL: 'http://127.0.0.1:8000', SIGNING_KEY: process.env.KEY },
 *     controllers: [ReportsController],
 *   });
 *   await service.listen();
 */
export async function createClientService(options: ClientServiceOptions): Promise<ClientService> {
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
  const keys = local ? loadKeys(settings.ALGORITHM, settings.ALGORITHM.startsWith('HS') ? settings.SIGNING_KEY : null, settings.VERIFYING_KEY) : null;
  const upstream = new AuthServiceClient(settings);
  const dataSource = options.dataSource ?? createDataSource(settings.DATABASE_URL, { schema });
  try {
    const applied = await openDatabase(dataSource);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  } catch (error) {
    upstream.close();
    if (dataSource.isInitialized) await dataSource.destroy();
    throw error;
  }

  const events = options.events ?? new EventBus<ClientServiceEvents>(logger);
  const delivery = createDelivery({ settings, clock, onCsrfRejected: (event) => events.emit('csrfRejected', event) });
  const users = new UserSync(settings, dataSource, serializer, upstream, clock, logger, events);
  const authenticator: RequestAuthenticator = keys
    ? new LocalVerification(settings, new TokenCodec(settings, keys, clock), users, clock, delivery.readAccessCookie, logger)
    : new RemoteVerification(settings, upstream, users, clock, delivery.readAccessCookie);

  const parts: ClientServiceParts = { settings, upstream, users, logger, authenticator, events, delivery, clock };
  const app = createServiceApp({ logger, bodyLimit: settings.BODY_LIMIT, service: parts });
  // The proxy endpoints live under URL_PREFIX, the team's routes at the root.
  mountControllers(app, settings.URL_PREFIX, [ProxyController]);
  if (options.controllers?.length) mountControllers(app, '', options.controllers);

  logger.info(
    { verification: local ? 'local' : 'remote', delivery: settings.DELIVERY_MODE, authService: settings.REMOTE_AUTH_SERVICE_URL },
    'client-service ready',
  );
  return {
    ...parts,
    app,
    dataSource,
    verification: local ? 'local' : 'remote',
    listen: (port = settings.PORT, host = settings.HOST) => listen(app, host, port),
    close: async () => {
      upstream.close();
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}
