import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '../common/clock.js';
import { RetentionService } from './retention.service.js';

const EVERY_MS = 60 * 60_000;

/** Runs the retention job hourly in a worker (the job itself is idempotent and batched). */
@Injectable()
export class RetentionCron implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionCron.name);

  constructor(
    private readonly retention: RetentionService,
    private readonly clock: Clock,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(() => void this.tick(), EVERY_MS);
    timer.unref();
    this.scheduler.addInterval('retention', timer);
  }

  onApplicationShutdown(): void {
    if (this.scheduler.doesExist('interval', 'retention')) this.scheduler.deleteInterval('retention');
  }

  async tick(): Promise<void> {
    try {
      const result = await this.retention.run(this.clock.now());
      if (result && (result.events || result.interactions)) this.logger.log({ ...result }, 'retention applied');
    } catch (err) {
      this.logger.error(err instanceof Error ? err : String(err), 'retention failed');
    }
  }
}
