import { Logger } from '@nestjs/common';
import { Queue, Worker, type Processor, type QueueOptions, type WorkerOptions } from 'bullmq';

/** How often, at most, a BullMQ connection error is logged, for all queues and workers of a process together. */
export const QUEUE_ERROR_LOG_INTERVAL_MS = 30_000;

/**
 * Logs the errors BullMQ queues and workers emit (a Redis outage makes every one of them report each
 * reconnect attempt) as one structured warning per interval, naming where the latest came from and how many
 * were left out since the last line. Without a listener BullMQ prints each error with its stack to stderr,
 * outside the JSON log: about ten lines per second per connection while Redis is down.
 */
export class QueueErrorLog {
  private last = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly write: (fields: { source: string; err: string; suppressed: number }) => void,
    private readonly intervalMs = QUEUE_ERROR_LOG_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  report(source: string, err: Error): void {
    const at = this.now();
    if (at - this.last < this.intervalMs) {
      this.suppressed++;
      return;
    }
    this.last = at;
    this.write({ source, err: err.message, suppressed: this.suppressed });
    this.suppressed = 0;
  }
}

const logger = new Logger('Queue');
export const queueErrorLog = new QueueErrorLog((fields) => logger.warn(fields, 'queue connection error (Redis); jobs wait and are retried'));

/** BullMQ's Queue with its errors logged (see QueueErrorLog); the listener is attached before any connection can fail. */
export class LoggedQueue extends Queue {
  constructor(name: string, opts: QueueOptions) {
    super(name, opts);
    this.on('error', (err: Error) => queueErrorLog.report(`queue ${name}`, err));
  }
}

/** BullMQ's Worker with its errors logged (see QueueErrorLog). */
export class LoggedWorker extends Worker {
  constructor(name: string, processor: string | URL | null | Processor | undefined, opts: WorkerOptions) {
    super(name, processor, opts);
    this.on('error', (err: Error) => queueErrorLog.report(`worker ${name}`, err));
  }
}
