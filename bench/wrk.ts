// The load generator: wrk, a C program that spends a small fraction of what a Node server spends
// per request, pinned to its own core. A Node client (autocannon) costs about as much per request as
// the server it drives: on two cores it saturates first and pulls every ratio towards 1.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestSpec } from './targets';

/** What one wrk run reports. */
export interface WrkResult {
  readonly requests: number;
  readonly seconds: number;
  readonly non2xx: number;
  /** Connect, read and write errors. */
  readonly errors: number;
  readonly timeouts: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
}

const onPath = (command: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/**
 * Makes sure wrk and taskset are there: installs Debian's wrk when it is missing and apt-get can
 * (the bench runs as root on the CI machine), else says how to get it.
 */
export function ensureWrk(): void {
  if (!onPath('taskset')) throw new Error('the bench pins processes to cores with taskset (Debian package util-linux)');
  if (onPath('wrk')) return;
  if (!onPath('apt-get') || process.getuid?.() !== 0) throw new Error('the bench needs wrk: apt-get install -y wrk');
  console.error('installing wrk (Debian package) ...');
  execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** Pins every thread of `pid` to `core` (the server's core; wrk gets the other). */
export function pinToCore(pid: number, core: number): void {
  execFileSync('taskset', ['-a', '-cp', String(core), String(pid)], { stdio: 'ignore' });
}

/** The cores to use: the server on the last one, wrk on the first; one core shares. */
export function benchCores(count: number): { server: number; load: number } {
  return count >= 2 ? { server: count - 1, load: 0 } : { server: 0, load: 0 };
}

let scriptDir: string | null = null;

/** A Lua script that makes wrk send `spec` (method, headers, body). */
function scriptFor(spec: RequestSpec): string {
  scriptDir ??= mkdtempSync(join(tmpdir(), 'easyjwt-wrk-'));
  const lua = (text: string) => JSON.stringify(text); // a JSON string literal is a valid Lua string here
  const lines = [`wrk.method = ${lua(spec.method)}`];
  for (const [name, value] of Object.entries(spec.headers ?? {})) lines.push(`wrk.headers[${lua(name)}] = ${lua(value)}`);
  if (spec.body !== undefined) lines.push(`wrk.body = ${lua(spec.body)}`);
  const file = join(
    scriptDir,
    `${spec.method}-${Buffer.from(spec.path + JSON.stringify(spec.headers ?? {}) + (spec.body ?? ''))
      .toString('base64url')
      .slice(-40)}.lua`,
  );
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60000 };

function latencyMs(output: string, percentile: string): number {
  const match = new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(output);
  return match ? Number(match[1]) * UNIT_MS[match[2]] : NaN;
}

/** Parses wrk's report (its text output: the Lua `done` hook would cost a script per run). */
export function parseWrk(output: string): WrkResult {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(output);
  if (!total) throw new Error(`wrk printed no summary:\n${output}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  return {
    requests: Number(total[1]),
    seconds: (Number(total[2]) * UNIT_MS[total[3]]) / 1000,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    errors: socket ? Number(socket[1]) + Number(socket[2]) + Number(socket[3]) : 0,
    timeouts: socket ? Number(socket[4]) : 0,
    latencyP50Ms: latencyMs(output, '50'),
    latencyP99Ms: latencyMs(output, '99'),
  };
}

/**
 * Runs `wrk -t1 -c<connections> -d<seconds>s --latency` on `core` (a core, or a taskset list such
 * as `'0-1'`) against `url + spec.path`.
 *
 * @example
 *   const result = await runWrk('http://127.0.0.1:8000', { method: 'GET', path: '/' }, 32, 6, 0);
 */
export function runWrk(url: string, spec: RequestSpec, connections: number, seconds: number, core: number | string): Promise<WrkResult> {
  return runWrkScript(url + spec.path, scriptFor(spec), connections, seconds, core);
}

/**
 * Runs wrk as runWrk does, with a Lua script of the caller's (e.g. one that varies the body).
 *
 * @example
 *   const result = await runWrkScript('http://127.0.0.1:8000/auth/token/', '/tmp/logins.lua', 16, 5, 0);
 */
export function runWrkScript(url: string, script: string, connections: number, seconds: number, core: number | string): Promise<WrkResult> {
  const args = ['-c', String(core), 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url];
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited with ${String(code)}:\n${output}`));
      try {
        resolve(parseWrk(output));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}
