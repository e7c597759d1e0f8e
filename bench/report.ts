// Turning measured runs into the results table and bench/results/latest.json: the best round of
// each target, its ratio to bare Koa measured in the same run, and loud flags for any failure.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { LoadOptions, Measurement } from './measure';
import { problemsOf } from './measure';
import type { Target } from './targets';

/** One target's summary: its best round, plus the failures of all its rounds. */
export interface TargetSummary {
  readonly name: string;
  readonly best: Measurement;
  readonly roundsRps: number[];
  readonly ratio: number | null;
  /**
   * Baseline server CPU per request over this target's: what the req/s ratio would be if the
   * server alone were the limit. Steadier than req/s when other jobs share the machine.
   */
  readonly cpuRatio: number | null;
  readonly goal: number | null;
  readonly verdict: 'PASS' | 'BELOW' | 'INVALID' | null;
  /** Non-2xx answers summed over every measured round. */
  readonly non2xx: number;
  /** Non-2xx, errors, timeouts and body mismatches summed over every round and warm-up. */
  readonly problems: number;
}

export interface Report {
  readonly date: string;
  readonly node: string;
  readonly cpus: number;
  readonly load: LoadOptions;
  readonly valid: boolean;
  readonly targets: TargetSummary[];
  readonly runs: Measurement[];
}

/**
 * Best of the rounds per target: on a shared, noisy machine interference only ever slows a run
 * down, so the fastest round is the closest to what the code can do, for the baseline and the
 * targets alike, which keeps the ratio fair.
 */
export function summarise(targets: readonly Target[], runs: Measurement[], load: LoadOptions): Report {
  const bestOf = (name: string) => runs.filter((m) => m.target === name).reduce((a, b) => (b.rps > a.rps ? b : a));
  const baseline = targets.find((t) => t.baseline);
  const baseBest = baseline ? bestOf(baseline.name) : null;
  const baseValid = baseline ? runs.filter((m) => m.target === baseline.name).every((m) => problemsOf(m) === 0) : false;
  const summaries = targets.map((target): TargetSummary => {
    const own = runs.filter((m) => m.target === target.name);
    const best = bestOf(target.name);
    const problems = own.reduce((sum, m) => sum + problemsOf(m), 0);
    const ratio = baseBest && baseBest.rps > 0 ? best.rps / baseBest.rps : null;
    const baseCpu = baseBest?.serverCpuUsPerRequest ?? null;
    const ownCpu = best.serverCpuUsPerRequest;
    const cpuRatio = baseCpu !== null && ownCpu !== null && ownCpu > 0 ? baseCpu / ownCpu : null;
    const goal = target.goal ?? null;
    let verdict: TargetSummary['verdict'] = null;
    if (goal !== null) verdict = problems > 0 || !baseValid || ratio === null ? 'INVALID' : ratio >= goal ? 'PASS' : 'BELOW';
    const non2xx = own.reduce((sum, m) => sum + m.non2xx, 0);
    return { name: target.name, best, roundsRps: own.map((m) => m.rps), ratio, cpuRatio, goal, verdict, non2xx, problems };
  });
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    load,
    valid: summaries.every((s) => s.problems === 0),
    targets: summaries,
    runs,
  };
}

/** Above this share of a core, autocannon itself is the bottleneck of a run. */
const CLIENT_BOUND_SHARE = 0.9;

const number = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  // Names left-aligned, figures right-aligned so their digits line up.
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join('\n');
}

/** The table printed to stdout. */
export function formatReport(report: Report): string {
  const { load } = report;
  // p50/p99 and the CPU columns are the best round's; non-2xx and other failures are totals over
  // every round. "srv us/req" is server CPU per request, the figure least moved by noise.
  const header = [
    'target',
    'req/s (best)',
    'rounds',
    'ratio',
    'goal',
    'p50 ms',
    'p99 ms',
    'non-2xx',
    'other failures',
    'srv us/req',
    'cpu ratio',
    'srv core',
    'client core',
  ];
  const share = (n: number | null) => (n === null ? '-' : `${Math.round(n * 100)}%`);
  const rows = report.targets.map((s) => [
    s.problems > 0 ? `${s.name} !! FAILURES` : s.name,
    number(s.best.rps),
    s.roundsRps.map((rps) => number(rps)).join(' / '),
    s.ratio === null ? '-' : number(s.ratio, 2),
    s.goal === null ? '' : `>= ${number(s.goal, 2)} ${s.verdict ?? ''}`,
    number(s.best.latencyP50Ms, 1),
    number(s.best.latencyP99Ms, 1),
    String(s.non2xx),
    String(s.problems - s.non2xx),
    s.best.serverCpuUsPerRequest === null ? '-' : number(s.best.serverCpuUsPerRequest, 1),
    s.cpuRatio === null ? '-' : number(s.cpuRatio, 2),
    share(s.best.serverCoreShare),
    share(s.best.clientCoreShare),
  ]);
  const lines = [
    '',
    `koa-easyjwt bench: node ${report.node}, ${report.cpus} cpus, ${load.connections} connections, pipelining ${load.pipelining}, ` +
      `${load.warmupSeconds} s warm-up + ${load.seconds} s measured, best of ${load.rounds} round(s)`,
    '',
    table([header, ...rows]),
    '',
  ];
  // With 2 cores the load generator competes with the server: say so when it, not the server, was
  // the limit, since that target's req/s (and any ratio against it) then understates the server.
  for (const s of report.targets) {
    if (s.best.clientCoreShare >= CLIENT_BOUND_SHARE) {
      lines.push(`note: ${s.name}: autocannon used ${share(s.best.clientCoreShare)} of a core; its req/s is bounded by the load generator.`);
    }
  }
  if (lines[lines.length - 1] !== '') lines.push('');
  const bad = report.targets.filter((s) => s.problems > 0);
  if (bad.length > 0) {
    lines.push('!'.repeat(78));
    lines.push('!!! INVALID RUN: some responses failed; these figures are NOT good figures.');
    for (const s of bad) {
      const codes = [...new Set(report.runs.filter((m) => m.target === s.name).flatMap((m) => Object.keys(m.statusCodes)))];
      lines.push(`!!!   ${s.name}: ${s.problems} failed (non-2xx, socket errors, timeouts or wrong bodies; statuses seen: ${codes.join(', ')})`);
    }
    lines.push('!'.repeat(78));
    lines.push('');
  }
  return lines.join('\n');
}

/** Writes bench/results/latest.json (next to the sources, not in dist/). */
export function writeReport(report: Report, root: string): string {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  return file;
}
