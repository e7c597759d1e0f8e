// createClientService: a team's Koa API that authenticates its requests against a central
// auth-service, keeps local copies of the users it sees, and guards routes with decorators. The
// parts come from buildClient, the same code easyJwtClient hands to a team's own Koa app.
import 'reflect-metadata';
import type Koa from 'koa';
import type { DataSource } from 'typeorm';
import type { Listening } from '../http/server';
import { listen } from '../http/server';
import { securityHeaders } from '../http/security-headers';
import { beforeUnder, buildControllers, createServiceApp, mountRoutes } from '../http/service-app';
import type { ClientServiceParts } from '../client-service/parts';
import type { VerificationMode } from '../client-service/verification-mode';
import type { ClientServiceOptions } from './easyjwt-client';
import { buildClient } from './easyjwt-client';

export type { ClientServiceOptions } from './easyjwt-client';

/** A built client-service. */
export interface ClientService extends ClientServiceParts {
  readonly app: Koa;
  readonly dataSource: DataSource;
  /** `local`, `jwks` or `remote`: how this instance verifies requests. */
  readonly verification: VerificationMode;
  /** Why that mode was picked, in words (also in the start-up log). */
  readonly verificationReason: string;
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
  const { client, parts, endpoints } = await buildClient(options);
  const { settings, dataSource, logger, verification, verificationReason, authorizationChecker, currentUserChecker } = client;
  const app = createServiceApp({ logger, bodyLimit: settings.BODY_LIMIT, service: parts, headers: securityHeaders(settings) });
  // The caller's address, as the auth-service's NUM_PROXIES reads it: it keys the login throttle.
  app.proxy = settings.NUM_PROXIES > 0;
  app.maxIpsCount = settings.NUM_PROXIES;
  // The proxy endpoints live under URL_PREFIX, the team's routes at the root.
  // One layer for both: the proxy endpoints first under their prefix, the team's routes otherwise.
  const checkers = { authorizationChecker, currentUserChecker };
  const team = options.controllers?.length ? buildControllers('', options.controllers, checkers).dispatch : null;
  mountRoutes(app, team ? beforeUnder(settings.URL_PREFIX, endpoints, team) : endpoints);

  return {
    ...parts,
    app,
    dataSource,
    verification,
    verificationReason,
    listen: (port = settings.PORT, host = settings.HOST) => listen(app, host, port, settings),
    close: async () => {
      // Stops the revocation poller and subscriber and closes the upstream client.
      await client.close();
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}
