// Failures that mean "the database cannot serve right now" (locked, restarting, unreachable) rather
// than a fault: callers answer them with a retryable 5xx and Retry-After, and the next request tries
// again, so the service recovers by itself when the database is back.
const sqliteCodes = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_TIMEOUT', 'SQLITE_CANTOPEN', 'SQLITE_IOERR']);
const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);

export function isStoreUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (sqliteCodes.has(code) || code.startsWith('SQLITE_BUSY') || networkCodes.has(code)) return true;
    // PostgreSQL SQLSTATE classes 08 (connection exception), 57P (operator intervention), 53 (resources).
    if (/^(08...|57P0[1-3]|53...)$/.test(code)) return true;
  }
  return typeof message === 'string' && /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message);
}
