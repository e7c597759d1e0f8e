// Decorators for routing-controllers controllers and actions. They only attach the guard
// middlewares of src/http/guards.ts; all behaviour lives there.
import { createParamDecorator, UseBefore } from 'routing-controllers';
import type { Context } from 'koa';
import type { Principal } from '../core/principal';
import { principalOf, requireLogin, requirePermission, requireStaff, requireThat } from '../http/guards';

/**
 * Only authenticated users; 401 otherwise.
 *
 * @example
 *   @Get('/profile/') @JwtLoginRequired() profile(@AuthUser() user: Principal) { return user.data; }
 */
export const JwtLoginRequired = (): ClassDecorator & MethodDecorator => UseBefore(requireLogin) as ClassDecorator & MethodDecorator;

/**
 * Only users holding the permission(s): 401 when not logged in, 403 without them.
 *
 * @example
 *   @Get('/reports/') @JwtPermRequired('app.view') list() { return []; }
 *   @Post('/reports/') @JwtPermRequired(['app.view', 'app.edit'], 'any') create() { return {}; }
 */
export const JwtPermRequired = (permissions: string | readonly string[], mode: 'all' | 'any' = 'all'): ClassDecorator & MethodDecorator =>
  UseBefore(requirePermission(permissions, mode)) as ClassDecorator & MethodDecorator;

/**
 * Only users for whom `predicate` holds; others get 403 with `message`.
 *
 * @example
 *   @Get('/staff/') @JwtRequireThat((user) => String(user.data.email).endsWith('@corp.example'), 'Staff e-mail required.') staff() { return {}; }
 */
export const JwtRequireThat = (
  predicate: (principal: Principal, ctx: Context) => boolean | Promise<boolean>,
  message?: string,
): ClassDecorator & MethodDecorator => UseBefore(requireThat(predicate, message)) as ClassDecorator & MethodDecorator;

/** Only staff users. */
export const JwtStaffRequired = (): ClassDecorator & MethodDecorator => UseBefore(requireStaff) as ClassDecorator & MethodDecorator;

/** Injects the authenticated user (a guard must run first). */
export function AuthUser(): ParameterDecorator {
  return createParamDecorator({
    required: false,
    value: (action) => principalOf(action.context as Context),
  }) as ParameterDecorator;
}
