import { LoggerService } from '@nestjs/common';
import { pino, Logger as Pino } from 'pino';

/** Paths that must never reach a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'authorization',
  'apiKey',
  'key',
  'secret',
  'password',
  'token',
  '*.apiKey',
  '*.secret',
  '*.password',
  '*.token',
];

export function createRootLogger(level: string): Pino {
  return pino({
    level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

/** Lets Nest's own logging go through pino as structured JSON. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly root: Pino) {}

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace', message: unknown, params: unknown[]): void {
    const context = typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    if (message && typeof message === 'object' && !(message instanceof Error)) {
      const [msg] = params;
      this.root[level]({ context, ...(message as object) }, typeof msg === 'string' ? msg : undefined);
      return;
    }
    if (message instanceof Error) {
      this.root[level]({ context, err: message }, message.message);
      return;
    }
    const extra = params.length ? { detail: params } : {};
    this.root[level]({ context, ...extra }, String(message));
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
}
