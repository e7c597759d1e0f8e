// Every answer leaves through `respond`: errors rendered once, JSON bodies sent as
// `application/json` exactly (a Django easyjwt client compares the header string, and Koa would add
// `; charset=utf-8`), and `Cache-Control: no-store`, since nearly every answer carries a token or a
// user (the public keys are the exception, and say so). An answer given before the request's body
// was all read (a 413, a 415, a refusal ahead of the parser) closes the connection: the unread rest
// would otherwise sit in front of the next request on a kept-alive socket, which then hangs.
import type { ServerResponse } from 'node:http';
import type { Context, Middleware, Next } from 'koa';
import type { ErrorRendererOptions } from './error-renderer';
import { answerBare, renderError } from './error-renderer';
import type { HeaderSet } from './security-headers';
import { setHeaders } from './security-headers';

/** What `respond` needs: the renderer's options and the security headers (securityHeaders()). */
export interface ResponderOptions extends ErrorRendererOptions {
  readonly headers?: HeaderSet;
  /**
   * The body parser (parseBodies()), run inside the responder rather than as a middleware of its
   * own: every layer of Koa's chain costs each request a bound function and a promise step.
   */
  readonly parse?: Middleware;
}

const NO_STORE = 'no-store';
const JSON_TYPE = 'application/json';

/** Sets one header unless the answer has begun, when Koa's ctx.set would also do nothing. */
function setHeader(res: ServerResponse, name: string, value: string): void {
  if (!res.headersSent) res.setHeader(name, value);
}

/**
 * The outermost middleware of both services. It is on every request's path, so its checks are
 * plain property tests rather than content-type parsing, and it writes headers on the Node
 * response itself: Koa's ctx.set allocates two arrays and a closure per header.
 *
 * @example
 *   app.use(respond({ logger, bodyLimit: 65536 }));
 */
export function respond(options: ResponderOptions) {
  // `Cache-Control: no-store` goes out with the security headers, in the same loop, before the
  // handler runs; the check after it only rewrites the header when something changed it.
  const headers: HeaderSet = [...(options.headers ?? []), ['Cache-Control', NO_STORE]];
  const parse = options.parse;
  const rendering: ErrorRendererOptions = { logger: options.logger, bodyLimit: options.bodyLimit };
  return async function respondJson(ctx: Context, next: Next): Promise<void> {
    const res = ctx.res;
    // First, so errors carry them too and a handler may still change one (the demo page's CSP).
    setHeaders(res, headers);
    let failed = false;
    try {
      await (parse ? parse(ctx, next) : next());
      if (ctx.body === undefined || ctx.body === null || ctx.body === '') answerBare(ctx);
    } catch (thrown) {
      failed = true;
      renderError(ctx, thrown, rendering);
    }
    // Only a public answer that says so itself (the JWKS) may be cached; never an error.
    const cache = res.getHeader('cache-control');
    if (cache !== NO_STORE && (failed || typeof cache !== 'string' || !cache.startsWith('public'))) setHeader(res, 'Cache-Control', NO_STORE);
    const body = ctx.body;
    if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body) && typeof (body as { pipe?: unknown }).pipe !== 'function') {
      const status = ctx.status;
      if (res.getHeader('content-type') !== JSON_TYPE) setHeader(res, 'Content-Type', JSON_TYPE);
      ctx.body = JSON.stringify(body);
      // Assigning a body resets a status Koa inferred; keep ours.
      if (ctx.status !== status) ctx.status = status;
    }
    if (!ctx.req.complete) setHeader(res, 'Connection', 'close');
  };
}

/** Writes a JSON body with the exact content type; for handlers that answer themselves. */
export function sendJson(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  // The type first: Koa then skips guessing one for the string body.
  setHeader(ctx.res, 'Content-Type', 'application/json');
  ctx.body = JSON.stringify(body);
}
