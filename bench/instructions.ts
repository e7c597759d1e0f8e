// `npm run bench:instructions`: the targets of `npm run bench`, counted in CPU instructions per
// request under valgrind's callgrind instead of timed. Instruction counts barely move when other
// jobs share the machine (req/s here swings by a factor of two or three between runs), so this is
// the figure to compare two versions of the request path with. Only user-space instructions are
// counted: the kernel's share (the socket read and write, alike for every target) is left out,
// which makes these ratios stricter than req/s ratios.
//
// Environment: BENCH_ONLY (as for `npm run bench`), BENCH_WARMUP_REQUESTS (default 20000: V8
// under callgrind takes that long to settle), BENCH_REQUESTS (3000 per counted round),
// BENCH_ROUNDS (3; the least is kept), BENCH_CONNECTIONS (8), BENCH_SERVER_EXEC_ARGV (node flags
// for the counted server, e.g. "--no-concurrent-recompilation" on a busy machine).
import { execFileSync } from 'node:child_process';
import type { CountOptions } from './callgrind';
import { CALLGRIND_ARGS, countInstructions } from './callgrind';
import type { ChildServer } from './child';
import { startChild, stopAll } from './child';
import type { Target } from './targets';
import { checkRequest, SERVERS, TARGETS } from './targets';

/**
 * Requests take about thirty times longer under callgrind; the servers' cache lifetimes are
 * stretched as much (bench/server.ts), or the counts would be mostly cache refills.
 */
const TTL_SCALE = '30';

function envCount(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number >= 1, got ${JSON.stringify(raw)}`);
  return value;
}

const thousands = (n: number): string => Math.round(n).toLocaleString('en-US');

async function main(): Promise<number> {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  } catch {
    console.error('valgrind is not installed (Debian: apt-get install valgrind)');
    return 2;
  }
  const options: CountOptions = {
    warmup: envCount('BENCH_WARMUP_REQUESTS', 20000),
    counted: envCount('BENCH_REQUESTS', 3000),
    rounds: envCount('BENCH_ROUNDS', 3),
    connections: envCount('BENCH_CONNECTIONS', 8),
  };
  // Node flags for the counted servers. On a busy machine V8's background compiler threads get
  // little time, so a count of warm-up requests leaves code unoptimised; --no-concurrent-recompilation
  // compiles on the main thread and makes the warm-up depend on requests alone.
  const execArgv = (process.env.BENCH_SERVER_EXEC_ARGV ?? '').split(/\s+/).filter(Boolean);
  const only = process.env.BENCH_ONLY;
  const targets = TARGETS.filter((t) => !only || t.baseline || t.name.includes(only));

  // Each server under test runs under callgrind, one target at a time (a fresh process each, so
  // one target's warm-up does not flatter the next); upstreams run at full speed.
  const upstreams = new Map<string, ChildServer>();
  const results: { target: Target; main: number; background: number }[] = [];
  for (const target of targets) {
    const spec = SERVERS[target.server];
    let upstream: ChildServer | undefined;
    if (spec.upstream) {
      upstream = upstreams.get(spec.upstream) ?? (await startChild(SERVERS[spec.upstream].kind, [], { BENCH_TTL_SCALE: TTL_SCALE }));
      upstreams.set(spec.upstream, upstream);
    }
    console.error(`${target.name}: starting ${target.server} under callgrind...`);
    const env = { ...(spec.env ? spec.env(upstream) : {}), BENCH_TTL_SCALE: TTL_SCALE };
    const child = await startChild(spec.kind, execArgv, env, { command: 'valgrind', args: CALLGRIND_ARGS, slowdown: 10 });
    try {
      const fixture = await spec.prepare(child, upstream);
      await checkRequest(fixture, target);
      const runs = await countInstructions(child.pid, fixture.url, target.request(fixture), options);
      // The main thread's least round: a round that happens to hold a late re-optimisation counts
      // more than the path costs, never less. Background work is averaged: it comes in lumps.
      const main = Math.min(...runs.map((r) => r.main));
      const background = runs.reduce((sum, r) => sum + r.background, 0) / runs.length;
      results.push({ target, main, background });
      console.error(
        `  main thread ${runs.map((r) => thousands(r.main)).join(' / ')}, background ${runs.map((r) => thousands(r.background)).join(' / ')} per request`,
      );
    } finally {
      await child.stop();
    }
  }
  for (const upstream of upstreams.values()) await upstream.stop();

  const base = results.find((r) => r.target.baseline);
  const width = Math.max(...results.map((r) => r.target.name.length));
  console.log(
    `\nkoa-easyjwt bench: instructions per request under callgrind (user space); main thread: least of ${options.rounds} rounds of ${options.counted},` +
      ` background (V8's GC and compiler threads): their mean\n`,
  );
  console.log(`${'target'.padEnd(width)}  ${'main'.padStart(9)}  ratio  ${'background'.padStart(10)}  ${'total'.padStart(9)}  ratio`);
  for (const { target, main, background } of results) {
    const ratio = base ? base.main / main : null;
    const totalRatio = base ? (base.main + base.background) / (main + background) : null;
    const goal = target.goal === undefined || ratio === null ? '' : `  goal >= ${target.goal.toFixed(2)} ${ratio >= target.goal ? 'PASS' : 'BELOW'}`;
    const shown = (r: number | null) => (r === null ? '  -  ' : r.toFixed(2));
    console.log(
      `${target.name.padEnd(width)}  ${thousands(main).padStart(9)}   ${shown(ratio)}  ${thousands(background).padStart(10)}  ${thousands(main + background).padStart(9)}   ${shown(totalRatio)}${goal}`,
    );
  }
  return 0;
}

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    console.error('bench failed:', error);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
