import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';

/**
 * A worker heartbeat: runs `run()` every `intervalMs`, never two at once in one process, logs a
 * failure instead of crashing, and on shutdown stops starting new runs and waits for the running
 * one (which can check `isStopping()` to finish early). Correctness across processes is the job of
 * `run()` (row locks, SKIP LOCKED); this only paces it.
 */
export abstract class PeriodicTask implements OnApplicationBootstrap, BeforeApplicationShutdown {
  protected readonly logger = new Logger(this.constructor.name);
  private timer?: NodeJS.Timeout;
  private current: Promise<number> | null = null;
  private stopping = false;

  /** How often to run, in milliseconds. */
  protected abstract intervalMs(): number;
  /** One run; returns how much work it did (for logs and tests). */
  protected abstract run(): Promise<number>;
  /** What to call a failed run in the log. */
  protected abstract readonly label: string;

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs());
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
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
}
