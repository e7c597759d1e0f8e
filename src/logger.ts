// Logging through pino: structured JSON, cheap when a level is off, and with every field that can
// carry a secret redacted before it is written.
import type { Logger } from 'pino';
import pino from 'pino';

export type { Logger };

/** Paths pino blanks out wherever they appear in a log record. */
const REDACT = [
  'password',
  'new_password',
  '*.password',
  '*.new_password',
  'SIGNING_KEY',
  '*.SIGNING_KEY',
  'token',
  'refresh',
  'access',
  '*.token',
  '*.refresh',
  '*.access',
  'headers.authorization',
  '*.headers.authorization',
];

/**
 * A logger at `level` writing JSON lines to stderr (stdout stays free for CLI output).
 *
 * @example
 *   createLogger('info').info({ port: 8000 }, 'listening');
 */
export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'easyjwt' } }, pino.destination(2));
}
