import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { closeRedis } from '../infra/queue/close-redis.js';
import { trackingRedis } from './hit-stream.js';

/**
 * Tells every API process to forget the link targets it keeps in memory (MessageLinks) — after an erasure
 * blanked a lead's stored links, which can hold personal data (`?name={{firstName}}`), so no process keeps
 * redirecting to them. A Redis channel: each API process subscribes once, and anything that changes stored
 * links publishes. A message missed while a subscriber was disconnected cannot be known, so a subscriber
 * that reconnects forgets everything too. Forgetting costs little: the next clicks read their links again,
 * batched.
 */
@Injectable()
export class LinkCacheBus implements OnModuleDestroy {
  private readonly logger = new Logger(LinkCacheBus.name);
  private readonly channel: string;
  private publisher: Redis | null = null;
  private subscriber: Redis | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.channel = `${config.queuePrefix}:tracking:links-forget`;
  }

  /** Asks every API process to forget its cached links. Never throws: the erasure it follows is already done. */
  async forgetEverywhere(): Promise<void> {
    try {
      this.publisher ??= trackingRedis(this.config, { maxRetriesPerRequest: 2 }, { logger: this.logger, what: 'link cache publisher' });
      await this.publisher.publish(this.channel, 'all');
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not tell the API processes to forget cached links');
    }
  }

  /** Calls `forget` whenever any process asks, and whenever this process's subscription was interrupted. */
  listen(forget: () => void): void {
    if (this.subscriber) throw new Error('LinkCacheBus.listen was called twice');
    const subscriber = trackingRedis(this.config, { maxRetriesPerRequest: null }, { logger: this.logger, what: 'link cache subscriber' });
    this.subscriber = subscriber;
    let subscribedOnce = false;
    subscriber.on('message', (channel: string) => {
      if (channel === this.channel) forget();
    });
    // ioredis subscribes again by itself after a reconnect; what was published meanwhile is lost.
    subscriber.on('ready', () => {
      if (subscribedOnce) forget();
    });
    subscriber.subscribe(this.channel).then(
      () => {
        subscribedOnce = true;
      },
      (err: Error) => this.logger.warn({ err: err.message }, 'could not subscribe to the link cache channel'),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.publisher, this.subscriber].map((r) => r && closeRedis(r)));
  }
}
