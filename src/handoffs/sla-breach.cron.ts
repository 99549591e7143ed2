import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { SlaBreachService } from './sla-breach.service.js';

/** Every SLA_SWEEP_MS a worker flags hand-offs whose deadline passed (safe on several workers). */
@Injectable()
export class SlaBreachCron implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SlaBreachCron.name);
  private timer?: NodeJS.Timeout;
  private current: Promise<number> | null = null;
  private stopping = false;

  constructor(
    private readonly breaches: SlaBreachService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.handoffs.slaSweepMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.current;
  }

  tick(): Promise<number> {
    if (this.current || this.stopping) return this.current ?? Promise.resolve(0);
    this.current = this.breaches
      .flagMissed()
      .then((n) => {
        if (n) this.logger.warn({ count: n }, 'hand-offs missed their SLA');
        return n;
      })
      .catch((err: unknown) => {
        this.logger.error(err instanceof Error ? err : String(err), 'SLA watch failed');
        return 0;
      })
      .finally(() => {
        this.current = null;
      });
    return this.current;
  }
}
