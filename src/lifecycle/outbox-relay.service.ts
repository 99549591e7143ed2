import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { DomainEventType } from './outbox.js';
import { isUnavailable } from '../common/unavailable.js';

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
  /**
   * Asks for events this batch recorded (e.g. `handoff.created`) to be published right after the commit,
   * ahead of older waiting events, instead of queueing behind the backlog. Only a hint: they are ordinary
   * unpublished events, claimed with the same SKIP LOCKED rules, so any worker may still take them.
   */
  relaySoon(eventIds: string[]): void;
}

export interface OutboxConsumer {
  /** For logs. */
  readonly name: string;
  /** The event types this consumer wants. */
  readonly types: readonly DomainEventType[];
  /**
   * Consumers run in ascending order (default 0) within a batch. One that takes a lock shared by every
   * worker (hand-off's sales-team rows) runs last, so it holds that lock only until the commit right after.
   */
  readonly order?: number;
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
    if (this.consumers.includes(consumer)) return;
    this.consumers.push(consumer);
    this.consumers.sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  }

  /**
   * Relays batches until none is left (or `shouldStop`); returns how many events were published. A batch's
   * after-commit steps (queueing jobs in Redis) overlap with the next batch's transaction instead of
   * delaying it; all of them have finished when this returns.
   */
  async drain(shouldStop: () => boolean = () => false): Promise<number> {
    const limit = this.config.outbox.batch;
    let total = 0;
    let afterCommit: Promise<void> = Promise.resolve();
    const soon: string[] = [];
    try {
      while (!shouldStop()) {
        const ids = soon.length ? soon.splice(0, limit) : null;
        const batch = await this.relayOne(limit, ids);
        total += batch.claimed;
        soon.push(...batch.soon);
        const previous = afterCommit;
        afterCommit = previous.then(() => runAfterCommit(batch.tasks, this.logger));
        if (!ids && batch.claimed < limit && !soon.length) break;
      }
    } finally {
      await afterCommit;
    }
    return total;
  }

  /** Claims and publishes one batch; returns how many events were claimed. */
  async relayBatch(limit: number): Promise<number> {
    const { claimed, tasks } = await this.relayOne(limit, null);
    await runAfterCommit(tasks, this.logger);
    return claimed;
  }

  /**
   * One batch in one transaction — the oldest waiting events, or these `ids` when still unpublished — and
   * what to do after its commit: the after-commit steps and the events to relay next.
   */
  private async relayOne(limit: number, ids: string[] | null): Promise<{ claimed: number; tasks: (() => Promise<void>)[]; soon: string[] }> {
    const tasks: (() => Promise<void>)[] = [];
    const soon: string[] = [];
    try {
      const claimed = await this.db.transaction(async (m) => {
        const rows = await this.claim(m, limit, ids);
        await this.publish(m, rows, tasks, soon);
        return rows.length;
      });
      return { claimed, tasks, soon };
    } catch (err) {
      // With PostgreSQL unreachable, one by one would fail the same way: the next run tries again.
      if (isUnavailable(err)) throw err;
      this.logger.warn({ err: errorText(err) }, 'outbox batch failed; relaying its events one by one');
      return { claimed: await this.relayOneByOne(limit), tasks: [], soon: [] };
    }
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
          await noJit(m);
          const rows: OutboxRow[] = await m.query(
            `SELECT id, type, lead_id, payload, occurred_at FROM outbox_events
              WHERE id = $1 AND published_at IS NULL AND attempts < $2 FOR UPDATE SKIP LOCKED`,
            [id, this.config.outbox.maxAttempts],
          );
          await this.publish(m, rows, tasks, []);
          return rows.length;
        });
        await runAfterCommit(tasks, this.logger);
      } catch (err) {
        const [row]: { attempts: number; type: string }[] = await this.db.query(
          // Another worker may have failed it meanwhile (the list above was read before): the count stops at the limit.
          `WITH u AS (UPDATE outbox_events SET attempts = least(attempts + 1, $3), last_error = $2 WHERE id = $1 RETURNING attempts, type) SELECT * FROM u`,
          [id, errorText(err), this.config.outbox.maxAttempts],
        );
        const gaveUp = row && row.attempts >= this.config.outbox.maxAttempts;
        this.logger.error({ eventId: id, type: row?.type, attempts: row?.attempts, err: errorText(err) }, gaveUp
          ? 'outbox event failed too often and is left unpublished'
          : 'outbox event failed; it will be retried');
      }
    }
    return done;
  }

  private async claim(m: EntityManager, limit: number, ids: string[] | null): Promise<OutboxRow[]> {
    await noJit(m);
    if (ids) {
      return m.query(
        `SELECT id, type, lead_id, payload, occurred_at FROM outbox_events
          WHERE id = ANY($1::uuid[]) AND published_at IS NULL AND attempts < $2
          ORDER BY occurred_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [ids, this.config.outbox.maxAttempts, limit],
      );
    }
    return m.query(
      `SELECT id, type, lead_id, payload, occurred_at FROM outbox_events
        WHERE published_at IS NULL AND attempts < $1
        ORDER BY occurred_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [this.config.outbox.maxAttempts, limit],
    );
  }

  /**
   * Marks the rows published first — it commits (or rolls back) with the consumers' writes either way — so
   * the last consumer's locks are held only until the commit.
   */
  private async publish(m: EntityManager, rows: OutboxRow[], tasks: (() => Promise<void>)[], soon: string[]): Promise<void> {
    if (!rows.length) return;
    await m.query(`UPDATE outbox_events SET published_at = $2 WHERE id = ANY($1::uuid[])`, [rows.map((r) => r.id), this.clock.now().toISOString()]);
    const events: OutboxEvent[] = rows.map((r) => ({ id: r.id, type: r.type, leadId: r.lead_id, payload: r.payload, occurredAt: r.occurred_at }));
    const batch: OutboxBatch = { afterCommit: (task) => void tasks.push(task), relaySoon: (eventIds) => void soon.push(...eventIds) };
    for (const consumer of this.consumers) {
      const wanted = events.filter((e) => consumer.types.includes(e.type));
      if (wanted.length) await consumer.consume(m, wanted, batch);
    }
  }
}

/**
 * Turns PostgreSQL's JIT off for the rest of a relay transaction. Consumers run set-based statements over a
 * batch (e.g. a LATERAL per lead for hand-off snapshots) whose estimated cost passes jit_above_cost, and
 * compiling them costs ~150 ms a statement — far more than running them (a few ms); JIT never pays off here.
 */
async function noJit(m: EntityManager): Promise<void> {
  await m.query(`SET LOCAL jit = off`);
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
