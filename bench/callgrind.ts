// Counting the CPU instructions a server spends per request, with the server running under
// valgrind's callgrind. The load never pauses between warm-up and counted rounds: any gap lets
// V8 run idle-time garbage collection that then lands in the next counted round.
import { execFileSync } from 'node:child_process';
import autocannon from 'autocannon';
import type { RequestSpec } from './targets';

/** How the server is started: valgrind runs node, and reads counters live (nothing is written). */
export const CALLGRIND_ARGS: readonly string[] = ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--quiet'];

export interface CountOptions {
  /** Requests before counting starts: V8 under callgrind needs many to settle its tiers. */
  readonly warmup: number;
  /** Requests per counted round. */
  readonly counted: number;
  readonly rounds: number;
  readonly connections: number;
}

/** One counted round, per request. */
export interface InstructionCount {
  /** Thread 1, the JavaScript thread: the request path itself, and the steadiest figure. */
  readonly main: number;
  /**
   * V8's helper threads: concurrent garbage collection and compilation. Real work, but it comes
   * in large lumps (one major collection is worth thousands of requests), so it is shown apart.
   */
  readonly background: number;
}

/** Splits `callgrind_control -e` output into the main thread's instructions (`Ir`) and the rest. */
export function parseCallgrindTotals(output: string): { main: number; background: number } {
  let main = 0;
  let background = 0;
  for (const match of output.matchAll(/^\s*Th\s*(\d+)\s+([\d,]+)\s*$/gm)) {
    const count = Number(match[2].replace(/,/g, ''));
    if (match[1] === '1') main += count;
    else background += count;
  }
  return { main, background };
}

const control = (pid: number, flag: string): string =>
  execFileSync('callgrind_control', [flag, String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

/**
 * Drives `url + spec.path` with one continuous autocannon run and answers the instructions per
 * request of each counted round. The counters are zeroed and read from inside the response
 * handler, when the number of answers reaches a round's boundary (give or take the requests in
 * flight: `connections` of `counted`).
 *
 * @example
 *   const perRequest = await countInstructions(child.pid, child.url, { method: 'GET', path: '/' }, options);
 */
export function countInstructions(pid: number, url: string, spec: RequestSpec, options: CountOptions): Promise<InstructionCount[]> {
  const { warmup, counted, rounds, connections } = options;
  const boundaries = Array.from({ length: rounds + 1 }, (_, i) => warmup + i * counted);
  const perRequest: InstructionCount[] = [];
  let answered = 0;
  let failed = 0;
  let boundary = 0; // index into `boundaries` of the next one to reach
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: url + spec.path,
        method: spec.method,
        headers: spec.headers,
        body: spec.body,
        expectBody: spec.expectBody,
        connections,
        amount: boundaries[rounds] + connections,
        timeout: 60,
      },
      (error) => {
        if (error) reject(error);
        else if (failed > 0) reject(new Error(`${failed} requests to ${spec.path} failed`));
        else if (perRequest.length < rounds) reject(new Error(`only ${answered} answers: the run ended early`));
        else resolve(perRequest);
      },
    );
    instance.on('response', (_client: unknown, statusCode: number) => {
      if (statusCode < 200 || statusCode > 299) failed++;
      answered++;
      if (boundary > rounds || answered !== boundaries[boundary]) return;
      // The end of a counted round (every boundary but the first), then the start of the next.
      if (boundary > 0) {
        const { main, background } = parseCallgrindTotals(control(pid, '-e'));
        perRequest.push({ main: main / counted, background: background / counted });
      }
      if (boundary < rounds) control(pid, '--zero');
      else instance.stop();
      boundary++;
    });
  });
}
