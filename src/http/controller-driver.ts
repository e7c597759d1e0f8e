// routing-controllers' Koa driver, with a direct path for the common case. The stock driver
// hands every request to @koa/router, which reads the Host header, tests the path against every
// route's regular expression and composes a fresh middleware chain, and then runs the action
// through a chain of promises (parameters, interceptors, result) even when nothing in it waits:
// on a guarded GET that was as much work as the authentication itself. Here
//  - a route whose path has no parameters, and that no other route could also match, is found
//    with one Map lookup and runs a middleware chain composed once, at start-up;
//  - an action whose parameters need no parsing (the context, request, response, or a custom
//    decorator such as @AuthUser) and that has no interceptors is called directly.
// Everything else (routes with parameters, unknown paths and so the 404/405/OPTIONS answers,
// @Body/@Param/@QueryParam actions) takes the stock path, unchanged.
import { METHODS } from 'node:http';
import type Router from '@koa/router';
import compose from 'koa-compose';
import type { Context, Middleware, Next } from 'koa';
import type { Action } from 'routing-controllers';
import { ActionMetadata, KoaDriver } from 'routing-controllers';
import type { ParamMetadata } from 'routing-controllers/types/metadata/ParamMetadata';

/** What the driver needs of a @koa/router layer (the router routing-controllers builds). */
interface RouterLayer {
  readonly path: string;
  readonly methods: readonly string[];
  readonly paramNames: readonly unknown[];
  readonly stack: readonly Middleware[];
  match(path: string): boolean;
}

/** The properties @koa/router sets on a context it routes. */
type RoutedContext = Context & { params: Record<string, string>; request: { params: Record<string, string> }; _matchedRoute: string };

/** Paths made only of these characters mean the same to path-to-regexp as to a string compare. */
const LITERAL_PATH = /^\/[A-Za-z0-9\-._~/]*$/;

/** Parameter kinds whose value is taken as it is: no parsing, normalising or validation. */
const DIRECT_PARAMETERS: ReadonlySet<string> = new Set(['context', 'request', 'response', 'custom-converter']);

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as PromiseLike<unknown>).then === 'function';

const withoutSlash = (path: string): string => (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path);

/** @koa/router matches case-insensitively and with an optional trailing slash; so does this. */
const normalPath = (path: string): string => (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).toLowerCase();

/** Controllers whose routes answer as DRF APIViews do, with `Allow` and `Vary: Accept`. */
const DRF_VIEWS = new WeakSet();

/**
 * Marks a controller as DRF-style: every answer of its routes, success or error, carries `Allow`
 * (the path's methods in Django's order, with OPTIONS) and `Vary: Accept`, as DRF's APIView sends
 * them (from the view's methods, and from content negotiation between its renderers).
 *
 * @example
 *   // What `@DrfView()` written above `@Controller()` does:
 *   DrfView()(ReportsController);
 */
export function DrfView(): ClassDecorator {
  return (target) => {
    DRF_VIEWS.add(target);
  };
}

/**
 * `Allow` and `Vary: Accept` on the Node response itself, as ctx.set and ctx.vary would set them
 * (nothing once the answer has begun): Koa's versions allocate arrays and parse the existing Vary
 * on every request, and a DRF route's answer has no Vary yet in nearly every case.
 */
function setDrfHeaders(ctx: Context, allow: string): void {
  const res = ctx.res;
  if (res.headersSent) return;
  res.setHeader('Allow', allow);
  if (res.hasHeader('vary')) ctx.vary('Accept');
  else res.setHeader('Vary', 'Accept');
}

/** The order Django lists a view's methods in `Allow` (its `http_method_names`). */
const DJANGO_METHOD_ORDER = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** Django's `Allow` for a path served with `methods` (the router adds HEAD beside GET): OPTIONS too, in Django's order. */
export function djangoAllow(methods: Iterable<string>): string[] {
  const all = new Set([...methods].map((method) => method.toUpperCase()));
  all.add('OPTIONS');
  return [...DJANGO_METHOD_ORDER.filter((method) => all.has(method)), ...[...all].filter((method) => !DJANGO_METHOD_ORDER.includes(method))];
}

/**
 * A KoaDriver with direct routes and direct actions. Pass it to routing-controllers'
 * `createServer` in place of `useKoaServer`'s stock driver, with no global interceptors and
 * `defaultErrorHandler: false` (errors go up to the app's one renderer), then mount `dispatch`.
 *
 * @example
 *   const driver = new ControllerDriver(new Koa());
 *   createServer(driver, { controllers: [ReportsController], defaultErrorHandler: false });
 *   app.use(driver.dispatch);
 */
