// Listening on a socket: a Koa app behind node:http, with malformed requests (oversized headers,
// broken request lines, requests too slow to arrive) answered as DRF-shaped JSON instead of Node's
// bare error responses, and bounds on how long and how many sockets a client may hold.
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type Koa from 'koa';
import type { Settings } from '../settings';
import type { HeaderSet, SecurityHeaderSettings } from './security-headers';
import { securityHeaders } from './security-headers';

/** A running server and the address it actually bound (port 0 picks a free one). */
export interface Listening {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The settings of the server itself: what bounds a client's hold on it (seconds, as the settings
 * give them), and the security headers of the answers Node's parser refuses before Koa sees them.
 */
export type ServerSettings = Pick<Settings, 'HEADERS_TIMEOUT' | 'REQUEST_TIMEOUT' | 'KEEP_ALIVE_TIMEOUT' | 'MAX_CONNECTIONS' | 'MAX_CONNECTIONS_PER_IP'> &
  SecurityHeaderSettings;

/** The defaults of those settings, for servers started without any. */
export const DEFAULT_SERVER_SETTINGS: ServerSettings = Object.freeze({
  HEADERS_TIMEOUT: 10,
  REQUEST_TIMEOUT: 30,
  KEEP_ALIVE_TIMEOUT: 65,
  MAX_CONNECTIONS: 1024,
  MAX_CONNECTIONS_PER_IP: 0,
  SECURITY_HEADERS: true,
  STRICT_TRANSPORT_SECURITY: null,
  COOKIE_SECURE: true,
});

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'Request headers are too large.'],
  // Node's headersTimeout and requestTimeout: the request did not arrive in time.
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'Request took too long to arrive.'],
};

/** Answers what Node's parser or timers refused, unless an answer has already begun on the socket. */
function answerClientError(error: Error & { code?: string }, socket: Socket, headers: string): void {
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, reason, detail] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Bad Request', 'Malformed request.'];
  const body = JSON.stringify({ detail });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${headers}Connection: close\r\n\r\n${body}`,
  );
}

/**
 * Closes, as they arrive, connections from an address that already holds `cap` of them. The
 * counts live only as long as the connections do, so a map of addresses cannot grow unbounded.
 */
function capPerAddress(server: Server, cap: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (open.get(address) ?? 0) + 1;
    if (count > cap) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}

/** Header lines for a response written by hand, each ending in CRLF. */
const headerLines = (headers: HeaderSet): string => headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');

/**
 * Serves `app` on `host:port`, bounded by `settings` (a service passes its own; the defaults otherwise).
 *
 * @example
 *   const { url, close } = await listen(app, '127.0.0.1', 0);
 */
export function listen(app: Koa, host: string, port: number, settings: ServerSettings = DEFAULT_SERVER_SETTINGS): Promise<Listening> {
  const requestTimeout = settings.REQUEST_TIMEOUT * 1000;
  // The headers are part of the request: a longer headers timeout could never fire, and Node refuses it.
  const headersTimeout = Math.min(settings.HEADERS_TIMEOUT * 1000, requestTimeout);
  // Node checks both timeouts on a timer (30 s by default, which would let a slow client stay that
  // much longer); a second at most, and finer for the short timeouts of tests.
  const connectionsCheckingInterval = Math.max(20, Math.min(1000, headersTimeout / 4));
  // Koa's handler settles every request itself (it never rejects), so its promise is not awaited.
  const handle = app.callback();
  const server = createServer({ requestTimeout, headersTimeout, connectionsCheckingInterval }, (req, res) => void handle(req, res));
  const headers = headerLines(securityHeaders(settings));
  server.on('clientError', (error: Error, socket: Socket) => answerClientError(error, socket, headers));
  server.keepAliveTimeout = settings.KEEP_ALIVE_TIMEOUT * 1000;
  // Connections past the cap are closed as they arrive, before a byte is read.
  server.maxConnections = settings.MAX_CONNECTIONS;
  if (settings.MAX_CONNECTIONS_PER_IP > 0) capPerAddress(server, settings.MAX_CONNECTIONS_PER_IP);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({
        server,
        url: `http://${shownHost}:${address.port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
