import { Inject, Injectable } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { OutboxRelay } from './outbox-relay.service.js';

/**
 * The relay's heartbeat: every OUTBOX_RELAY_MS each worker drains the outbox in batches. It needs
 * nothing but PostgreSQL; several workers share the work through SKIP LOCKED.
 */
@Injectable()
export class OutboxRelayCron extends PeriodicTask {
  protected readonly label = 'outbox relay tick';

  constructor(
    private readonly relay: OutboxRelay,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.outbox.relayMs;
  }

  /** Publishes everything waiting; returns how many events were published. */
  protected run(): Promise<number> {
    return this.relay.drain(() => this.isStopping());
  }
}
