import { Logger } from '@nestjs/common';
import { Queue, Worker, type Processor, type QueueOptions, type WorkerOptions } from 'bullmq';
import { RepeatedLog } from '../../common/repeated-log.js';
import { within } from '../../common/settles-within.js';

/** How often, at most, a BullMQ connection error is logged, for all queues and workers of a process together. */
export const QUEUE_ERROR_LOG_INTERVAL_MS = 30_000;

const logger = new Logger('Queue');

/**
 * The errors BullMQ queues and workers emit (a Redis outage makes every one of them report each reconnect
 * attempt) are logged as one structured warning per interval for the whole process, naming where the latest
 * came from and how many were left out since the last line. Without a listener BullMQ prints each error with
 * its stack to stderr, outside the JSON log: about ten lines per second per connection while Redis is down.
 */
export const queueErrorLog = {
  log: new RepeatedLog<{ source: string; err: string }>((fields) => logger.warn(fields, 'queue connection error (Redis); jobs wait and are retried'), QUEUE_ERROR_LOG_INTERVAL_MS),
  report(source: string, err: Error): void {
    this.log.report({ source, err: err.message });
  },
};

/**
 * The longest `add`/`addBulk`/`remove` wait for Redis to take (or drop) jobs. While Redis is unreachable BullMQ waits for it
 * for as long as that lasts; no caller should: every job here carries ids only, PostgreSQL holds the work, and
 * a sweep puts missed work on the queue again (job ids make a late duplicate harmless).
 */
export const QUEUE_ADD_WAIT_MS = 2000;

/** Redis did not take the jobs in time; `code` makes it count as a backing service out of reach (isUnavailable). */
export class QueueAddTimeout extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(queue: string) {
    super(`Redis did not take the ${queue} job(s) within ${QUEUE_ADD_WAIT_MS} ms`);
    this.name = 'QueueAddTimeout';
  }
}

/**
 * BullMQ's Queue with its errors logged (see queueErrorLog; the listener is attached before any connection
 * can fail) and adding (or removing) jobs bounded by QUEUE_ADD_WAIT_MS, for every producer alike.
 */
export class LoggedQueue extends Queue {
  constructor(name: string, opts: QueueOptions) {
    super(name, opts);
    this.on('error', (err: Error) => queueErrorLog.report(`queue ${name}`, err));
  }

  override add(...args: Parameters<Queue['add']>): ReturnType<Queue['add']> {
    return this.inTime(super.add(...args));
  }

  override addBulk(...args: Parameters<Queue['addBulk']>): ReturnType<Queue['addBulk']> {
    return this.inTime(super.addBulk(...args));
  }

  override remove(...args: Parameters<Queue['remove']>): ReturnType<Queue['remove']> {
    return this.inTime(super.remove(...args));
  }

  private async inTime<T>(work: Promise<T>): Promise<T> {
    const done = await within(work, QUEUE_ADD_WAIT_MS);
    if (!done) throw new QueueAddTimeout(this.name);
    return done.value;
  }
}

/** How long closing a worker waits to learn whether its Redis connection is up. */
const CLIENT_WAIT_MS = 100;

/**
 * BullMQ's Worker with its errors logged (see queueErrorLog), and a close that does not hang while Redis is
 * unreachable. A graceful close waits for the worker's fetch loop, which waits for Redis as long as it is
 * down: a process told to stop during an outage waited for SHUTDOWN_TIMEOUT_MS and exited with code 1.
 * Then it closes at once instead, as BullMQ's forced close does. A job still running is not waited for; it
 * could not be marked done without Redis anyway, and what it did is in PostgreSQL (an email counts as
 * possibly sent, never sent twice; a job is run again after the outage, and its work is idempotent).
 */
export class LoggedWorker extends Worker {
  constructor(name: string, processor: string | URL | null | Processor | undefined, opts: WorkerOptions) {
    super(name, processor, opts);
    this.on('error', (err: Error) => queueErrorLog.report(`worker ${name}`, err));
  }

  override async close(force = false): Promise<void> {
    if (!force && !(await this.redisReachable())) {
      logger.warn({ worker: this.name }, 'closing a worker without waiting for its running jobs: Redis is unreachable');
      force = true;
    }
    return super.close(force);
  }

  /** Whether the worker's Redis connection is up now (not when it never connected, or is reconnecting). */
  private async redisReachable(): Promise<boolean> {
    const client = await within(Promise.resolve(this.backend.client), CLIENT_WAIT_MS).catch(() => undefined);
    return (client?.value as { status?: string } | undefined)?.status === 'ready';
  }
}
