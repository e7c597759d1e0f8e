// The client-service's HTTP client for the auth-service: kept-alive connections, a hard timeout,
// TLS verification on by default, and every failure mode turned into a typed answer or a 503.
import type { AxiosInstance } from 'axios';
import axios from 'axios';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { INCLUDE_PERMISSIONS, USER_INCLUDE_HEADER } from '../core/user-include';
import { AuthServiceUnavailable, ParseError, SettingsError } from '../errors';
import { FEED_KEY_HEADER } from '../revocation/feed-key';
import type { PublicDocument } from '../jwks/jwks-keys';
import type { ClientSettings } from './client-settings';

/** An auth-service answer that was JSON and not a 5xx. */
export interface UpstreamReply {
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** The `Retry-After` of a 429, passed on to the caller. */
  readonly retryAfter?: string;
}

/**
 * A relayed body as JSON text. Serialised here, not by axios: axios walks an object body
 * recursively and overflows the stack on deeply nested JSON a client sent, which would read as the
 * auth-service being down.
 */
function jsonOf(body: unknown): string {
  try {
    return JSON.stringify(body ?? {});
  } catch {
    throw new ParseError('the body is nested too deeply to relay');
  }
}

/**
 * Calls the auth-service. Unreachable, timed out, 5xx or non-JSON answers throw
 * AuthServiceUnavailable (503); 2xx and 4xx JSON answers are returned for the caller to judge.
 *
 * @example
 *   const reply = await upstream.post(settings.REMOTE_AUTH_SERVICE_VERIFY_PATH, { token });
 */
export class AuthServiceClient {
  private readonly http: AxiosInstance;
  /** The whole exchange's deadline: axios's own `timeout` only bounds idle time between bytes. */
  private readonly deadlineMs: number;
  /** Calls made, per path: tests count them to prove the request path makes none. */
  readonly calls = new Map<string, number>();
  /** Paths the auth-service answered 404 or 405 for, through postIfServed. */
  private readonly absentPaths = new Set<string>();

  constructor(settings: ClientSettings) {
    const keepAlive = { keepAlive: true, maxSockets: 64 };
    let ca: Buffer | undefined;
    if (settings.REMOTE_AUTH_CA_BUNDLE) {
      try {
        ca = readFileSync(settings.REMOTE_AUTH_CA_BUNDLE);
      } catch (error) {
        throw new SettingsError('REMOTE_AUTH_CA_BUNDLE', `cannot read ${settings.REMOTE_AUTH_CA_BUNDLE}: ${(error as Error).message}`);
      }
    }
    this.deadlineMs = settings.REMOTE_AUTH_REQUEST_TIMEOUT * 1000;
    this.http = axios.create({
      baseURL: settings.REMOTE_AUTH_SERVICE_URL,
      timeout: settings.REMOTE_AUTH_REQUEST_TIMEOUT * 1000,
      httpAgent: new http.Agent(keepAlive),
      httpsAgent: new https.Agent({ ...keepAlive, rejectUnauthorized: settings.REMOTE_AUTH_SSL_VERIFY, ca }),
      // Status and body are judged here, not by axios: a 401 is an answer, not an exception.
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      maxRedirects: 0,
      maxContentLength: 1024 * 1024,
      headers: { Accept: 'application/json' },
    });
  }

  /** POSTs a JSON body (with `headers` added, e.g. the caller's X-Forwarded-For). */
  post(path: string, body: unknown, headers: Readonly<Record<string, string>> = {}): Promise<UpstreamReply> {
    return this.send('POST', path, { data: jsonOf(body), headers: { ...headers, 'Content-Type': 'application/json' } });
  }

  /**
   * POSTs to a route the auth-service may not have (django-easyjwt 1.0 has no token/blacklist/):
   * a 404 or 405, whatever its body (Django's is an HTML page), answers null rather than a 503.
   * `firstAbsence` runs on the first such answer only, so the caller says so once in its log.
   */
  async postIfServed(path: string, body: unknown, firstAbsence: () => void): Promise<UpstreamReply | null> {
    const reply = await this.send('POST', path, { data: jsonOf(body), headers: { 'Content-Type': 'application/json' } }, true, true);
    if (reply !== null) return reply;
    if (!this.absentPaths.has(path)) {
      this.absentPaths.add(path);
      firstAbsence();
    }
    return null;
  }

