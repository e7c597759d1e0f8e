// Every answer leaves through `respond`: errors rendered once, JSON bodies sent as
// `application/json` exactly (a Django easyjwt client compares the header string, and Koa would add
// `; charset=utf-8`), and `Cache-Control: no-store`, since nearly every answer carries a token or a
// user (the public keys are the exception, and say so). An answer given before the request's body
// was all read (a 413, a 415, a refusal ahead of the parser) closes the connection: the unread rest
// would otherwise sit in front of the next request on a kept-alive socket, which then hangs.
import type { Context, Next } from 'koa';
import type { ErrorRendererOptions } from './error-renderer';
import { answerBare, renderError } from './error-renderer';
import type { HeaderSet } from './security-headers';
import { setHeaders } from './security-headers';

/** What `respond` needs: the renderer's options and the security headers (securityHeaders()). */
export interface ResponderOptions extends ErrorRendererOptions {
  readonly headers?: HeaderSet;
}

/**
 * The outermost middleware of both services. It is on every request's path, so its checks are
 * plain property tests rather than content-type parsing.
 *
 * @example
 *   app.use(respond({ logger, bodyLimit: 65536 }));
 */
export function respond(options: ResponderOptions) {
  const headers = options.headers ?? [];
  const rendering: ErrorRendererOptions = { logger: options.logger, bodyLimit: options.bodyLimit };
  return async function respondJson(ctx: Context, next: Next): Promise<void> {
    // First, so errors carry them too and a handler may still change one (the demo page's CSP).
    setHeaders(ctx.res, headers);
    let failed = false;
    try {
      await next();
      if (ctx.body === undefined || ctx.body === null || ctx.body === '') answerBare(ctx);
    } catch (thrown) {
      failed = true;
      renderError(ctx, thrown, rendering);
    }
    // Only a public answer that says so itself (the JWKS) may be cached; never an error.
    const cache: unknown = ctx.response.get('Cache-Control'); // undefined when unset, whatever Koa's types say
    if (failed || typeof cache !== 'string' || !cache.startsWith('public')) ctx.set('Cache-Control', 'no-store');
    const body = ctx.body;
    if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body) && typeof (body as { pipe?: unknown }).pipe !== 'function') {
      const status = ctx.status;
      ctx.set('Content-Type', 'application/json');
      ctx.body = JSON.stringify(body);
      ctx.status = status; // assigning a body resets the status Koa inferred; keep ours
    }
    if (!ctx.req.complete) ctx.set('Connection', 'close');
  };
}

/** Writes a JSON body with the exact content type; for handlers that answer themselves. */
export function sendJson(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  // The type first: Koa then skips guessing one for the string body.
  ctx.set('Content-Type', 'application/json');
  ctx.body = JSON.stringify(body);
}
