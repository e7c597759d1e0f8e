// Which failures the operator can fix, and the one line that tells them how. A wrong database name,
// password or port, or a port already taken, is the environment's fault, not a bug: a stack trace
// only hides the sentence that matters. Anything not recognised here keeps its stack (exit 1).
import { ClaimRegistrationError, MissingTable, SettingsError, UsageError } from '../errors';

/** A Node system error or a mysql2 server error: the fields the messages below use. */
interface CodedError extends Error {
  readonly code?: string;
  readonly address?: string;
  readonly port?: number;
  readonly sqlMessage?: string;
  readonly syscall?: string;
}

/** Server error codes of MariaDB/MySQL that mean the DATABASE_URL is wrong, not the code. */
const DATABASE_REFUSALS = new Set(['ER_BAD_DB_ERROR', 'ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR']);

/** Node's connection failures; `syscall` is `connect` or `getaddrinfo` for an outgoing connection. */
const CONNECTION_FAILURES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused (is the database server running, and on that port?)',
  ENOTFOUND: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ETIMEDOUT: 'timed out',
};

/**
 * The one line to print for an error the operator can correct, or null for a bug (print its stack).
 *
 * @example
 *   operatorMessage(new UsageError('no user with email a@b.c')); // 'no user with email a@b.c'
 */
export function operatorMessage(error: unknown): string | null {
  if (error instanceof SettingsError || error instanceof UsageError || error instanceof ClaimRegistrationError || error instanceof MissingTable) {
    return error.message;
  }
  if (!(error instanceof Error)) return null;
  const coded = error as CodedError;
  const code = coded.code ?? '';
  if (DATABASE_REFUSALS.has(code)) return `cannot open the database: ${coded.sqlMessage ?? coded.message} (check DATABASE_URL)`;
  if (code === 'EADDRINUSE' && coded.syscall === 'listen') {
    return `cannot listen on ${coded.address ?? ''}:${coded.port ?? ''}: the address is already in use (stop the other process, or pick another --port)`;
  }
  if (code === 'EACCES' && coded.syscall === 'listen') {
    return `cannot listen on ${coded.address ?? ''}:${coded.port ?? ''}: permission denied (ports below 1024 need privileges; pick another --port)`;
  }
  if (Object.hasOwn(CONNECTION_FAILURES, code) && (coded.syscall === 'connect' || coded.syscall === 'getaddrinfo' || coded.address !== undefined)) {
    const where = coded.address ? ` at ${coded.address}${coded.port ? `:${coded.port}` : ''}` : '';
    return `cannot connect to the database${where}: ${CONNECTION_FAILURES[code]} (check DATABASE_URL)`;
  }
  return null;
}
