/** Node's codes for a server that cannot be reached or dropped the connection. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** What pg, pg-pool and ioredis say when their server is gone or out of reach. */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /is not queryable/i,
  /^Connection is closed/i,
  /max retries per request/i,
  /^Command timed out/i,
];

/**
 * Whether an error means PostgreSQL or Redis cannot be reached right now (down, restarting, refusing
 * connections, out of connection slots), rather than a fault in the request or the code: such a request can
 * be sent again shortly, so it gets 503 with Retry-After, not 500. Looks through TypeORM's `driverError` and
 * error causes. SQLSTATE class 08 is a connection exception (except 08P01, a protocol violation: the server
 * refused what was sent, e.g. a NUL character in a text value, and is there to refuse it again); 57P01–57P03 a
 * server shutting down or starting; 53300 no connection slot left.
 */
export function isUnavailable(exception: unknown): boolean {
  for (let e = exception as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (NETWORK_CODES.has(code) || (code.startsWith('08') && code !== '08P01') || ['57P01', '57P02', '57P03', '53300'].includes(code)) return true;
    const message = typeof e.message === 'string' ? e.message : '';
    if (UNAVAILABLE_MESSAGES.some((m) => m.test(message))) return true;
    e = (e.driverError ?? e.cause) as typeof e;
  }
  return false;
}

/**
 * A request that failed for a passing reason inside this service (a helper thread died or ran out of time), not
 * because of what was sent nor because PostgreSQL or Redis is down: answered 503 with Retry-After and `detail`,
 * and logged as an error with its message.
 */
export class TryAgainLater extends Error {
  constructor(
    message: string,
    /** What the client is told (the message, for the log, may say more). */
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
