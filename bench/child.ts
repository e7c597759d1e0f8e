// Forking benchmark servers (bench/server.ts) as child processes, waiting until they listen, and
// making sure every one of them is stopped however the parent ends.
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { CpuMessage, ReadyMessage } from './server';

/** A server running in a child process. */
export interface ChildServer {
  readonly kind: string;
  readonly pid: number;
  readonly url: string;
  readonly extra: Record<string, string>;
  /** The CPU time the child has used so far (user and system, microseconds). */
  readonly cpuUsage: () => Promise<NodeJS.CpuUsage>;
  /** Asks the child to shut down (closing its database) and waits for it to exit. */
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 60_000;

/** A program that runs the server's node process, such as valgrind, and how much slower it is. */
export interface Wrapper {
  readonly command: string;
  readonly args: readonly string[];
  /** Multiplies the start-up timeout. */
  readonly slowdown: number;
}
const STOP_TIMEOUT_MS = 5_000;

// Every child still alive: the exit hook below kills them even when the parent throws or is
// interrupted, so a failed run never leaves a server burning a core for the next one.
const alive = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});
// On Ctrl-C, give children their graceful stop first (it removes their temp databases); the exit
// hook's SIGKILL is only for children that do not stop in time.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void stopAll().finally(() => process.exit(130));
  });
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Forks `node dist/bench/server.js <kind>` (with `env` added to this process's environment) and
 * resolves once it reports its URL.
 *
 * @example
 *   const koa = await startChild('koa-hello');
 *   // ... drive koa.url ...
 *   await koa.stop();
 */
export function startChild(kind: string, execArgv: string[] = [], env: Record<string, string> = {}, wrap?: Wrapper): Promise<ChildServer> {
  // Compiled next to this file: dist/bench/server.js. A wrapper (valgrind) runs node itself: fork
  // then starts `wrapper.command ...wrapper.args node ...execArgv server.js kind`.
  const child = fork(join(__dirname, 'server.js'), [kind], {
    execArgv: wrap ? [...wrap.args, process.execPath, ...execArgv] : execArgv,
    ...(wrap ? { execPath: wrap.command } : {}),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env, NODE_ENV: 'production' },
  });
  alive.add(child);
  child.once('exit', () => alive.delete(child));

  const stop = async () => {
    if (!alive.has(child)) return;
    child.kill('SIGTERM');
    if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
      child.kill('SIGKILL');
      await waitForExit(child, STOP_TIMEOUT_MS);
    }
  };

  const cpuUsage = () =>
    new Promise<NodeJS.CpuUsage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bench server '${kind}' did not report its CPU time`)), STOP_TIMEOUT_MS);
      const onMessage = (message: CpuMessage) => {
        if (message?.type !== 'cpu' || !message.usage) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message.usage);
      };
      child.on('message', onMessage);
      child.send({ type: 'cpu' } satisfies CpuMessage);
    });

  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const startupMs = STARTUP_TIMEOUT_MS * (wrap?.slowdown ?? 1);
    const timer = setTimeout(() => fail(new Error(`bench server '${kind}' did not start within ${startupMs} ms`)), startupMs);
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`bench server '${kind}' exited before listening (code ${String(code)}, signal ${String(signal)})`)));
    child.on('message', (message: ReadyMessage) => {
      if (message?.type !== 'ready') return;
      clearTimeout(timer);
      child.removeAllListeners('error');
      child.removeAllListeners('exit');
      child.once('exit', () => alive.delete(child));
      resolve({ kind, pid: child.pid!, url: message.url, extra: message.extra, cpuUsage, stop });
    });
  });
}

/** Stops every child still running; safe to call twice. */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...alive].map(async (child) => {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, STOP_TIMEOUT_MS))) child.kill('SIGKILL');
    }),
  );
}
