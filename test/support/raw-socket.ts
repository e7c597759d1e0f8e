// A raw TCP connection to a test server, for what HTTP clients hide: several requests on one
// kept-alive socket, a body sent slowly or past its answer, and whether the server closed.
import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** An open connection and what has come back on it so far. */
export interface RawConnection {
  readonly socket: Socket;
  /** Everything received, as text. */
  received(): string;
  /** The status codes of the answers received so far, in order. */
  statuses(): number[];
  /** Whether the server has closed (or reset) the connection. */
  closed(): boolean;
  write(bytes: string): void;
  destroy(): void;
}

/** Opens a connection to the server at `url` (its host and port), from `localAddress` when given. */
export function openRaw(url: string, localAddress?: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ port: Number(port), host: hostname, localAddress });
    let data = '';
    let ended = false;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk)); // a string: setEncoding above
    // A reset after the server's answer is a close like any other here.
    socket.on('error', () => (ended = true));
    socket.on('close', () => (ended = true));
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => data,
        statuses: () => [...data.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1])),
        closed: () => ended,
        write: (bytes) => {
          if (!socket.destroyed) socket.write(bytes);
        },
        destroy: () => socket.destroy(),
      }),
    );
    socket.once('error', reject);
  });
}

/** Polls `check` until it holds or `ms` pass; says whether it held. */
export async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
