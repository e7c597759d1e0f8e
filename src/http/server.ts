// Listening on a socket: a Koa app behind node:http, with malformed requests (oversized headers,
// broken request lines) answered as DRF-shaped JSON instead of Node's bare error responses.
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type Koa from 'koa';

/** A running server and the address it actually bound (port 0 picks a free one). */
export interface Listening {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'Request headers are too large.'],
};

function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, detail] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Bad Request', 'Malformed request.'];
  const body = JSON.stringify({ detail });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Serves `app` on `host:port`.
 *
 * @example
 *   const { url, close } = await listen(app, '127.0.0.1', 0);
 */
export function listen(app: Koa, host: string, port: number): Promise<Listening> {
  // Koa's handler settles every request itself (it never rejects), so its promise is not awaited.
  const handle = app.callback();
  const server = createServer((req, res) => void handle(req, res));
  server.on('clientError', answerClientError);
  // Keep-alive a little longer than common proxies' idle timeouts, so they close first.
  server.keepAliveTimeout = 65_000;
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
