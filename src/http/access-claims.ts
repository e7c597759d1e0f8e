// The verified claims of the access token that authenticated a request, left on `ctx.state` by
// the authenticator for handlers that need more of the token than the principal (the sessions
// list marks the asker's own session by its jti; a team's handler reads a custom claim), so they
// need not read and decode it again.
import type { Context } from 'koa';
import type { Claims } from '../core/tokens';

/**
 * The `ctx.state` key: a symbol, so the claims stay out of `JSON.stringify(ctx.state)` and clear
 * of the application's own names. Storing a reference costs no allocation on the request path.
 */
export const ACCESS_CLAIMS: unique symbol = Symbol('easyjwt.accessClaims');

/** What `ctx.state` holds under ACCESS_CLAIMS, for the authenticator that writes it. */
export interface AccessClaimsState {
  [ACCESS_CLAIMS]?: Claims;
}

/**
 * The claims the request's authenticator verified, or undefined before authentication (or with
 * an authenticator of the application's own that keeps none).
 *
 * @example
 *   const claims = accessClaimsOf(ctx); // in a handler behind a guard
 *   const jti = claims ? codec.jtiOf(claims) : null;
 */
export function accessClaimsOf(ctx: Context): Claims | undefined {
  return (ctx.state as AccessClaimsState)[ACCESS_CLAIMS];
}
