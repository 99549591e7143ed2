import { Inject, Injectable } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { HandoffRehoming } from './handoff-rehoming.service.js';
import { SlaBreachService } from './sla-breach.service.js';

/**
 * Every SLA_SWEEP_MS a worker gives pending hand-offs without an active owner to the team (those a team change left
 * behind, e.g. locked by an answer at that moment) and flags hand-offs whose deadline passed (safe on several workers).
 */
@Injectable()
export class SlaBreachCron extends PeriodicTask {
  protected readonly label = 'SLA watch';

  constructor(
    private readonly breaches: SlaBreachService,
    private readonly rehoming: HandoffRehoming,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.handoffs.slaSweepMs;
  }

  protected async run(): Promise<number> {
    const moved = await this.rehoming.rehomeAll();
    if (moved) this.logger.log({ count: moved }, 'pending hand-offs without an active owner given to the team');
    const n = await this.breaches.flagMissed();
    if (n) this.logger.warn({ count: n }, 'hand-offs missed their SLA');
    return moved + n;
  }
}
