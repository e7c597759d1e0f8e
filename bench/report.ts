// Turning measured runs into the results table and bench/results/latest.json: each target's ratio
// to bare Koa measured in the same round, the median and spread over rounds, and loud flags for
// any failure.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { LoadOptions, Measurement } from './measure';
import { problemsOf } from './measure';
import type { Target } from './targets';

/** One target's summary over its rounds. */
export interface TargetSummary {
  readonly name: string;
  /** The median round by req/s (its latencies and CPU figures are shown). */
  readonly median: Measurement;
  readonly roundsRps: number[];
  /** Req/s over the baseline's req/s of the same round, one per round. */
  readonly roundRatios: number[];
  /** The median of `roundRatios`, and their smallest and largest. */
  readonly ratio: number | null;
  readonly ratioSpread: readonly [number, number] | null;
  /**
   * Baseline server CPU per request over this target's, median over rounds: what the req/s ratio
   * would be if the server alone were the limit. Steadier than req/s when other jobs share the machine.
   */
  readonly cpuRatio: number | null;
  /** The smallest and largest of the per-round CPU ratios. */
  readonly cpuRatioSpread: readonly [number, number] | null;
  /** The median over rounds of the server's CPU time per request, in microseconds. */
  readonly serverCpuUs: number | null;
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

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Each round's ratio is taken against the baseline measured in that same round (targets alternate
 * order between rounds, so drift on the machine falls on both); the median of those ratios is the
 * figure, their range the spread.
 */
export function summarise(targets: readonly Target[], runs: Measurement[], load: LoadOptions): Report {
  const baseline = targets.find((t) => t.baseline);
  const baseRuns = baseline ? runs.filter((m) => m.target === baseline.name) : [];
  const baseValid = baseRuns.length > 0 && baseRuns.every((m) => problemsOf(m) === 0);
  const summaries = targets.map((target): TargetSummary => {
    const own = runs.filter((m) => m.target === target.name);
    const byRps = [...own].sort((a, b) => a.rps - b.rps);
    const middle = byRps[Math.floor((byRps.length - 1) / 2)];
    const roundRatios: number[] = [];
    const cpuRatios: number[] = [];
    const cpuUs = own.flatMap((m) => (m.serverCpuUsPerRequest === null ? [] : [m.serverCpuUsPerRequest]));
    for (const m of own) {
      const base = baseRuns.find((b) => b.round === m.round);
      if (base && base.rps > 0) roundRatios.push(m.rps / base.rps);
      if (base?.serverCpuUsPerRequest && m.serverCpuUsPerRequest) cpuRatios.push(base.serverCpuUsPerRequest / m.serverCpuUsPerRequest);
    }
    const problems = own.reduce((sum, m) => sum + problemsOf(m), 0);
    const ratio = roundRatios.length > 0 ? median(roundRatios) : null;
    const goal = target.goal ?? null;
    let verdict: TargetSummary['verdict'] = null;
    if (goal !== null) verdict = problems > 0 || !baseValid || ratio === null ? 'INVALID' : ratio >= goal ? 'PASS' : 'BELOW';
    return {
      name: target.name,
      median: middle,
      roundsRps: own.map((m) => m.rps),
      roundRatios,
      ratio,
      ratioSpread: roundRatios.length > 0 ? [Math.min(...roundRatios), Math.max(...roundRatios)] : null,
      cpuRatio: cpuRatios.length > 0 ? median(cpuRatios) : null,
      cpuRatioSpread: cpuRatios.length > 0 ? [Math.min(...cpuRatios), Math.max(...cpuRatios)] : null,
      serverCpuUs: cpuUs.length > 0 ? median(cpuUs) : null,
      goal,
      verdict,
      non2xx: own.reduce((sum, m) => sum + m.non2xx, 0),
      problems,
    };
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
  // p50/p99 and the CPU column are the median round's; non-2xx and other failures are totals over
  // every round. "srv us/req" is server CPU per request (median over rounds), the figure least
  // moved by noise, and "cpu ratio" bare Koa's over it, with its spread over rounds.
  const header = [
    'target',
    'req/s (median)',
    'rounds',
    'ratio',
    'spread',
    'goal',
    'p50 ms',
    'p99 ms',
    'non-2xx',
    'other failures',
    'srv us/req',
    'cpu ratio',
    'cpu spread',
    'srv core',
  ];
  const share = (n: number | null) => (n === null ? '-' : `${Math.round(n * 100)}%`);
  const rows = report.targets.map((s) => [
    s.problems > 0 ? `${s.name} !! FAILURES` : s.name,
    number(s.median.rps),
    s.roundsRps.map((rps) => number(rps)).join(' / '),
    s.ratio === null ? '-' : number(s.ratio, 2),
    s.ratioSpread === null ? '-' : `${number(s.ratioSpread[0], 2)}-${number(s.ratioSpread[1], 2)}`,
    s.goal === null ? '' : `>= ${number(s.goal, 2)} ${s.verdict ?? ''}`,
    number(s.median.latencyP50Ms, 2),
    number(s.median.latencyP99Ms, 2),
    String(s.non2xx),
    String(s.problems - s.non2xx),
    s.serverCpuUs === null ? '-' : number(s.serverCpuUs, 1),
    s.cpuRatio === null ? '-' : number(s.cpuRatio, 2),
    s.cpuRatioSpread === null ? '-' : `${number(s.cpuRatioSpread[0], 2)}-${number(s.cpuRatioSpread[1], 2)}`,
    share(s.median.serverCoreShare),
  ]);
  const lines = [
    '',
    `koa-easyjwt bench: node ${report.node}, ${report.cpus} cpus, wrk -t1 -c${load.connections} on core ${load.loadCore}, servers on core ${load.serverCore}, ` +
      `${load.warmupSeconds} s warm-up + ${load.seconds} s measured, ${load.rounds} round(s), ratios are medians of per-round ratios`,
    '',
    table([header, ...rows]),
    '',
  ];
  if (load.loadCore === load.serverCore) lines.push('note: one core only: wrk and the servers share it, so every ratio is pulled towards 1.', '');
  const bad = report.targets.filter((s) => s.problems > 0);
  if (bad.length > 0) {
    lines.push('!'.repeat(78));
    lines.push('!!! INVALID RUN: some responses failed; these figures are NOT good figures.');
    for (const s of bad) lines.push(`!!!   ${s.name}: ${s.problems} failed (non-2xx, socket errors or timeouts)`);
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
