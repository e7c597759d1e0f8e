// The user a registry or logout-all request acts on: the asker, or (staff) `?user=<id>`.
import type { Context } from 'koa';
import type { AuthPrincipal } from '../../core/principal';
import { ValidationFailed } from '../../errors';

/**
 * `?user=<id>` when given (a 400 unless it is a plain integer), else the actor.
 *
 * @example
 *   const userId = targetUser(ctx, actor);
 */
export function targetUser(ctx: Context, actor: AuthPrincipal): number {
  const given = ctx.query.user;
  if (given === undefined) return actor.id;
  if (typeof given !== 'string' || !/^\d{1,9}$/.test(given)) throw new ValidationFailed({ user: ['A valid integer is required.'] });
  return Number(given);
}
