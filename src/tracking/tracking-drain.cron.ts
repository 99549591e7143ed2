import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { HitRecorder } from './hit-recorder.service.js';
import { HitStreamConsumer } from './hit-stream-consumer.js';

/**
 * Moves buffered opens and clicks from the Redis stream into PostgreSQL: TRACKING_DRAIN_CONCURRENCY consumers
 * per worker process (so PostgreSQL writes one batch while the next is read), one of which also takes over
 * hits left by stopped workers. Several worker processes share the stream as one consumer group.
 */
@Injectable()
export class TrackingDrainCron implements OnApplicationBootstrap, OnModuleDestroy {
  private consumers: HitStreamConsumer[] = [];

  constructor(
    private readonly recorder: HitRecorder,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.consumers = Array.from({ length: this.config.trackingDrainConcurrency }, (_, i) => new HitStreamConsumer(this.recorder, this.config, i === 0));
    for (const consumer of this.consumers) consumer.start();
  }

  /** Before the database closes: each consumer finishes (and acknowledges) the batch it is storing. */
  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop()));
  }
}
