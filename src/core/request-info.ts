// Where a request came from, as events and claim builders see it: plain data read from anything
// shaped like a Koa context, so the core needs no HTTP framework to describe a request.

/** Where a request came from, as every event carries it. */
export interface RequestInfo {
  /** The client address (`X-Forwarded-For` only when the app trusts its proxy: `app.proxy`). */
  readonly ip: string;
  readonly userAgent: string | null;
  readonly method: string;
  readonly path: string;
}

/**
 * The request context of an event, from a Koa context (or anything shaped like one).
 *
 * @example
 *   events.emit('loginSucceeded', { userId, request: requestInfo(ctx) });
 */
export function requestInfo(ctx: { readonly ip: string; readonly method: string; readonly path: string; get(field: string): string }): RequestInfo {
  return { ip: ctx.ip, userAgent: ctx.get('User-Agent') || null, method: ctx.method, path: ctx.path };
}
