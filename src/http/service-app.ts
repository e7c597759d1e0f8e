// The Koa app both services are built on: one responder, one body parser, the service's parts on
// the context, and routing-controllers controllers mounted under a path prefix.
import compose from 'koa-compose';
import Koa from 'koa';
import { useKoaServer } from 'routing-controllers';
import type { Logger } from '../logger';
import { attachService, ServiceContext } from './authenticator';
import { parseBodies } from './body-parser';
import { respond } from './responses';

/**
 * A Koa app answering DRF-shaped JSON, with `service` reachable by guards and controllers.
 *
 * @example
 *   const app = createServiceApp({ logger, bodyLimit: 65536, service: parts });
 */
export function createServiceApp(options: { logger: Logger; bodyLimit: number; service: ServiceContext }): Koa {
  const app = new Koa();
  app.silent = true; // errors are logged by the responder, once
  app.use(respond({ logger: options.logger, bodyLimit: options.bodyLimit }));
  app.use(parseBodies(options.bodyLimit));
  attachService(app.context, options.service);
  return app;
}

/**
 * Mounts routing-controllers controllers under `prefix` ('' for the root). They are built on a
 * sub-app and composed in behind a prefix check, so a request outside the prefix never walks
 * their router or their body parser: each mount costs only the requests that are its own.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function mountControllers(app: Koa, prefix: string, controllers: readonly Function[]): void {
  const sub = new Koa();
  useKoaServer(sub, {
    controllers: [...controllers],
    routePrefix: prefix,
    defaultErrorHandler: false,
    development: false,
    classTransformer: false,
    validation: false,
  });
  const handle = compose(sub.middleware);
  if (!prefix) {
    app.use(handle);
    return;
  }
  app.use((ctx, next) => (ctx.path === prefix || ctx.path.startsWith(`${prefix}/`) ? handle(ctx, next) : next()));
}
