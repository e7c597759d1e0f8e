// Fetches public documents (an identity provider's discovery document and JWKS) with the guards a
// request path needs: a hard deadline for the whole exchange, no redirects, a size cap, TLS
// verified, kept-alive sockets. Any answer comes back as it was, for the caller to judge; only
// "nothing answered" throws.
import type { AxiosInstance } from 'axios';
import axios from 'axios';
import http from 'node:http';
import https from 'node:https';
import type { DocumentSource, PublicDocument } from './jwks-keys';

/** Thrown when a document's server did not answer in time, or at all. */
export class DocumentUnreachable extends Error {
  constructor(
    readonly url: string,
    problem: string,
  ) {
    super(`GET ${url}: ${problem}`);
    this.name = 'DocumentUnreachable';
  }
}

/** Largest document read: discovery documents and key sets are a few KiB. */
const MAX_DOCUMENT_BYTES = 512 * 1024;

/**
 * A DocumentSource over HTTP(S).
 *
 * @example
 *   const fetcher = new DocumentFetcher(5);
 *   const { status, text } = await fetcher.getPublic('https://accounts.example.com/.well-known/openid-configuration');
 */
export class DocumentFetcher implements DocumentSource {
  private readonly http: AxiosInstance;
  private readonly deadlineMs: number;

  /** `timeout`: seconds the whole exchange may take. */
  constructor(timeout: number) {
    this.deadlineMs = timeout * 1000;
    const keepAlive = { keepAlive: true, maxSockets: 16 };
    this.http = axios.create({
      timeout: this.deadlineMs,
      httpAgent: new http.Agent(keepAlive),
      httpsAgent: new https.Agent({ ...keepAlive, rejectUnauthorized: true }),
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      // A redirect would let whoever answers the first URL choose where keys come from.
      maxRedirects: 0,
      maxContentLength: MAX_DOCUMENT_BYTES,
      headers: { Accept: 'application/json' },
    });
  }

  async getPublic(url: string): Promise<PublicDocument> {
    let response;
    try {
      // axios's own timeout bounds idle time between bytes; the signal bounds the whole exchange.
      response = await this.http.request<string>({ method: 'GET', url, signal: AbortSignal.timeout(this.deadlineMs) });
    } catch (error) {
      const failure = error as { code?: string; message?: string };
      throw new DocumentUnreachable(url, `${failure.code ?? ''} ${failure.message ?? String(error)}`.trim());
    }
    const cacheControl: unknown = response.headers['cache-control'];
    return { status: response.status, text: response.data, cacheControl: typeof cacheControl === 'string' ? cacheControl : null };
  }

  /** Closes kept-alive sockets. */
  close(): void {
    (this.http.defaults.httpAgent as http.Agent).destroy();
    (this.http.defaults.httpsAgent as https.Agent).destroy();
  }
}
