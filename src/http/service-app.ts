// The Koa app both services are built on: one responder, one body parser, the service's parts on
// the context, and routing-controllers controllers mounted under a path prefix.
import Koa from 'koa';
import type { Middleware } from 'koa';
import type { RoutingControllersOptions } from 'routing-controllers';
import { createServer } from 'routing-controllers';
import type { Logger } from '../logger';
import type { ServiceContext } from './authenticator';
import { attachService } from './authenticator';
import { ControllerDriver } from './controller-driver';
import { parseBodies } from './body-parser';
import { respond } from './responses';
import type { HeaderSet } from './security-headers';

/**
 * A Koa app answering DRF-shaped JSON, with `service` reachable by guards and controllers.
 *
 * @example
 *   const app = createServiceApp({ logger, bodyLimit: 65536, service: parts });
 */
export function createServiceApp(options: { logger: Logger; bodyLimit: number; service: ServiceContext; headers?: HeaderSet }): Koa {
  const app = new Koa();
  app.silent = true; // errors are logged by the responder, once
  // One middleware for both: the body parser runs inside the responder, a layer fewer per request.
  app.use(respond({ logger: options.logger, bodyLimit: options.bodyLimit, headers: options.headers, parse: parseBodies(options.bodyLimit) }));
  attachService(app.context, options.service);
  keepRoutesLast(app);
  return app;
}

/** The middleware of each service app that answers requests itself: its routes. */
const ROUTES = new WeakMap<Koa, Set<Middleware>>();

/**
 * Makes `app.use()` insert before the routes mounted with mountRoutes: middleware the application
 * adds to a built service (a logger, a header, a counter) then runs for every request, the
 * library's endpoints included, instead of only for the requests no route answered.
 */
function keepRoutesLast(app: Koa): void {
  const routes = new Set<Middleware>();
  ROUTES.set(app, routes);
  const koaUse = app.use.bind(app);
  const use = (middleware: Middleware): Koa => {
    koaUse(middleware); // Koa's own checks, then it is last
    const first = app.middleware.findIndex((mounted) => routes.has(mounted as Middleware));
    if (first >= 0 && !routes.has(middleware)) app.middleware.splice(first, 0, app.middleware.pop() as (typeof app.middleware)[number]);
    return app;
  };
  app.use = use as typeof app.use;
}

/** Mounts middleware that answers requests (routes) at the end, where app.use() will not pass it. */
export function mountRoutes(app: Koa, routes: Middleware): void {
  ROUTES.get(app)?.add(routes);
  app.use(routes);
}

/** routing-controllers' checkers for `@Authorized()` and `@CurrentUser()`, when a service has them. */
export type Checkers = Pick<RoutingControllersOptions, 'authorizationChecker' | 'currentUserChecker'>;

/**
 * Registers routing-controllers controllers under `prefix` ('' for the root) on a driver of our
 * own; mount its `dispatch` where they should answer.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function buildControllers(prefix: string, controllers: readonly Function[], checkers: Checkers = {}): ControllerDriver {
  // No interceptors and no default error handler: ControllerDriver's direct actions rely on both.
  const driver = new ControllerDriver(new Koa());
  createServer(driver, {
    controllers: [...controllers],
    routePrefix: prefix,
    defaultErrorHandler: false,
    development: false,
    classTransformer: false,
    validation: false,
    ...checkers,
  });
  return driver;
}

/** `dispatch` behind a check of the path prefix ('' for none). */
export function underPrefix(prefix: string, dispatch: Middleware): Middleware {
  if (!prefix) return dispatch;
  const under = `${prefix}/`;
  return (ctx, next) => {
    const path = ctx.path;
    return path === prefix || path.startsWith(under) ? (dispatch(ctx, next) as Promise<unknown>) : next();
  };
}

/** Whether `path` is `prefix` or under it ('' holds every path). */
const isUnder = (path: string, prefix: string): boolean =>
  !prefix || (path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 47)); // '/'

/**
 * Two route middlewares as one: paths under `prefix` go to `first`, and what it does not answer
 * on to `then`; every other path goes straight to `then`. The same order as two mounted layers,
 * without a layer of the app's chain (a bound function and a promise step per request) and
 * without a closure for the paths `first` cannot answer.
 *
 * @example
 *   const team = buildControllers('', [ReportsController]).dispatch;
 *   mountRoutes(app, beforeUnder('/auth', underPrefix('/auth', buildControllers('/auth', [ReportsController]).dispatch), team));
 */
export function beforeUnder(prefix: string, first: Middleware, then: Middleware): Middleware {
  return (ctx, next) => (isUnder(ctx.path, prefix) ? first(ctx, () => then(ctx, next) as Promise<void>) : then(ctx, next)) as Promise<unknown>;
}

/**
 * Mounts routing-controllers controllers under `prefix` ('' for the root), behind a prefix check,
 * so a request outside the prefix never walks their routes: each mount costs only the requests
 * that are its own. Errors are left to `respond`; bodies are already parsed.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function mountControllers(app: Koa, prefix: string, controllers: readonly Function[], checkers: Checkers = {}): ControllerDriver {
  const driver = buildControllers(prefix, controllers, checkers);
  mountRoutes(app, underPrefix(prefix, driver.dispatch));
  return driver;
}
