// What a service hands to a Koa app it did not build (the team's own `new Koa()`): an
// authenticating middleware that never refuses, the library's endpoints as one middleware, guards
// that render their own refusals, and routing-controllers' authorization and current-user checkers.
// Everything here finds the service through the request (attachToRequest), never through the app.
import compose from 'koa-compose';
import type { Context, Middleware, Next } from 'koa';
import type { Action } from 'routing-controllers';
import type { Principal } from '../core/principal';
import { hasPermission } from '../core/principal';
import { EasyJwtError, PermissionDenied } from '../errors';
import type { Logger } from '../logger';
import { accessClaimsOf } from './access-claims';
import type { ServiceContext } from './authenticator';
import { attachToRequest } from './authenticator';
import { parseBodies } from './body-parser';
import { renderError } from './error-renderer';
import { GuardRefusal, refusalOf } from './guard-refusal';
import { authenticated, principalOf, requireLogin, requirePermission, requireStaff } from './guards';
import { respond, sendJson } from './responses';
import type { HeaderSet } from './security-headers';

/** What `embed` needs of a built service. */
export interface EmbeddingOptions {
  readonly logger: Logger;
  readonly bodyLimit: number;
  /** URL_PREFIX: the library's endpoints live under it. */
  readonly prefix: string;
  /** Other path prefixes the endpoints answer (the auth-service's `/.well-known`). */
  readonly alsoUnder?: readonly string[];
  /** The library's endpoints (routing-controllers dispatch), errors thrown, bodies parsed. */
  readonly endpoints: Middleware;
  /** The security headers of the endpoints' answers (securityHeaders()). */
  readonly headers?: HeaderSet;
}

/** The pieces of a service for a team's own Koa app (see easyJwtClient / easyJwtAuthService). */
export interface EasyJwtKoa {
  /**
   * Authenticates a request that carries credentials (the Bearer header or the delivery mode's
   * access cookie): the principal goes to `ctx.state.user`, the verified claims to
   * `ctx.state.claims`. It never refuses: without credentials, or with bad ones, the request goes
   * on without a user and the guards answer 401 later. It also renders, DRF-shaped, every
   * koa-easyjwt error thrown after it (the guards' 401/403 among them).
   */
  middleware(): Middleware;
  /** The library's `/auth/...` endpoints under URL_PREFIX (and the auth-service's `/.well-known/...`), with their own JSON answers and body parsing; other paths go on to `next`. */
  routes(): Middleware;
  /** Renders koa-easyjwt errors thrown after it DRF-shaped; others go on up. middleware() already does this. */
  errorHandler(): Middleware;
  /** For routing-controllers' useKoaServer: `@Authorized('a.perm')` requires every permission named; 401 without a user. */
  readonly authorizationChecker: (action: Action, roles: string[]) => Promise<boolean>;
  /** For routing-controllers' useKoaServer: `@CurrentUser()` is the request's principal, or undefined. */
  readonly currentUserChecker: (action: Action) => Promise<Principal | undefined>;
  /** Guard for plain Koa routes: 401 (DRF body) without a valid login. */
  readonly requireLogin: Middleware;
  /** Guard for plain Koa routes: 401 without a login, 403 without the permission(s), `all` by default. */
  requirePermission(permissions: string | readonly string[], mode?: 'all' | 'any'): Middleware;
  /** Guard for plain Koa routes: 401 without a login, 403 for users who are not staff. */
  readonly requireStaff: Middleware;
}

/**
 * The embedding of a service whose parts are `parts`.
 *
 * @example
 *   const kit = embed(parts, { logger, bodyLimit: 65536, prefix: '/auth', endpoints: driver.dispatch });
 *   app.use(kit.middleware());
 */
export function embed(parts: ServiceContext, options: EmbeddingOptions): EasyJwtKoa {
  const rendering = { logger: options.logger, bodyLimit: options.bodyLimit };
  /** Our error as the answer, with the exact JSON content type the services send. */
  const render = (ctx: Context, refusal: EasyJwtError): void => {
    renderError(ctx, refusal, rendering);
    sendJson(ctx, ctx.status, ctx.body);
  };
  const renderOurs = async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (thrown) {
      const refusal = refusalOf(thrown);
      if (!refusal) throw thrown;
      render(ctx, refusal);
    }
  };
  /** The principal, or undefined when the request has none or bad credentials (the guards refuse later). */
  const tryAuthenticate = async (ctx: Context): Promise<Principal | undefined> => {
    attachToRequest(ctx, parts);
    const known = principalOf(ctx);
    if (known) return known;
    try {
      const principal = await parts.authenticator.authenticate(ctx);
      ctx.state.user = principal;
      ctx.state.claims = accessClaimsOf(ctx);
      return principal;
    } catch (thrown) {
      if (thrown instanceof EasyJwtError) return undefined;
      throw thrown;
    }
  };
  /** A guard that finds the service itself and answers its own refusals (not those of later middleware). */
  const standalone = (guard: Middleware): Middleware => {
    return async function standaloneGuard(ctx: Context, next: Next): Promise<void> {
      attachToRequest(ctx, parts);
      let passed = false;
      try {
        await guard(ctx, () => {
          passed = true;
          return next();
        });
      } catch (thrown) {
        const refusal = passed ? null : refusalOf(thrown);
        if (!refusal) throw thrown;
        render(ctx, refusal);
      }
    };
  };

  const endpoints = compose([respond({ ...rendering, headers: options.headers, parse: parseBodies(options.bodyLimit) }), options.endpoints]);
  const prefix = options.prefix;
  const under = `${prefix}/`;
  const others = (options.alsoUnder ?? []).map((other) => `${other}/`);
  return {
    middleware: () =>
      async function easyJwtMiddleware(ctx: Context, next: Next): Promise<void> {
        await tryAuthenticate(ctx);
        await renderOurs(ctx, next);
      },
    routes: () =>
      function easyJwtRoutes(ctx: Context, next: Next): Promise<unknown> {
        const path = ctx.path;
        if (path !== prefix && !path.startsWith(under) && !others.some((other) => path.startsWith(other))) return next();
        attachToRequest(ctx, parts);
        return endpoints(ctx, next) as Promise<unknown>;
      },
    errorHandler: () => renderOurs,
    authorizationChecker: async (action, roles) => {
      const ctx = action.context as Context;
      attachToRequest(ctx, parts);
      try {
        const principal = await authenticated(ctx);
        if (roles.every((permission) => hasPermission(principal, permission))) return true;
        throw new PermissionDenied();
      } catch (thrown) {
        const refusal = refusalOf(thrown);
        throw refusal ? new GuardRefusal(refusal) : thrown;
      }
    },
    currentUserChecker: (action) => tryAuthenticate(action.context as Context),
    requireLogin: standalone(requireLogin),
    requirePermission: (permissions, mode = 'all') => standalone(requirePermission(permissions, mode)),
    requireStaff: standalone(requireStaff),
  };
}
