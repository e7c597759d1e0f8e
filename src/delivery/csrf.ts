// CSRF defences of the cookie delivery modes. Once a browser sends credentials by itself (a
// cookie), any page it visits could make it do so; two checks stop that:
// - double submit: an unsafe request whose credentials came from a cookie must repeat the CSRF
//   cookie's value in a header. Another site can make the browser send the cookie, but cannot read
//   it to write the header. Compared in constant time.
// - origin: login, refresh and logout must come from the service's own origin or a trusted one.
//   Login carries no cookie to double-submit, and a forged login would sign the victim into the
//   attacker's account ("login CSRF"), so the browser's Origin header is what protects it.
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { sameSecret } from '../core/constant-time';
import { requestInfo } from '../core/request-info';
import type { CsrfFailureCode } from '../errors';
import { CsrfFailed } from '../errors';
import type { CsrfRejectedEvent } from '../events';
import type { Settings } from '../settings';
import { cookieOf } from './cookies';

/** The settings the CSRF checks read. */
export type CsrfSettings = Pick<Settings, 'CSRF_COOKIE_NAME' | 'CSRF_HEADER_NAME' | 'CSRF_TRUSTED_ORIGINS'>;

/**
 * How a guard compares the two tokens and words its double-submit refusals: ours (Django 4's
 * reasons, with our codes in the body), or Django 3.2's CsrfViewMiddleware as DRF words it.
 */
export interface CsrfDialect {
  readonly matches: (header: string, cookie: string) => boolean;
  /** The reason given for a missing header, and for one that does not match. */
  readonly missingHeader: string;
  readonly wrongHeader: string;
  /** Whether refusals carry `code` beside `detail`. */
  readonly codeInBody: boolean;
}

/** Our cookie modes: the header must be the cookie's exact value. */
export const OWN_CSRF: CsrfDialect = { matches: sameSecret, missingHeader: 'CSRF token missing.', wrongHeader: 'CSRF token incorrect.', codeInBody: true };

/** Methods that must not change anything, and so never need a CSRF token (RFC 9110 9.2.1). */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** Whether `method` is one the CSRF checks let through. */
export const isSafeMethod = (method: string): boolean => SAFE_METHODS.has(method);

/** A new CSRF token: 32 random bytes, base64url (43 characters, cookie- and header-safe). */
export const newCsrfToken = (): string => randomBytes(32).toString('base64url');

/** The origin (`scheme://host[:port]`) of a Referer URL, or null. */
function refererOrigin(referer: string): string | null {
  if (!referer) return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}

/**
 * The CSRF checks of one service.
 *
 * @example
 *   const csrf = new CsrfGuard(settings, (event) => events.emit('csrfRejected', event));
 *   csrf.checkOrigin(ctx);       // login, refresh, logout
 *   csrf.checkDoubleSubmit(ctx); // unsafe requests authenticated by a cookie
 */
export class CsrfGuard {
  private readonly trusted: ReadonlySet<string>;

  constructor(
    private readonly settings: CsrfSettings,
    private readonly onRejected?: (event: CsrfRejectedEvent) => void,
    private readonly dialect: CsrfDialect = OWN_CSRF,
  ) {
    this.trusted = new Set(settings.CSRF_TRUSTED_ORIGINS);
  }

  /**
   * Requires the CSRF header to equal the CSRF cookie. Throws 403 `csrf_missing` when either is
   * absent and `csrf_mismatch` when they differ.
   */
  checkDoubleSubmit(ctx: Context): void {
    const cookie = cookieOf(ctx, this.settings.CSRF_COOKIE_NAME);
    if (cookie === null) throw this.refuse(ctx, 'csrf_missing', 'CSRF cookie not set.');
    const header = ctx.get(this.settings.CSRF_HEADER_NAME);
    if (!header) throw this.refuse(ctx, 'csrf_missing', this.dialect.missingHeader);
    if (!this.dialect.matches(header, cookie)) throw this.refuse(ctx, 'csrf_mismatch', this.dialect.wrongHeader);
  }

  /**
   * Requires a browser-sent `Origin` (or, without one, the `Referer`'s origin) to be this
   * service's own or a trusted one; 403 `origin_not_allowed` otherwise. A request naming neither
   * did not come from a page a browser shows (browsers send Origin on every cross-origin POST), so
   * it passes: curl and server-to-server callers are not what CSRF is about.
   */
  checkOrigin(ctx: Context): void {
    const origin = ctx.get('Origin') || refererOrigin(ctx.get('Referer'));
    if (!origin) return;
    // The service's own origin, from the request's Host (Koa 3's `ctx.origin` is the Origin header
    // itself, which would let every origin pass). Behind a proxy, trust it (`app.proxy`) or list
    // the public origin in CSRF_TRUSTED_ORIGINS.
    if (origin === `${ctx.protocol}://${ctx.host}` || this.trusted.has(origin)) return;
    throw this.refuse(ctx, 'origin_not_allowed', `Origin checking failed - ${origin} does not match any trusted origins.`, origin);
  }

  private refuse(ctx: Context, code: CsrfFailureCode, problem: string, origin: string | null = ctx.get('Origin') || null): CsrfFailed {
    this.onRejected?.({ code, origin, request: requestInfo(ctx) });
    return new CsrfFailed(code, problem, this.dialect.codeInBody);
  }
}
