import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { DomainEventType } from './outbox.js';

/** A recorded domain event, as consumers receive it. */
export interface OutboxEvent {
  id: string;
  type: DomainEventType;
  leadId: string | null;
  payload: Record<string, unknown>;
  occurredAt: Date;
}

/** What a consumer may ask of the batch it is part of. */
export interface OutboxBatch {
  /** Runs `task` after the batch committed (e.g. add queue jobs for rows just written); failures are logged, not retried. */
  afterCommit(task: () => Promise<void>): void;
}

export interface OutboxConsumer {
  /** For logs. */
  readonly name: string;
  /** The event types this consumer wants. */
  readonly types: readonly DomainEventType[];
  /**
   * Runs inside the relay's transaction: what it writes commits together with the events' "published"
   * mark, so each event is consumed exactly once. Throwing rolls the whole batch back.
   */
  consume(manager: EntityManager, events: OutboxEvent[], batch: OutboxBatch): Promise<void>;
}

interface OutboxRow {
  id: string;
  type: DomainEventType;
  lead_id: string | null;
  payload: Record<string, unknown>;
  occurred_at: Date;
}

/**
 * Publishes the transactional outbox to in-process consumers (hand-off creation, webhook fan-out).
 * A batch of unpublished events is claimed with FOR UPDATE SKIP LOCKED (several workers share the work,
 * none sees another's events), handed to every consumer that wants their types, and marked published —
 * all in one transaction. When a batch fails, its events are retried one by one so one bad event cannot
 * hold up the others; an event that keeps failing is left unpublished after OUTBOX_MAX_ATTEMPTS.
 * Events of one lead are consumed in order within a batch; across workers only roughly in time order.
 */
@Injectable()
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly consumers: OutboxConsumer[] = [];

  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  register(consumer: OutboxConsumer): void {
    if (!this.consumers.includes(consumer)) this.consumers.push(consumer);
  }

  /** Relays batches until none is left (or `shouldStop`); returns how many events were published. */
  async drain(shouldStop: () => boolean = () => false): Promise<number> {
    let total = 0;
    while (!shouldStop()) {
      const n = await this.relayBatch(this.config.outbox.batch);
      total += n;
      if (n < this.config.outbox.batch) break;
    }
    return total;
  }

  /** Claims and publishes one batch; returns how many events were claimed. */
  async relayBatch(limit: number): Promise<number> {
    const tasks: (() => Promise<void>)[] = [];
    let claimed: string[] = [];
    try {
      claimed = await this.db.transaction(async (m) => {
        const rows = await this.claim(m, limit);
        await this.publish(m, rows, tasks);
        return rows.map((r) => r.id);
      });
    } catch (err) {
      tasks.length = 0;
      this.logger.warn({ err: errorText(err) }, 'outbox batch failed; relaying its events one by one');
      return this.relayOneByOne(limit);
    }
    await runAfterCommit(tasks, this.logger);
    return claimed.length;
  }

  private async relayOneByOne(limit: number): Promise<number> {
    const ids: { id: string }[] = await this.db.query(
      `SELECT id FROM outbox_events WHERE published_at IS NULL AND attempts < $1 ORDER BY occurred_at LIMIT $2`,
      [this.config.outbox.maxAttempts, limit],
    );
    let done = 0;
    for (const { id } of ids) {
      const tasks: (() => Promise<void>)[] = [];
      try {
        done += await this.db.transaction(async (m) => {
          const rows: OutboxRow[] = await m.query(
            `SELECT id, type, lead_id, payload, occurred_at FROM outbox_events WHERE id = $1 AND published_at IS NULL FOR UPDATE SKIP LOCKED`,
            [id],
          );
          await this.publish(m, rows, tasks);
          return rows.length;
        });
        await runAfterCommit(tasks, this.logger);
      } catch (err) {
        const [row]: { attempts: number; type: string }[] = await this.db.query(
          `WITH u AS (UPDATE outbox_events SET attempts = attempts + 1, last_error = $2 WHERE id = $1 RETURNING attempts, type) SELECT * FROM u`,
          [id, errorText(err)],
        );
        const gaveUp = row && row.attempts >= this.config.outbox.maxAttempts;
        this.logger.error({ eventId: id, type: row?.type, attempts: row?.attempts, err: errorText(err) }, gaveUp
          ? 'outbox event failed too often and is left unpublished'
          : 'outbox event failed; it will be retried');
      }
    }
    return done;
  }

  private async claim(m: EntityManager, limit: number): Promise<OutboxRow[]> {
    return m.query(
      `SELECT id, type, lead_id, payload, occurred_at FROM outbox_events
        WHERE published_at IS NULL AND attempts < $1
        ORDER BY occurred_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [this.config.outbox.maxAttempts, limit],
    );
  }

  private async publish(m: EntityManager, rows: OutboxRow[], tasks: (() => Promise<void>)[]): Promise<void> {
    if (!rows.length) return;
    const events: OutboxEvent[] = rows.map((r) => ({ id: r.id, type: r.type, leadId: r.lead_id, payload: r.payload, occurredAt: r.occurred_at }));
    const batch: OutboxBatch = { afterCommit: (task) => void tasks.push(task) };
    for (const consumer of this.consumers) {
      const wanted = events.filter((e) => consumer.types.includes(e.type));
      if (wanted.length) await consumer.consume(m, wanted, batch);
    }
    await m.query(`UPDATE outbox_events SET published_at = $2 WHERE id = ANY($1::uuid[])`, [rows.map((r) => r.id), this.clock.now().toISOString()]);
  }
}

async function runAfterCommit(tasks: (() => Promise<void>)[], logger: Logger): Promise<void> {
  for (const task of tasks) {
    try {
      await task();
    } catch (err) {
      logger.warn({ err: errorText(err) }, 'after-commit step of an outbox batch failed; the sweeps will catch up');
    }
  }
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 500);
}
