// Response finishing: JSON bodies go out as `application/json` exactly (a Django easyjwt client
// compares the header string, and Koa would add `; charset=utf-8`), and nothing the auth API
// answers may be cached, since every answer carries a token or a user.
import type { Context, Next } from 'koa';

const isJsonBody = (body: unknown): boolean =>
  body !== null &&
  typeof body === 'object' &&
  !Buffer.isBuffer(body) &&
  typeof (body as { pipe?: unknown }).pipe !== 'function' &&
  !(body instanceof Uint8Array);

/**
 * Serialises object bodies itself and sets the exact content type and `Cache-Control: no-store`.
 * Mount it outermost, so it also finishes what the error renderer writes.
 */
export function jsonResponses() {
  return async function finishJson(ctx: Context, next: Next): Promise<void> {
    await next();
    ctx.set('Cache-Control', 'no-store');
    if (isJsonBody(ctx.body) || (typeof ctx.body === 'string' && ctx.response.is('json'))) {
      const status = ctx.status;
      const text = typeof ctx.body === 'string' ? ctx.body : JSON.stringify(ctx.body);
      ctx.body = text;
      ctx.status = status; // assigning a body resets a 2xx/4xx status Koa inferred; keep ours
      ctx.set('Content-Type', 'application/json');
    }
  };
}

/** Writes a JSON body with the exact content type; for middlewares that answer themselves. */
export function sendJson(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  ctx.body = JSON.stringify(body);
  ctx.set('Content-Type', 'application/json');
}
