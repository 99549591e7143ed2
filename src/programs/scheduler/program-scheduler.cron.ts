import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { ProgramScheduler } from './program-scheduler.service.js';

/**
 * The scheduler's heartbeat: every PROGRAMS_TICK_MS each worker runs a few claim loops that drain
 * due enrollments. It needs nothing but PostgreSQL, so losing Redis loses no step; several workers
 * share the work through SKIP LOCKED.
 */
@Injectable()
export class ProgramSchedulerCron implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ProgramSchedulerCron.name);
  private timer?: NodeJS.Timeout;
  private current: Promise<number> | null = null;
  private stopping = false;

  constructor(
    private readonly scheduler: ProgramScheduler,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.programs.tickMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.current;
  }

  /** One tick: several loops claim and run batches until nothing is due. Returns how many enrollments ran. */
  tick(): Promise<number> {
    if (this.current || this.stopping) return Promise.resolve(0);
    const loops = Array.from({ length: this.config.programs.concurrency }, () =>
      this.scheduler.drain(() => this.stopping).catch((err: unknown) => {
        this.logger.error(err instanceof Error ? err : String(err), 'program scheduler tick failed');
        return 0;
      }),
    );
    this.current = Promise.all(loops)
      .then((counts) => counts.reduce((a, b) => a + b, 0))
      .finally(() => {
        this.current = null;
      });
    return this.current;
  }
}