export class ControllerDriver extends KoaDriver {
  /** Direct routes by method, then by the exact path as registered, with and without its slash. */
  private readonly exact = new Map<string, Map<string, Middleware>>();
  /** The same routes by method and normalised path, for requests in another case. */
  private readonly normalised = new Map<string, Middleware>();
  private routed: Middleware | null = null;
  private readonly served: string[] = [];
  /** The routes of DRF-style controllers, by their path as registered. */
  private readonly drfPaths = new Set<string>();
  /** The middleware that sets a DRF route's headers, with the `Allow` it sets. */
  private readonly drfAllow = new WeakMap<Middleware, string>();

  /**
   * The stock driver mounts koa-bodyparser here. The services parse bodies once, before any
   * controller (src/http/body-parser.ts), so a second parser would only cost time.
   */
  override initialize(): void {}

  override registerAction(action: ActionMetadata, executeCallback: (options: Action) => unknown): void {
    const params = [...action.params].sort((a, b) => a.index - b.index);
    const direct =
      !this.isDefaultErrorHandlingEnabled &&
      !action.methodOverride &&
      !action.appendParams &&
      action.interceptors.length === 0 &&
      action.controllerMetadata.interceptors.length === 0 &&
      params.every((param) => DIRECT_PARAMETERS.has(param.type));
    // The path as the router holds it: under the routePrefix, without the trailing slash.
    if (DRF_VIEWS.has(action.target)) this.drfPaths.add(withoutSlash(String(ActionMetadata.appendBaseRoute(this.routePrefix, action.fullRoute))));
    super.registerAction(action, direct ? (options: Action) => this.callDirectly(action, params, options) : executeCallback);
  }

  /** KoaDriver's @koa/router instance, which its own typings leave as `any`. */
  private get koaRouter(): Router {
    return this.router as Router;
  }

  /** Called once, after every action is registered: builds the direct routes and the fallback. */
  override registerRoutes(): void {
    const layers = this.koaRouter.stack as unknown as RouterLayer[];
    this.addDrfHeaders(layers);
    for (const layer of layers) {
      if (layer.paramNames.length > 0 || !LITERAL_PATH.test(layer.path)) continue;
      // Two routes answering one path are left to the router, which runs the first registered
      // and stops the second: the direct path must not change which one answers.
      const clash = layers.some((other) => other !== layer && other.match(layer.path) && other.methods.some((m) => layer.methods.includes(m)));
      if (clash) continue;
      // The stock chain opens with routing-controllers' `routeGuard`, which lets only the first of
      // several matching routes run; a direct route is the only match, so it goes without.
      let stack = layer.stack[0]?.name === 'routeGuard' ? layer.stack.slice(1) : [...layer.stack];
      // A DRF route's headers are set here rather than by a middleware of the chain: a layer of
      // koa-compose costs each request a bound function and a promise step.
      const allow = stack.length > 0 ? this.drfAllow.get(stack[0]) : undefined;
      if (allow !== undefined) stack = stack.slice(1);
      const chain = compose(stack);
      const path = layer.path;
      const run: Middleware = (ctx, next) => {
        // What the router would have set for this route; controllers may read them.
        const routed = ctx as RoutedContext;
        routed.params = {};
        routed.request.params = routed.params;
        routed._matchedRoute = path;
        if (allow !== undefined) setDrfHeaders(ctx, allow);
        return chain(ctx, next);
      };
      const bare = normalPath(path);
      for (const method of layer.methods) {
        const byPath = this.exact.get(method) ?? new Map<string, Middleware>();
        byPath.set(path, run);
        byPath.set(path.endsWith('/') ? path.slice(0, -1) : `${path}/`, run);
        this.exact.set(method, byPath);
        this.normalised.set(`${method} ${bare}`, run);
        this.served.push(`${method} ${path}`);
      }
    }
    // Every method Node parses counts as implemented: the router would answer the others (TRACE,
    // PROPFIND, ...) 501 in plain text, where a known path answers 405 naming its methods and an
    // unknown one 404, as Django does.
    this.koaRouter.methods = [...METHODS];
    // The router's middleware expects its own richer context type; it is mounted in a plain Koa chain.
    const routerChain = compose([this.koaRouter.routes(), this.koaRouter.allowedMethods()] as unknown as Middleware[]);
    const drfLayers = layers.filter((layer) => this.drfPaths.has(withoutSlash(layer.path)));
    this.routed = async (ctx, next) => {
      await routerChain(ctx, next);
      // The router's own 405 and OPTIONS answers run no route's chain; DRF's carry Vary too.
      // Rare answers, so the layers are matched here rather than prepared.
      if ((ctx.status === 405 || ctx.method === 'OPTIONS') && drfLayers.some((layer) => layer.match(ctx.path))) ctx.vary('Accept');
    };
  }

