// Route guards as plain Koa middleware: the decorators only attach these, so each can be tested
// and reused without routing-controllers. Not logged in: 401; logged in but not allowed: 403.
import type { Context, Next } from 'koa';
import type { Principal } from '../core/principal';
import { hasPermission } from '../core/principal';
import { PermissionDenied } from '../errors';
import { serviceOf } from './authenticator';

/** The principal a guard put on the request, if any. */
export const principalOf = (ctx: Context): Principal | undefined => ctx.state.user as Principal | undefined;

/** The request's principal: the one already found, or authenticated now (a 401 if none). */
export async function authenticated(ctx: Context): Promise<Principal> {
  const known = principalOf(ctx);
  if (known) return known;
  const principal = await serviceOf(ctx).authenticator.authenticate(ctx);
  ctx.state.user = principal;
  return principal;
}

/** Lets only authenticated requests through and puts the user on `ctx.state.user`. */
export function requireLogin(ctx: Context, next: Next): Promise<void> {
  if (principalOf(ctx)) return next();
  // Written without async/await: a cached principal comes back as a plain value, and this guard
  // runs on every protected request.
  const principal = serviceOf(ctx).authenticator.authenticate(ctx);
  if (principal instanceof Promise) {
    return principal.then((loaded) => {
      ctx.state.user = loaded;
      return next();
    });
  }
  ctx.state.user = principal;
  return next();
}

/**
 * Lets through users holding the permissions (`all` of them by default, or `any`).
 *
 * @example
 *   router.get('/reports', requirePermission(['reports.view', 'reports.admin'], 'any'), handler);
 */
export function requirePermission(permissions: string | readonly string[], mode: 'all' | 'any' = 'all') {
  const wanted = typeof permissions === 'string' ? [permissions] : [...permissions];
  if (wanted.length === 0) throw new Error('requirePermission needs at least one permission');
  return async function permissionGuard(ctx: Context, next: Next): Promise<void> {
    const principal = await authenticated(ctx);
    const granted = (permission: string) => hasPermission(principal, permission);
    if (!(mode === 'all' ? wanted.every(granted) : wanted.some(granted))) throw new PermissionDenied();
    await next();
  };
}

/**
 * Lets through users for whom `predicate` holds; others get 403 with `message`.
 *
 * @example
 *   requireThat((user) => String((user.data.accessgroup as { user_type?: unknown } | null)?.user_type).startsWith('gold'), 'Gold members only.');
 */
export function requireThat(predicate: (principal: Principal, ctx: Context) => boolean | Promise<boolean>, message?: string) {
  return async function predicateGuard(ctx: Context, next: Next): Promise<void> {
    const principal = await authenticated(ctx);
    if (!(await predicate(principal, ctx))) throw new PermissionDenied(message);
    await next();
  };
}

/** Lets through staff users only (Django's IsAdminUser). */
export const requireStaff = requireThat((principal) => principal.isStaff);
