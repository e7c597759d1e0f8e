// createAuthService: the central service wired together from its parts. Every call builds fresh
// instances (no module state), so tests and applications may run as many as they like. The parts
// come from buildAuthService, the same code easyJwtAuthService hands to a team's own Koa app.
import 'reflect-metadata';
import type Koa from 'koa';
import type { DataSource } from 'typeorm';
import type { PasswordHasher } from '../core/passwords';
import type { Listening } from '../http/server';
import { listen } from '../http/server';
import { securityHeaders } from '../http/security-headers';
import { createServiceApp, mountRoutes } from '../http/service-app';
import type { Logger } from '../logger';
import type { AuthServiceParts } from '../auth-service/parts';
import type { AuthServiceOptions } from './easyjwt-auth-service';
import { buildAuthService } from './easyjwt-auth-service';

export type { AuthServiceOptions } from './easyjwt-auth-service';

/** A built auth-service: a Koa app plus the parts behind it. */
export interface AuthService extends AuthServiceParts {
  readonly app: Koa;
  readonly dataSource: DataSource;
  readonly hasher: PasswordHasher;
  readonly logger: Logger;
  /** Serves the app; defaults to the HOST and PORT settings. */
  listen(port?: number, host?: string): Promise<Listening>;
  /** Closes the database (stop listening first). */
  close(): Promise<void>;
}

/**
 * Builds the auth-service: opens and migrates the database, then mounts the token, user and
 * session endpoints under URL_PREFIX.
 *
 * @example
 *   const service = await createAuthService({ settings: { SIGNING_KEY: key, DATABASE_URL: 'sqlite:data/auth.sqlite3' } });
 *   const { url } = await service.listen();
 */
export async function createAuthService(options: AuthServiceOptions): Promise<AuthService> {
  const { service, parts, endpoints } = await buildAuthService(options);
  const { settings, dataSource, hasher, logger } = service;
  const app = createServiceApp({ logger, bodyLimit: settings.BODY_LIMIT, service: parts, headers: securityHeaders(settings) });
  // The client address: with NUM_PROXIES > 0, taken from X-Forwarded-For that many entries from
  // the right (Koa's proxy + maxIpsCount pick the same entry DRF's NUM_PROXIES does).
  app.proxy = settings.NUM_PROXIES > 0;
  app.maxIpsCount = settings.NUM_PROXIES;
  mountRoutes(app, endpoints);

  return {
    ...parts,
    app,
    dataSource,
    hasher,
    logger,
    listen: (port = settings.PORT, host = settings.HOST) => listen(app, host, port, settings),
    close: async () => {
      // Stops the revocation poller and channel and waits for registrations still running.
      await service.close();
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}