  /**
   * Opens each DRF-style route's chain with a middleware that sets its headers, built once per
   * path here: the request path only sets two prepared values. Set before the action runs, they
   * stay on its errors too, which the renderer adds to and never clears.
   */
  private addDrfHeaders(layers: RouterLayer[]): void {
    const byPath = new Map<string, RouterLayer[]>();
    for (const layer of layers) if (this.drfPaths.has(withoutSlash(layer.path))) byPath.set(layer.path, [...(byPath.get(layer.path) ?? []), layer]);
    for (const [, sharing] of byPath) {
      const allow = djangoAllow(sharing.flatMap((layer) => layer.methods)).join(', ');
      const drfHeaders: Middleware = (ctx, next) => {
        setDrfHeaders(ctx, allow);
        return next();
      };
      this.drfAllow.set(drfHeaders, allow);
      for (const layer of sharing) {
        // After routeGuard, which must stay first; the direct path drops it and keeps this.
        const at = layer.stack[0]?.name === 'routeGuard' ? 1 : 0;
        (layer.stack as Middleware[]).splice(at, 0, drfHeaders);
      }
    }
  }

  /** The routes served directly, as `METHOD /path` (the rest go through the router). */
  get directRoutes(): readonly string[] {
    return this.served;
  }

  /** The middleware that serves every registered route; mount it in the app. */
  readonly dispatch = (ctx: Context, next: Next): Promise<unknown> => {
    const path = ctx.path;
    const direct = this.exact.get(ctx.method)?.get(path) ?? this.normalised.get(`${ctx.method} ${normalPath(path)}`);
    if (direct) return direct(ctx, next) as Promise<unknown>;
    if (!this.routed) throw new Error('ControllerDriver: no routes registered yet');
    return this.routed(ctx, next) as Promise<unknown>;
  };

  /**
   * What routing-controllers' executeAction does for these actions, without its promises: the
   * parameters, the method, then the driver's own result handling. A throw propagates to the
   * app's error renderer exactly as the stock path's rejection would (defaultErrorHandler is off).
   */
  private callDirectly(action: ActionMetadata, params: readonly ParamMetadata[], options: Action): unknown {
    let pending = false;
    const values = params.map((param) => {
      const value = this.directValue(param, options);
      if (isPromiseLike(value)) pending = true;
      return value;
    });
    if (pending) return Promise.all(values).then((resolved) => this.finish(action, action.callMethod(resolved, options), options));
    return this.finish(action, action.callMethod(values, options), options);
  }

  private finish(action: ActionMetadata, result: unknown, options: Action): unknown {
    if (isPromiseLike(result)) return Promise.resolve(result).then((value) => this.succeed(value, action, options));
    return this.succeed(result, action, options);
  }

  /**
   * The driver's result handling, told first that an object result is JSON. The responder sends
   * every object body as `application/json` exactly; with that type already set, Koa's body setter
   * keeps it instead of looking one up and setting `application/json; charset=utf-8`, which the
   * responder would then replace.
   */
  private succeed(result: unknown, action: ActionMetadata, options: Action): unknown {
    if (
      result !== null &&
      typeof result === 'object' &&
      result !== options.context &&
      result !== options.response &&
      !(result instanceof Uint8Array) &&
      typeof (result as { pipe?: unknown }).pipe !== 'function' &&
      !action.redirect &&
      !action.renderedTemplate
    ) {
      const res = (options.context as Context).res;
      if (!res.headersSent && !res.hasHeader('content-type')) res.setHeader('Content-Type', 'application/json');
    }
    return this.handleSuccess(result, action, options);
  }

  /** The value of a context, request, response or custom-decorator parameter, as the stock path gives it. */
  private directValue(param: ParamMetadata, options: Action): unknown {
    switch (param.type) {
      case 'context':
        return options.context;
      case 'request':
        return options.request;
      case 'response':
        return options.response;
      default:
        // A custom decorator's `value` (createParamDecorator), given no request value; its
        // `required` flag has no effect in routing-controllers for unnamed parameters.
        return param.transform ? param.transform(options, undefined) : undefined;
    }
  }
}
