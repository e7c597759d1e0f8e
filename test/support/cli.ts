// Running the compiled `easyjwt` CLI as a child process, the way an operator would.
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CLI = join(__dirname, '..', '..', 'src', 'cli', 'main.js');

/** A scratch folder for one test's data directory. */
export const scratchDir = (): string => mkdtempSync(join(tmpdir(), 'easyjwt-e2e-'));

/** The result of one CLI run. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `easyjwt ...args` to completion with `env` added to a clean environment. */
export function runCli(args: string[], env: Record<string, string>, cwd: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env: baseEnv(env), timeout: 30000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // Only what a shell would pass on: no EASYJWT_* leaking in from the test runner.
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: undefined, ...extra };
}

/** A running `easyjwt serve auth` and the URL it printed. */
export interface RunningServer {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it wrote to stderr so far (its JSON log lines). */
  readonly stderr: () => string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `easyjwt serve auth --port 0` and waits for its "listening on" line. */
export function serveAuth(env: Record<string, string>, cwd: string, extraArgs: string[] = []): Promise<RunningServer> {
  const child = spawn(process.execPath, [CLI, 'serve', 'auth', '--port', '0', ...extraArgs], { cwd, env: baseEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in time\n${stderr}`));
    }, 20000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${String(code)} before listening\n${stderr}`));
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/[^\s]+?)\/auth\//.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        url: match[1],
        child,
        stderr: () => stderr,
        stop: () =>
          new Promise((done) => {
            child.once('exit', (code) => done(code));
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
