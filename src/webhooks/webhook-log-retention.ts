import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/** What one retention pass deleted. */
export interface WebhookRetentionResult {
  /** Finished deliveries, each with its attempt log. */
  deliveries: number;
  /** Relayed outbox events (their payloads) that no delivery refers to any more. */
  outboxEvents: number;
  /** Deleted webhooks (tombstones) with no delivery left. */
  webhooks: number;
}

/** Finished deliveries past the cutoff ($1), oldest first, at most $2, skipping rows another process holds. */
const DELETE_FINISHED_DELIVERIES = `
  WITH doomed AS (
    SELECT id FROM webhook_deliveries WHERE status IN ('delivered','abandoned','cancelled') AND updated_at < $1
     ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED),
  gone AS (DELETE FROM webhook_deliveries w USING doomed WHERE w.id = doomed.id RETURNING 1)
  SELECT count(*)::int AS n FROM gone`;

/**
 * Outbox events relayed before the cutoff whose deliveries are all gone (one still held or retrying keeps its
 * event: a lead's export and erasure find deliveries through it).
 */
const DELETE_RELAYED_EVENTS = `
  WITH doomed AS (
    SELECT o.id FROM outbox_events o
     WHERE o.published_at < $1 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.outbox_event_id = o.id)
     ORDER BY o.published_at LIMIT $2 FOR UPDATE SKIP LOCKED),
  gone AS (DELETE FROM outbox_events e USING doomed WHERE e.id = doomed.id RETURNING 1)
  SELECT count(*)::int AS n FROM gone`;

const DELETE_TOMBSTONES = `
  WITH gone AS (
    DELETE FROM webhook_subscriptions s
     WHERE s.deleted_at < $1 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.subscription_id = s.id)
    RETURNING 1)
  SELECT count(*)::int AS n FROM gone`;

/**
 * Retention of what webhooks keep about leads (WEBHOOK_LOG_RETENTION_DAYS): deliveries that finished before the
 * cutoff — delivered, abandoned or cancelled — are deleted with their attempt logs (bodies included), then the
 * relayed outbox events no delivery needs any more, then the tombstones of deleted webhooks with nothing left.
 * Held, waiting and retrying deliveries are kept whatever their age (a webhook paused or disabled for months sends
 * all it held once it is resumed or re-enabled; deleting it cancels them, and they go a retention later). In
 * batches, each its own statement, whose rows are claimed with SKIP LOCKED: several worker processes can sweep at
 * once, each deleting other rows.
 */
@Injectable()
export class WebhookLogRetention {
  constructor(
    private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Records that finished before this are deleted; null when retention is off (0 days). */
  cutoff(now: Date): Date | null {
    const keep = this.config.webhooks.logRetentionMs;
    return keep > 0 ? new Date(now.getTime() - keep) : null;
  }

  async sweep(now: Date, batch: number, shouldStop: () => boolean = () => false): Promise<WebhookRetentionResult> {
    const cutoff = this.cutoff(now);
    if (!cutoff) return { deliveries: 0, outboxEvents: 0, webhooks: 0 };
    const deliveries = await this.inBatches(DELETE_FINISHED_DELIVERIES, cutoff, batch, shouldStop);
    const outboxEvents = await this.inBatches(DELETE_RELAYED_EVENTS, cutoff, batch, shouldStop);
    const [{ n: webhooks }]: { n: number }[] = shouldStop() ? [{ n: 0 }] : await this.db.query(DELETE_TOMBSTONES, [cutoff.toISOString()]);
    return { deliveries, outboxEvents, webhooks };
  }

  private async inBatches(sql: string, cutoff: Date, batch: number, shouldStop: () => boolean): Promise<number> {
    let total = 0;
    while (!shouldStop()) {
      const [{ n }]: { n: number }[] = await this.db.query(sql, [cutoff.toISOString(), batch]);
      total += n;
      if (n < batch) break;
    }
    return total;
  }
}
