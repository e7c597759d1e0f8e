// The one place errors become responses (`respond` in responses.ts calls it). Everything else throws: EasyJwtError subclasses carry
// their own status and DRF-shaped body; errors from koa-bodyparser, @koa/router and
// routing-controllers are translated here; anything else is a 500 whose details go to the log only.
import type { Context } from 'koa';
import { HttpError } from 'routing-controllers';
import { causeText, EasyJwtError, InternalError, MethodNotAllowed, NotFound, ParseError, PayloadTooLarge, UnsupportedMediaType } from '../errors';
import type { Logger } from '../logger';
import { djangoAllow } from './controller-driver';
import { GuardRefusal } from './guard-refusal';

/** What DRF's metadata answer says of every endpoint here: what it renders and parses. */
const OPTIONS_METADATA = Object.freeze({
  renders: ['application/json'],
  parses: ['application/json', 'application/x-www-form-urlencoded'],
});

/**
 * The methods a path serves, as Django's `Allow` names them: the router's list (which has HEAD
 * beside GET) plus OPTIONS, which every endpoint answers, in Django's order.
 */
export function allowedMethods(ctx: Context): string[] {
  const listed: unknown = ctx.response.get('Allow'); // undefined when unset, whatever Koa's types say
  if (typeof listed !== 'string' || listed === '') return [];
  return djangoAllow(listed.split(',').map((method) => method.trim()));
}

/** Options of the renderer. */
export interface ErrorRendererOptions {
  readonly logger: Logger;
  /** The body limit, named in 413 answers. */
  readonly bodyLimit: number;
}

/** Maps a thrown value to the error the client will see. */
export function toClientError(error: unknown, ctx: Context, bodyLimit: number): EasyJwtError {
  if (error instanceof EasyJwtError) return error;
  if (error instanceof GuardRefusal) return error.refusal;
  const err = error as { status?: number; httpCode?: number; type?: string; message?: string; expose?: boolean };
  const status = err.status ?? (error instanceof HttpError ? err.httpCode : undefined);
  if (status === 413 || err.type === 'entity.too.large') return new PayloadTooLarge(bodyLimit);
  if (status === 415) return new UnsupportedMediaType(ctx.request.type || 'unknown');
  if (status === 400 && err.expose !== false) return new ParseError(err.message ?? 'malformed body');
  if (status === 404) return new NotFound();
  if (status === 405) return new MethodNotAllowed(ctx.method, allowedMethods(ctx));
  return new InternalError(error);
}

/**
 * Turns what a request left behind into its DRF-shaped answer: a thrown error, or the bare
 * 404/405/OPTIONS answers the router leaves for unknown paths and methods. Writes status, headers
 * and an object body; `respond` serialises it.
 */
export function renderError(ctx: Context, thrown: unknown, options: ErrorRendererOptions): void {
  const error = toClientError(thrown, ctx, options.bodyLimit);
  if (error.status >= 500) {
    options.logger.error({ err: thrown, method: ctx.method, path: ctx.path }, 'request failed');
  } else if (error.cause !== undefined) {
    options.logger.debug({ status: error.status, code: error.code, reason: causeText(error), path: ctx.path }, error.message);
  }
  ctx.set(error.headers);
  ctx.status = error.status;
  ctx.body = error.body();
}

/** Fills in an answer the router left without a body, or throws the error it stands for. */
export function answerBare(ctx: Context): void {
  if (ctx.status === 404) throw new NotFound();
  if (ctx.status === 405) throw new MethodNotAllowed(ctx.method, allowedMethods(ctx));
  // The router answers OPTIONS with an empty text body; DRF describes the endpoint in JSON.
  if (ctx.method === 'OPTIONS' && ctx.status === 200) {
    ctx.set('Allow', allowedMethods(ctx).join(', '));
    ctx.body = OPTIONS_METADATA;
  }
}
