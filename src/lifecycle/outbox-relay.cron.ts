import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { OutboxRelay } from './outbox-relay.service.js';

/**
 * The relay's heartbeat: every OUTBOX_RELAY_MS each worker drains the outbox in batches. It needs
 * nothing but PostgreSQL; several workers share the work through SKIP LOCKED.
 */
@Injectable()
export class OutboxRelayCron implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelayCron.name);
  private timer?: NodeJS.Timeout;
  private current: Promise<number> | null = null;
  private stopping = false;

  constructor(
    private readonly relay: OutboxRelay,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.outbox.relayMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.current;
  }

  /** One tick: publish everything waiting. Returns how many events were published. */
  tick(): Promise<number> {
    if (this.current || this.stopping) return this.current ?? Promise.resolve(0);
    this.current = this.relay
      .drain(() => this.stopping)
      .catch((err: unknown) => {
        this.logger.error(err instanceof Error ? err : String(err), 'outbox relay tick failed');
        return 0;
      })
      .finally(() => {
        this.current = null;
      });
    return this.current;
  }
}
