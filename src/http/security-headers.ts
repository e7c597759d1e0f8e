// The security headers of every answer, chosen for a JSON API from helmet's (koa-helmet): nothing
// in an answer may load, run or be framed, sniffed into another type, or leak the URL in a
// Referer. helmet runs once, at start-up, against a recording response; each request then only
// copies the recorded set, since a middleware chain per request would cost as much as the rest.
import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import koaHelmet from 'koa-helmet';
import type { Settings } from '../settings';

/** Header names and values, in the order helmet sets them. */
export type HeaderSet = readonly (readonly [string, string])[];

/** The settings that choose the set. */
export type SecurityHeaderSettings = Pick<Settings, 'SECURITY_HEADERS' | 'STRICT_TRANSPORT_SECURITY' | 'COOKIE_SECURE'>;

/** A year, helmet's own HSTS default. */
const HSTS_MAX_AGE = 365 * 86400;

/**
 * The headers `settings` call for: none with SECURITY_HEADERS off; HSTS only over HTTPS, which
 * STRICT_TRANSPORT_SECURITY says, or COOKIE_SECURE when it is null.
 *
 * @example
 *   const headers = securityHeaders({ SECURITY_HEADERS: true, STRICT_TRANSPORT_SECURITY: null, COOKIE_SECURE: true });
 */
export function securityHeaders(settings: SecurityHeaderSettings): HeaderSet {
  if (!settings.SECURITY_HEADERS) return [];
  const hsts = settings.STRICT_TRANSPORT_SECURITY ?? settings.COOKIE_SECURE;
  const helmet = koaHelmet({
    // JSON is never a document: it may load nothing and be framed by no one.
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    // Browsers' CORS requests are not concerned; only no-cors loads from other sites are refused.
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    // Not includeSubDomains: this service cannot speak for the other hosts of its domain.
    strictTransportSecurity: hsts ? { maxAge: HSTS_MAX_AGE, includeSubDomains: false } : false,
    xContentTypeOptions: true,
    xFrameOptions: { action: 'deny' },
    // Headers for documents, plugins and old browsers: they mean nothing on a JSON answer, and
    // each header costs every request its share.
    crossOriginOpenerPolicy: false,
    crossOriginEmbedderPolicy: false,
    originAgentCluster: false,
    xPermittedCrossDomainPolicies: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPoweredBy: false,
    xXssProtection: false,
  });
  const recorded: [string, string][] = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => void recorded.push([name, String(value)]),
    removeHeader: () => undefined,
  } as unknown as ServerResponse;
  // helmet sets every header synchronously, before the promise it returns settles.
  void helmet({ req: {}, res: recorder } as unknown as Context, () => Promise.resolve());
  return Object.freeze(recorded.map((entry) => Object.freeze(entry)));
}

/** Writes `headers` on a response; a plain loop, as this is on every request's path. */
export function setHeaders(res: ServerResponse, headers: HeaderSet): void {
  for (let i = 0; i < headers.length; i++) res.setHeader(headers[i][0], headers[i][1]);
}
