import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { PeriodicTask } from '../common/periodic-task.js';
import { RetentionService } from './retention.service.js';

/** Runs the retention job hourly in a worker (the job itself is idempotent, batched and locked). */
@Injectable()
export class RetentionCron extends PeriodicTask {
  protected readonly label = 'retention';

  constructor(
    private readonly retention: RetentionService,
    private readonly clock: Clock,
  ) {
    super();
  }

  protected intervalMs(): number {
    return 60 * 60_000;
  }

  protected async run(): Promise<number> {
    const result = await this.retention.run(this.clock.now());
    if (result && (result.events || result.interactions)) this.logger.log({ ...result }, 'retention applied');
    return result ? result.events + result.interactions : 0;
  }
}
