// How guards find the request authenticator of the service they run in: each service puts its
// parts on its own Koa app's context, so two services in one process never share state. On a
// team's own app, the factories' middleware puts them on each request instead (same key, so the
// guards' lookup stays one property read either way).
import type { Context } from 'koa';
import type { Principal } from '../core/principal';

/**
 * Turns a request into the user who made it, or throws a 401 EasyJwtError. It answers a plain
 * principal when it had one at hand (the hot path: no promise to allocate and await), a promise
 * when it had to load one.
 */
export interface RequestAuthenticator {
  authenticate(ctx: Context): Principal | Promise<Principal>;
}

/** What a service attaches to its app context for guards and controllers. */
export interface ServiceContext {
  readonly authenticator: RequestAuthenticator;
}

const KEY = 'easyjwt';

/** Attaches a service's parts to `app.context`. */
export function attachService<T extends ServiceContext>(appContext: object, service: T): void {
  Object.defineProperty(appContext, KEY, { value: service, enumerable: false });
}

/**
 * Attaches a service's parts to one request, for apps the service did not build. An own property
 * shadows whatever the app context holds, so the nearest middleware wins.
 */
export function attachToRequest<T extends ServiceContext>(ctx: Context, service: T): void {
  if ((ctx as unknown as Record<string, unknown>)[KEY] === service) return;
  Object.defineProperty(ctx, KEY, { value: service, enumerable: false, configurable: true, writable: true });
}

/** The parts attached to the app serving `ctx`; a clear error if none were. */
export function serviceOf<T extends ServiceContext = ServiceContext>(ctx: Context): T {
  const service = (ctx as unknown as Record<string, unknown>)[KEY];
  if (!service)
    throw new Error(
      'koa-easyjwt guards need the middleware() of easyJwtClient() or easyJwtAuthService() before them, or an app built by createAuthService() or createClientService()',
    );
  return service as T;
}
