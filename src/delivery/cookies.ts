// Cookies for the delivery modes: reading one from the Cookie header and writing Set-Cookie lines
// with the configured attributes. Written here rather than with Koa's ctx.cookies, which refuses
// a Secure cookie unless it can see TLS itself (behind a proxy it cannot) and keeps one cookie per
// name, where the refresh cookie needs one per endpoint path.
import type { Context } from 'koa';
import type { Settings } from '../settings';

/** The settings every cookie's attributes come from. */
export type CookieAttributeSettings = Pick<Settings, 'COOKIE_DOMAIN' | 'COOKIE_SECURE' | 'COOKIE_SAMESITE'>;

/** What varies between the cookies one service writes. */
export interface CookieSpec {
  readonly name: string;
  readonly path: string;
  /** HttpOnly: the token cookies are; the payload and CSRF cookies must not be, JavaScript reads them. */
  readonly httpOnly: boolean;
}

/**
 * The value of cookie `name` in a Cookie header, or null. The first one wins, as in browsers that
 * send the most specific path first; values are taken as they are (ours never need decoding).
 *
 * @example
 *   readCookie('a=1; easyjwt_csrf=xyz', 'easyjwt_csrf'); // 'xyz'
 */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  let from = 0;
  while (from < header.length) {
    const end = header.indexOf(';', from);
    const pair = header.slice(from, end === -1 ? header.length : end);
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq).trim() === name) {
      const value = pair.slice(eq + 1).trim();
      const unquoted = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
      return unquoted === '' ? null : unquoted;
    }
    if (end === -1) break;
    from = end + 1;
  }
  return null;
}

/** The cookie `name` of a request, or null. */
export const cookieOf = (ctx: Context, name: string): string | null => readCookie(ctx.get('Cookie'), name);

/**
 * One Set-Cookie line. `maxAge` in seconds; 0 deletes the cookie (with an Expires in the past for
 * browsers that predate Max-Age); null makes a session cookie.
 *
 * @example
 *   setCookieLine({ name: 'a', path: '/', httpOnly: true }, 'v', 300, settings);
 *   // 'a=v; Path=/; Max-Age=300; HttpOnly; Secure; SameSite=Lax'
 */
export function setCookieLine(spec: CookieSpec, value: string, maxAge: number | null, settings: CookieAttributeSettings): string {
  let line = `${spec.name}=${value}; Path=${spec.path}`;
  if (settings.COOKIE_DOMAIN !== null) line += `; Domain=${settings.COOKIE_DOMAIN}`;
  if (maxAge !== null) line += `; Max-Age=${Math.max(0, Math.floor(maxAge))}`;
  if (maxAge !== null && maxAge <= 0) line += '; Expires=Thu, 01 Jan 1970 00:00:00 GMT';
  if (spec.httpOnly) line += '; HttpOnly';
  if (settings.COOKIE_SECURE) line += '; Secure';
  line += `; SameSite=${settings.COOKIE_SAMESITE}`;
  return line;
}

/** Adds a Set-Cookie line to the response (several may go out). */
export function writeCookie(ctx: Context, spec: CookieSpec, value: string, maxAge: number | null, settings: CookieAttributeSettings): void {
  ctx.append('Set-Cookie', setCookieLine(spec, value, maxAge, settings));
}

/** Tells the browser to drop a cookie (same name, path and domain, no value, Max-Age=0). */
export function deleteCookie(ctx: Context, spec: CookieSpec, settings: CookieAttributeSettings): void {
  writeCookie(ctx, spec, '', 0, settings);
}