  /**
   * GETs `path` with the user's token, as easyjwt does for the user endpoint. It also asks for the
   * user's permissions, which our auth-service then adds to the user JSON (a Django one ignores
   * the header), so `@JwtPermRequired` works here with no custom serializer.
   */
  getWithToken(path: string, authorization: string): Promise<UpstreamReply> {
    const headers = { Authorization: authorization, 'Content-Type': 'application/json', [USER_INCLUDE_HEADER]: INCLUDE_PERMISSIONS };
    return this.send('GET', path, { headers });
  }

  /**
   * GETs a public document with no credentials: `url` is absolute (the JWKS may live elsewhere) or
   * a path on the auth-service. Unreachable or timed out throws AuthServiceUnavailable; any answer
   * is returned as text, with its status, for the caller to judge.
   */
  async getPublic(url: string): Promise<PublicDocument> {
    this.calls.set(url, (this.calls.get(url) ?? 0) + 1);
    let response;
    try {
      response = await this.http.request<string>({ method: 'GET', url, signal: AbortSignal.timeout(this.deadlineMs) });
    } catch (error) {
      const failure = error as { code?: string; message?: string };
      throw new AuthServiceUnavailable(`GET ${url}: ${failure.code ?? ''} ${failure.message ?? String(error)}`.trim());
    }
    const cacheControl: unknown = response.headers['cache-control'];
    return { status: response.status, text: response.data, cacheControl: typeof cacheControl === 'string' ? cacheControl : null };
  }

  /**
   * GETs the revocation feed with its key. Not counted in `calls`: the poller runs beside the
   * request path, whose calls the counts are about.
   */
  getFeed(path: string, key: string): Promise<UpstreamReply> {
    return this.send('GET', path, { headers: { [FEED_KEY_HEADER]: key } }, false);
  }

  /** Closes kept-alive sockets. */
  close(): void {
    (this.http.defaults.httpAgent as http.Agent).destroy();
    (this.http.defaults.httpsAgent as https.Agent).destroy();
  }

  private send(method: 'GET' | 'POST', path: string, config: { data?: unknown; headers: Record<string, string> }, counted?: boolean): Promise<UpstreamReply>;
  private send(
    method: 'GET' | 'POST',
    path: string,
    config: { data?: unknown; headers: Record<string, string> },
    counted: boolean,
    absentIsNull: true,
  ): Promise<UpstreamReply | null>;
  private async send(
    method: 'GET' | 'POST',
    path: string,
    config: { data?: unknown; headers: Record<string, string> },
    counted = true,
    absentIsNull = false,
  ): Promise<UpstreamReply | null> {
    if (counted) this.calls.set(path, (this.calls.get(path) ?? 0) + 1);
    let response;
    try {
      // An upstream trickling a byte at a time never trips the idle timeout; this bounds the total.
      response = await this.http.request<string>({ method, url: path, ...config, signal: AbortSignal.timeout(this.deadlineMs) });
    } catch (error) {
      const failure = error as { code?: string; message?: string };
      throw new AuthServiceUnavailable(`${method} ${path}: ${failure.code ?? ''} ${failure.message ?? String(error)}`.trim());
    }
    if (absentIsNull && (response.status === 404 || response.status === 405)) return null;
    if (response.status >= 500) throw new AuthServiceUnavailable(`${method} ${path} answered ${response.status}`);
    let body: unknown;
    try {
      body = JSON.parse(response.data);
    } catch {
      throw new AuthServiceUnavailable(`${method} ${path} answered ${response.status} with a body that is not JSON`);
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new AuthServiceUnavailable(`${method} ${path} answered ${response.status} with JSON that is not an object`);
    }
    const retryAfter: unknown = response.headers['retry-after'];
    return { status: response.status, body: body as Record<string, unknown>, ...(typeof retryAfter === 'string' ? { retryAfter } : {}) };
  }

  /** How many calls were made in all. */
  get totalCalls(): number {
    let total = 0;
    for (const count of this.calls.values()) total += count;
    return total;
  }
}
