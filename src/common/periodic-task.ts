import { BeforeApplicationShutdown, Inject, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { isUnavailable } from './unavailable.js';
import { RepeatedLog } from './repeated-log.js';

/** How often, at most, a task logs that it failed because PostgreSQL or Redis is unreachable. */
export const UNAVAILABLE_LOG_INTERVAL_MS = 30_000;

/**
 * A worker heartbeat: runs `run()` every `intervalMs`, never two at once in one process, logs a
 * failure instead of crashing, and on shutdown stops starting new runs and waits for the running
 * one (which can check `isStopping()` to finish early). Correctness across processes is the job of
 * `run()` (row locks, SKIP LOCKED); this only paces it.
 *
 * The interval is registered with @nestjs/schedule's SchedulerRegistry under the task's class name
 * (a dynamic interval, because the period comes from configuration), so the schedule module owns
 * and lists every heartbeat and clears them when the application closes.
 */
export abstract class PeriodicTask implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  protected readonly logger = new Logger(this.constructor.name);
  private timer?: NodeJS.Timeout;
  private current: Promise<number> | null = null;
  private stopping = false;
  private unavailableLog?: RepeatedLog<{ err: string }>;
  /** Whether the run under way logged a failure (some tasks catch their own and still finish). */
  private failedThisRun = false;
  @Optional() @Inject(SchedulerRegistry) private readonly schedules?: SchedulerRegistry;

  /** How often to run, in milliseconds. */
  protected abstract intervalMs(): number;
  /** One run; returns how much work it did (for logs and tests). */
  protected abstract run(): Promise<number>;
  /** What to call a failed run in the log. */
  protected abstract readonly label: string;

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs());
    this.timer.unref();
    this.schedules?.addInterval(this.scheduleName(), this.timer);
  }

  /** The name the interval is registered under in the SchedulerRegistry. */
  scheduleName(): string {
    return this.constructor.name;
  }

  /** Shutdown begins: no new run starts (queue connections close after this hook). */
  onModuleDestroy(): void {
    this.stopping = true;
    clearInterval(this.timer);
    if (this.schedules?.doesExist('interval', this.scheduleName())) this.schedules.deleteInterval(this.scheduleName());
  }

  /** Waits for the run under way, before the database connections close. */
  async beforeApplicationShutdown(): Promise<void> {
    this.onModuleDestroy();
    await this.current;
  }

  protected isStopping(): boolean {
    return this.stopping;
  }

  /** Runs now unless a run is under way (then returns that one) or the process is stopping. */
  tick(): Promise<number> {
    if (this.current || this.stopping) return this.current ?? Promise.resolve(0);
    this.failedThisRun = false;
    this.current = this.run()
      .then((n) => {
        if (!this.failedThisRun) this.backAfterUnavailable();
        return n;
      })
      .catch((err: unknown) => {
        this.logFailure(err, `${this.label} failed`);
        return 0;
      })
      .finally(() => {
        this.current = null;
      });
    return this.current;
  }

  /**
   * One part of a run that must not keep the others from running (a sweep's safety nets): a failure is logged
   * under `failedMessage` and the part counts 0. Once the process is stopping a failure is not logged (the
   * connections close under it).
   */
  protected async part(failedMessage: string, work: () => Promise<number>): Promise<number> {
    try {
      return await work();
    } catch (err) {
      if (!this.isStopping()) this.logFailure(err, failedMessage);
      return 0;
    }
  }

  /**
   * Logs a failed run (or part of one). A failure because PostgreSQL or Redis is unreachable is expected to
   * repeat every run until it is back, so it is a warning at most once per UNAVAILABLE_LOG_INTERVAL_MS for
   * the task, with how many were left out; anything else is logged each time, as an error with its stack.
   */
  protected logFailure(err: unknown, message: string): void {
    this.failedThisRun = true;
    if (!isUnavailable(err)) {
      this.logger.error(err instanceof Error ? err : String(err), message);
      return;
    }
    this.unavailableLog ??= new RepeatedLog(
      (fields) => this.logger.warn(fields, `${this.label} failed: PostgreSQL or Redis is unreachable; retried every run`),
      UNAVAILABLE_LOG_INTERVAL_MS,
    );
    this.unavailableLog.report({ err: err instanceof Error ? err.message : String(err) });
  }

  /** After runs failed because PostgreSQL or Redis was unreachable, a run that succeeds says so once. */
  private backAfterUnavailable(): void {
    if (!this.unavailableLog) return;
    this.unavailableLog = undefined;
    this.logger.log(`${this.label} runs again: PostgreSQL and Redis are reachable`);
  }

  /** Runs now; when a run is under way (it may have looked before the caller's news), once more after it. */
  async tickAfterCurrent(): Promise<number> {
    if (this.current) await this.current;
    return this.tick();
  }
}
