// The bench's arithmetic: reading wrk's report, and ratios taken per round against the baseline of
// that same round, summarised as a median with its spread.
import { expect } from 'chai';
import type { Measurement } from '../../bench/measure';
import { formatReport, median, summarise } from '../../bench/report';
import type { Target } from '../../bench/targets';
import { parseWrk } from '../../bench/wrk';

const WRK_OUTPUT = `Running 6s test @ http://127.0.0.1:40001/api/test/
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.02ms  210.55us   9.81ms   91.20%
    Req/Sec    31.40k     1.12k   33.01k    80.00%
  Latency Distribution
     50%  0.98ms
     75%    1.05ms
     90%    1.20ms
     99%  850.00us
  187412 requests in 6.00s, 30.21MB read
  Socket errors: connect 0, read 3, write 1, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec:  31235.33
Transfer/sec:      5.03MB
`;

const run = (target: string, round: number, rps: number, cpu: number): Measurement => ({
  target,
  round,
  rps,
  allRps: rps,
  latencyP50Ms: 1,
  latencyP99Ms: 2,
  requests: rps * 6,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  mismatches: 0,
  seconds: 6,
  warmupProblems: 0,
  serverCpuUsPerRequest: cpu,
  serverSystemUsPerRequest: cpu / 2,
  serverCoreShare: 1,
});

const LOAD = { connections: 32, pipelining: 1, warmupSeconds: 2, seconds: 6, rounds: 3, loadCore: 0, serverCore: 1 };
const request = () => ({ method: 'GET' as const, path: '/' });

describe('bench: wrk report and ratios', () => {
  it('reads requests, duration, failures and latency percentiles in every unit from wrk', () => {
    expect(parseWrk(WRK_OUTPUT)).to.deep.equal({
      requests: 187412,
      seconds: 6,
      non2xx: 7,
      errors: 4,
      timeouts: 2,
      latencyP50Ms: 0.98,
      latencyP99Ms: 0.85,
    });
    expect(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused')).to.throw('wrk printed no summary');
  });

  it('takes each ratio against the same round, then the median and the spread', () => {
    const targets: Target[] = [
      { name: 'bare', server: 'koa', request, baseline: true },
      { name: 'guarded', server: 'client', request, goal: 0.8 },
    ];
    // Round 2 ran on a busy machine: both fell; its ratio is still fair.
    const runs = [
      run('bare', 1, 40000, 25),
      run('guarded', 1, 34000, 30),
      run('bare', 2, 20000, 25),
      run('guarded', 2, 15000, 31),
      run('bare', 3, 41000, 24),
      run('guarded', 3, 33620, 30),
    ];
    const report = summarise(targets, runs, LOAD);
    const guarded = report.targets[1];
    expect(guarded.roundRatios.map((r) => Number(r.toFixed(3)))).to.deep.equal([0.85, 0.75, 0.82]);
    expect(Number(guarded.ratio!.toFixed(3))).to.equal(0.82);
    expect(guarded.ratioSpread!.map((r) => Number(r.toFixed(3)))).to.deep.equal([0.75, 0.85]);
    expect(guarded.verdict).to.equal('PASS');
    // CPU per request: bare Koa's over the target's, per round; the median figure and its range.
    expect(guarded.serverCpuUs).to.equal(30);
    expect(Number(guarded.cpuRatio!.toFixed(3))).to.equal(0.806);
    expect(guarded.cpuRatioSpread!.map((r) => Number(r.toFixed(3)))).to.deep.equal([0.8, 0.833]);
    expect(guarded.median.round, 'the round with the median req/s').to.equal(3);
    expect(median([3, 1, 2, 10])).to.equal(2.5);
  });

  it('prints each ratio with its spread and the server CPU time per request', () => {
    const targets: Target[] = [
      { name: 'bare', server: 'koa', request, baseline: true },
      { name: 'guarded', server: 'client', request, goal: 0.8 },
    ];
    const runs = [run('bare', 1, 40000, 25), run('guarded', 1, 30000, 40), run('bare', 2, 40000, 25), run('guarded', 2, 34000, 30)];
    const line = formatReport(summarise(targets, runs, { ...LOAD, rounds: 2 }))
      .split('\n')
      .find((text) => text.startsWith('guarded'))!;
    expect(line).to.match(/ 0\.80 +0\.75-0\.85 +>= 0\.80 PASS /);
    expect(line).to.match(/ 35\.0 +0\.73 +0\.63-0\.83 /);
  });

  it('calls a run with failures invalid, whatever its ratio', () => {
    const targets: Target[] = [
      { name: 'bare', server: 'koa', request, baseline: true },
      { name: 'guarded', server: 'client', request, goal: 0.5 },
    ];
    const failing = { ...run('guarded', 1, 39000, 25), non2xx: 12 };
    const report = summarise(targets, [run('bare', 1, 40000, 25), failing], { ...LOAD, rounds: 1 });
    expect(report.valid).to.equal(false);
    expect(report.targets[1].verdict).to.equal('INVALID');
  });
});
