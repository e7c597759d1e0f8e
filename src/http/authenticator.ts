// How guards find the request authenticator of the service they run in: each service puts its
// parts on its own Koa app's context, so two services in one process never share state.
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

/** The parts attached to the app serving `ctx`; a clear error if none were. */
export function serviceOf<T extends ServiceContext = ServiceContext>(ctx: Context): T {
  const service = (ctx as unknown as Record<string, unknown>)[KEY];
  if (!service) throw new Error('koa-easyjwt guards need an app built by createAuthService() or createClientService()');
  return service as T;
}
