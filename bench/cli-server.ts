// `easyjwt serve` as the benchmarks of whole deployments start it: the compiled CLI in a child
// process (and, with --workers, its own workers), its URL, and the CPU time its processes used,
// read from /proc so the figure counts every thread of the primary and of each worker.
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The compiled CLI (this file runs from dist/bench). */
export const CLI = join(__dirname, '..', 'src', 'cli', 'main.js');

const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of alive) if (child.pid) killGroup(child.pid, 'SIGKILL');
});

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // its own process group: the primary and its workers
  } catch {
    // already gone
  }
}

/** A running `easyjwt serve`. */
export interface CliServer {
  readonly url: string;
  readonly pid: number;
  /** This process and its children (the workers), now. */
  pids(): number[];
  /** User and system CPU seconds used so far by every process of the tree. */
  cpuSeconds(): number;
  /** CPU seconds of the primary's (or the lone process's) main thread: the event loop. */
  mainThreadCpuSeconds(): number;
  stop(): Promise<number | null>;
}

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** utime + stime of a /proc stat line, in seconds (fields 14 and 15, after the parenthesised name). */
function statSeconds(path: string): number {
  try {
    const text = readFileSync(path, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function children(pid: number): number[] {
  const found: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const list = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (list) found.push(...list.split(/\s+/).map(Number));
    }
  } catch {
    // gone
  }
  return found;
}

/**
 * Starts `easyjwt serve <role> --port 0 ...args` in its own process group and waits for its
 * "listening on" line.
 */
export function startCliServer(role: 'auth' | 'client', env: NodeJS.ProcessEnv, cwd: string, args: string[] = []): Promise<CliServer> {
  const child = spawn(process.execPath, [CLI, 'serve', role, '--port', '0', ...args], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  alive.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const pid = child.pid!;
  const tree = () => [pid, ...children(pid)];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve ${role} did not start\n${stderr}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`serve ${role} exited with ${String(code)}\n${stderr}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/[\d.]+:\d+)\//.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        url: match[1],
        pid,
        pids: tree,
        cpuSeconds: () => tree().reduce((sum, each) => sum + statSeconds(`/proc/${each}/stat`), 0),
        mainThreadCpuSeconds: () => statSeconds(`/proc/${pid}/task/${pid}/stat`),
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done(child.exitCode);
            child.once('exit', (code) => {
              alive.delete(child);
              done(code);
            });
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
