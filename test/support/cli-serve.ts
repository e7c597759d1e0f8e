// `easyjwt serve auth|client` as a child process that the test reads stderr of while it runs: the
// warnings a service logs at start-up and later are part of what the tests check.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { CLI } from './cli';

/** A running `easyjwt serve`, the URL it printed and everything it wrote to stderr so far. */
export interface Served {
  readonly url: string;
  /** The whole "listening on" line it printed. */
  readonly line: string;
  readonly stderr: () => string;
  stop(): Promise<number | null>;
}

/** Starts `easyjwt serve <role> --port 0 ...args` and waits for its "listening on" line. */
export function serveRole(role: 'auth' | 'client', env: Record<string, string>, cwd: string, args: string[] = []): Promise<Served> {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'serve', role, '--port', '0', ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve ${role} did not start in time\n${stderr}`));
    }, 20000);
    const early = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`serve ${role} exited with ${String(code)} before listening\n${stderr}`));
    };
    child.once('exit', early);
    let started = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^.*listening on (http:\/\/127\.0\.0\.1:\d+)\/.*$/m.exec(stdout);
      if (started || !match) return;
      started = true;
      clearTimeout(timer);
      child.off('exit', early);
      resolve({
        url: match[1],
        line: match[0],
        stderr: () => stderr,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done(child.exitCode);
            child.once('exit', (code) => done(code));
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
