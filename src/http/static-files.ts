// Serving a folder of static files (the demo single-page app) under a path prefix: the files of
// one flat folder, read once at start-up, with content types by extension and headers that keep
// the page to its own scripts. Not a general file server: no directories, no ranges, no ETags.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Context, Next } from 'koa';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/**
 * Headers for every file: scripts from this origin only, no framing, no type sniffing. Scripts
 * may call this origin and `connectTo` only (an identity provider's endpoints, for the page's
 * sign-in with a provider).
 */
function securityHeaders(connectTo: readonly string[]): Readonly<Record<string, string>> {
  const connect = ["'self'", ...connectTo].join(' ');
  return {
    'Content-Security-Policy': `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src ${connect}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
  };
}

/** What a served folder's pages may do beyond their own origin. */
export interface StaticFolderOptions {
  /** Origins scripts may fetch from besides their own (`https://sso.example.com`). */
  readonly connectTo?: readonly string[];
}

/**
 * Serves the files of `dir` (not its sub-folders) at `prefix/<name>`, `prefix/` answering
 * `index.html` and `prefix` redirecting there. Files are read when this is called, so a typo in
 * the folder fails at start-up; only GET and HEAD are answered.
 *
 * @example
 *   app.use(serveStaticFolder('/app', join(__dirname, 'spa')));
 */
export function serveStaticFolder(prefix: string, dir: string, options: StaticFolderOptions = {}) {
  const headers = securityHeaders((options.connectTo ?? []).map((origin) => new URL(origin).origin));
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name).toLowerCase()];
    if (type && statSync(join(dir, name)).isFile()) files.set(name, { body: readFileSync(join(dir, name)), type });
  }
  return function staticFolder(ctx: Context, next: Next): Promise<void> | void {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || !(ctx.path === prefix || ctx.path.startsWith(`${prefix}/`))) return next();
    if (ctx.path === prefix) {
      ctx.redirect(`${prefix}/`);
      return;
    }
    const name = ctx.path.slice(prefix.length + 1) || 'index.html';
    const file = files.get(name);
    if (!file) return next();
    ctx.set(headers);
    ctx.type = file.type;
    ctx.body = file.body;
  };
}
