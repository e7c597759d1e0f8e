// `easyjwt archive`: deletes tokens that expired before a cut-off, with a progress bar on a
// terminal and one summary line otherwise (cron logs, CI).
import { UsageError } from '../errors';
import type { ArchiveResult } from '../registry/archiver';
import { archiveExpiredTokens } from '../registry/archiver';
import { integer, parseDuration } from '../settings';

/** Flags of `archive`. */
export interface ArchiveFlags {
  /** A duration: `10d`, `12h`, `3600`. */
  olderThan: string;
  batch?: string;
}

/** Where the command writes: the summary line, and the progress bar when `tty` is set. */
export interface ArchiveOutput {
  readonly out: (line: string) => void;
  /** Rewrites the current terminal line; null when stdout is not a terminal. */
  readonly progress: ((line: string) => void) | null;
}

const BAR = 30;

/** `[#########.....]  45%  4,500/10,000 tokens` */
export function progressLine(done: number, total: number): string {
  const share = total === 0 ? 1 : done / total;
  const filled = Math.round(share * BAR);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${String(Math.round(share * 100)).padStart(3)}%  ${done.toLocaleString('en')}/${total.toLocaleString('en')} tokens`;
}

/** The summary line every run ends with. */
export function summaryLine(result: ArchiveResult, before: Date): string {
  const rate = result.seconds > 0 ? Math.round(result.tokens / result.seconds) : result.tokens;
  return `archived ${result.tokens} tokens and ${result.sessions} sessions that expired before ${before.toISOString()} in ${result.seconds.toFixed(1)} s (${rate} rows/s)`;
}

/**
 * Parses the flags and runs the archiver against `dataSource`.
 *
 * @example
 *   await runArchive(service.dataSource, { olderThan: '10d', batch: '500' }, { out: console.log, progress: null }, Date.now());
 */
export async function runArchive(
  dataSource: Parameters<typeof archiveExpiredTokens>[0],
  flags: ArchiveFlags,
  output: ArchiveOutput,
  nowMs: number,
): Promise<ArchiveResult> {
  let seconds: number;
  let batchSize: number;
  try {
    seconds = parseDuration(flags.olderThan, '--older-than');
    batchSize = flags.batch === undefined ? 1000 : integer(1, 5000)(flags.batch, '--batch');
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^Invalid setting /, ''));
  }
  const before = new Date(nowMs - seconds * 1000);
  const progress = output.progress;
  const result = await archiveExpiredTokens(dataSource, {
    before,
    batchSize,
    onProgress: progress ? (done, total) => progress(progressLine(done, total)) : undefined,
  });
  output.out(summaryLine(result, before));
  return result;
}
