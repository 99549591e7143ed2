import { Inject, Injectable } from '@nestjs/common';
import { PeriodicTask } from '../../common/periodic-task.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { BurstHeapRelease } from './heap-release.js';
import { ProgramScheduler } from './program-scheduler.service.js';

/** A burst this large (enrollments run since the last collection) is followed by a full collection once idle. */
const HEAP_RELEASE_AFTER = 10_000;

/**
 * The scheduler's heartbeat: every PROGRAMS_TICK_MS each worker runs a few claim loops that drain
 * due enrollments. It needs nothing but PostgreSQL, so losing Redis loses no step; several workers
 * share the work through SKIP LOCKED.
 */
@Injectable()
export class ProgramSchedulerCron extends PeriodicTask {
  protected readonly label = 'program scheduler tick';
  private readonly heap = new BurstHeapRelease(HEAP_RELEASE_AFTER);

  constructor(
    private readonly scheduler: ProgramScheduler,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.programs.tickMs;
  }

  /** Several loops claim and run batches until nothing is due; returns how many enrollments ran. */
  protected async run(): Promise<number> {
    const loops = Array.from({ length: this.config.programs.concurrency }, () =>
      this.scheduler.drain(() => this.isStopping()).catch((err: unknown) => {
        this.logFailure(err, `${this.label} failed`);
        return 0;
      }),
    );
    const ran = (await Promise.all(loops)).reduce((a, b) => a + b, 0);
    // After a burst, the first idle tick gives the heap the burst grew back (see BurstHeapRelease).
    this.heap.afterTick(ran);
    return ran;
  }
}
