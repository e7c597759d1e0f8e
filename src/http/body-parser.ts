// Request bodies: JSON and urlencoded forms (DRF parses both), under a size limit. Anything else
// is refused with 415 before it is read, and parse failures become DRF's "JSON parse error".
import bodyParser from 'koa-bodyparser';
import type { Context, Next } from 'koa';
import { ParseError, PayloadTooLarge, UnsupportedMediaType } from '../errors';

const EMPTY_BODY = Object.freeze({});

/**
 * Parses JSON and form bodies up to `limit` bytes into `ctx.request.body`.
 *
 * @example
 *   app.use(parseBodies(65536));
 */
export function parseBodies(limit: number) {
  const parse = bodyParser({
    enableTypes: ['json', 'form'],
    jsonLimit: `${limit}b`,
    formLimit: `${limit}b`,
    strict: true,
    onerror: (error: Error & { status?: number; type?: string }) => {
      if (error.status === 413 || error.type === 'entity.too.large') throw new PayloadTooLarge(limit);
      throw new ParseError(error.message);
    },
  });
  // Not an async function: reads pass straight through without a promise of their own.
  return function parseBody(ctx: Context, next: Next): Promise<void> {
    // Reads carry no body worth parsing: the authenticated GET path stays short.
    if (ctx.method === 'GET' || ctx.method === 'HEAD') {
      (ctx.request as { body?: unknown }).body = EMPTY_BODY;
      return next();
    }
    return parseWithBody(ctx, next);
  };

  async function parseWithBody(ctx: Context, next: Next): Promise<void> {
    const declared = Number(ctx.get('Content-Length') || 0);
    if (declared > limit) throw new PayloadTooLarge(limit);
    // As DRF: only a declared type without a parser is refused. A body with no Content-Type, or an
    // empty one (`Content-Length: 0`, which `is()` counts as a body), reads as no data, so the
    // endpoint answers "This field is required." (and a wrong method still gets its 405).
    const declaresType = ctx.get('Content-Type') !== '' && ctx.get('Content-Length') !== '0';
    if (declaresType && ctx.is('json', 'urlencoded') === false) throw new UnsupportedMediaType(ctx.request.type);
    await parse(ctx, next);
  }
}
