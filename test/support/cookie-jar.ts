// A small browser-like cookie jar for HTTP tests of the cookie delivery modes: it keeps what
// Set-Cookie lines say (per name and path, Max-Age=0 deletes), sends back what a browser would for
// a path, and lets tests read each cookie's attributes.
import type { TestResponse } from './auth-service';
import { call } from './auth-service';

/** One cookie as a Set-Cookie line described it. */
export interface JarCookie {
  readonly name: string;
  readonly value: string;
  readonly path: string;
  readonly maxAge: number | null;
  readonly httpOnly: boolean;
  readonly secure: boolean;
  readonly sameSite: string | null;
  readonly domain: string | null;
}

/** Parses one Set-Cookie line. */
export function parseSetCookie(line: string): JarCookie {
  const [pair, ...attributes] = line.split(';').map((part) => part.trim());
  const eq = pair.indexOf('=');
  const found: Record<string, string | true> = {};
  for (const attribute of attributes) {
    const at = attribute.indexOf('=');
    found[(at === -1 ? attribute : attribute.slice(0, at)).toLowerCase()] = at === -1 ? true : attribute.slice(at + 1);
  }
  return {
    name: pair.slice(0, eq),
    value: pair.slice(eq + 1),
    path: typeof found.path === 'string' ? found.path : '/',
    maxAge: typeof found['max-age'] === 'string' ? Number(found['max-age']) : null,
    httpOnly: found.httponly === true,
    secure: found.secure === true,
    sameSite: typeof found.samesite === 'string' ? found.samesite : null,
    domain: typeof found.domain === 'string' ? found.domain : null,
  };
}

/** Whether a request to `path` carries a cookie of `cookiePath` (RFC 6265 5.1.4). */
const pathMatches = (path: string, cookiePath: string): boolean =>
  path === cookiePath || (path.startsWith(cookiePath) && (cookiePath.endsWith('/') || path[cookiePath.length] === '/'));

/**
 * Cookies of one browser for one host.
 *
 * @example
 *   const jar = new CookieJar(url);
 *   await jar.post('/auth/token/', { email, password });
 *   await jar.post('/api/test/', {}, { 'X-CSRFToken': jar.value('easyjwt_csrf')! });
 */
export class CookieJar {
  private readonly cookies = new Map<string, JarCookie>();

  constructor(private readonly url: string) {}

  /** Stores the Set-Cookie lines of a response; answers the cookies it set or deleted. */
  take(headers: Headers): JarCookie[] {
    const lines = headers.getSetCookie();
    const parsed = lines.map(parseSetCookie);
    for (const cookie of parsed) {
      const key = `${cookie.name};${cookie.path}`;
      if (cookie.maxAge !== null && cookie.maxAge <= 0) this.cookies.delete(key);
      else this.cookies.set(key, cookie);
    }
    return parsed;
  }

  /** The Cookie header a browser would send to `path`, or '' when none. */
  header(path: string): string {
    const pathname = new URL(path, 'http://x').pathname;
    return [...this.cookies.values()]
      .filter((cookie) => pathMatches(pathname, cookie.path))
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ');
  }

  /** The value of the cookie `name` (the first path found), or null. */
  value(name: string): string | null {
    for (const cookie of this.cookies.values()) if (cookie.name === name) return cookie.value;
    return null;
  }

  /** Every stored cookie named `name` (the refresh cookie exists once per path). */
  all(name: string): JarCookie[] {
    return [...this.cookies.values()].filter((cookie) => cookie.name === name);
  }

  /** Names of the cookies held. */
  names(): string[] {
    return [...new Set([...this.cookies.values()].map((cookie) => cookie.name))].sort();
  }

  /** Forgets a cookie, as a browser does when it expires. */
  drop(name: string): void {
    for (const [key, cookie] of this.cookies) if (cookie.name === name) this.cookies.delete(key);
  }

  /** POSTs JSON with this jar's cookies (and the given headers); stores what comes back. */
  async post(path: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<TestResponse> {
    const cookie = this.header(path);
    const response = await call(this.url + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(cookie ? { Cookie: cookie } : {}), ...headers },
      body: JSON.stringify(body),
    });
    this.take(response.headers);
    return response;
  }

  /** GETs with this jar's cookies; stores what comes back. */
  async get(path: string, headers: Record<string, string> = {}): Promise<TestResponse> {
    const cookie = this.header(path);
    const response = await call(this.url + path, { headers: { ...(cookie ? { Cookie: cookie } : {}), ...headers } });
    this.take(response.headers);
    return response;
  }

  /** The CSRF header echoing this jar's CSRF cookie. */
  csrf(name = 'easyjwt_csrf', header = 'X-CSRFToken'): Record<string, string> {
    const value = this.value(name);
    return value === null ? {} : { [header]: value };
  }
}
