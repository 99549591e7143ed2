import { BeforeApplicationShutdown, Inject, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

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
    this.current = this.run()
      .catch((err: unknown) => {
        this.logger.error(err instanceof Error ? err : String(err), `${this.label} failed`);
        return 0;
      })
      .finally(() => {
        this.current = null;
      });
    return this.current;
  }

  /** Runs now; when a run is under way (it may have looked before the caller's news), once more after it. */
  async tickAfterCurrent(): Promise<number> {
    if (this.current) await this.current;
    return this.tick();
  }
}
