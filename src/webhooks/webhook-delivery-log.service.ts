import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { decodeCursor, pageOf, type Page } from '../common/pagination.js';
import type { DeliveryStatus, ListDeliveriesQuery } from './dto/list-deliveries.query.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { HELD_OR_PENDING_SQL } from './webhook-hold.js';

interface DeliveryRow {
  id: string;
  message_id: string | null;
  replay_of: string | null;
  subscription_id: string;
  outbox_event_id: string;
  event_type: string;
  payload: Record<string, unknown>;
  occurred_at: Date;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  delivered_at: Date | null;
  created_at: Date;
}

export interface DeliveryView {
  /** The delivery (its attempts, log and status). */
  id: string;
  /** The Standard Webhooks message id (`webhook-id`) it carries: its own id, or for a replay the original's. */
  messageId: string;
  /** The delivery this one replays; null for a delivery made from an event. */
  replayOf: string | null;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  responseStatus: number | null;
  latencyMs: number | null;
  error: string | null;
  deliveredAt: string | null;
  occurredAt: string;
  createdAt: string;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

const view = (r: DeliveryRow): DeliveryView => ({
  id: r.id,
  messageId: r.message_id ?? r.id,
  replayOf: r.replay_of,
  webhookId: r.subscription_id,
  eventId: r.outbox_event_id,
  eventType: r.event_type,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: iso(r.next_attempt_at),
  lastAttemptAt: iso(r.last_attempt_at),
  responseStatus: r.last_status_code,
  latencyMs: r.last_latency_ms,
  error: r.last_error,
  deliveredAt: iso(r.delivered_at),
  occurredAt: r.occurred_at.toISOString(),
  createdAt: r.created_at.toISOString(),
});

/** The delivery log of a subscription (newest first), one delivery with its attempts and body, and replay. */
@Injectable()
export class WebhookDeliveryLogService {
  private readonly logger = new Logger(WebhookDeliveryLogService.name);

  constructor(
    private readonly db: DataSource,
    private readonly dispatcher: WebhookDispatcher,
    private readonly clock: Clock,
  ) {}

  async list(webhookId: string, q: ListDeliveriesQuery): Promise<Page<DeliveryView>> {
    await this.subscription(webhookId);
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['timestamp', 'uuid']);
    const rows: DeliveryRow[] = await this.db.query(
      `SELECT * FROM webhook_deliveries
        WHERE subscription_id = $1 AND ($2::text IS NULL OR status = $2)
          AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $5`,
      [webhookId, q.status ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    return pageOf(rows.map(view), limit, (d) => [d.createdAt, d.id]);
  }

  async get(webhookId: string, deliveryId: string) {
    const row = await this.delivery(webhookId, deliveryId);
    const attempts: { attempt: number; at: Date; status_code: number | null; latency_ms: number | null; error: string | null }[] = await this.db.query(
      `SELECT attempt, at, status_code, latency_ms, error FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt, id`,
      [deliveryId],
    );
    return {
      ...view(row),
      body: { type: row.event_type, timestamp: row.occurred_at.toISOString(), data: row.payload },
      attemptLog: attempts.map((a) => ({ attempt: a.attempt, at: a.at.toISOString(), responseStatus: a.status_code, latencyMs: a.latency_ms, error: a.error })),
    };
  }

  /**
   * Replays a delivery: a new delivery of the same message (same webhook-id and body, signed afresh at send time),
   * due now, with its own attempts and log, retried on the usual schedule (backoff, up to three days) while the
   * receiver fails. A delivery of the same message still waiting (the original or an earlier replay) is cancelled:
   * the replay takes over, so the message is not sent twice over. While the webhook is paused the replay is held
   * and goes out on resume, in its event's place. Refused (409) while a delivery of the message is being
   * attempted, and while the webhook is disabled for failing. Returns the new delivery.
   */
  async retry(webhookId: string, deliveryId: string): Promise<DeliveryView> {
    const now = this.clock.now().toISOString();
    const replayId = randomUUID();
    const { row, draining } = await this.db.transaction(async (m) => {
      const [s]: { active: boolean; paused: boolean }[] = await m.query(
        `SELECT active, paused_at IS NOT NULL AS paused FROM webhook_subscriptions WHERE id = $1 AND deleted_at IS NULL FOR SHARE`,
        [webhookId],
      );
      if (!s) throw DomainError.notFound('Webhook', webhookId);
      if (!s.active && !s.paused) throw DomainError.conflict('The webhook is disabled; enable it (PATCH active: true) before replaying deliveries.');
      const [d]: DeliveryRow[] = await m.query(`SELECT * FROM webhook_deliveries WHERE id = $1 AND subscription_id = $2`, [deliveryId, webhookId]);
      if (!d) throw DomainError.notFound('Delivery', deliveryId);
      // Every delivery of the message: locked first (a concurrent replay waits here), then read again, so a replay
      // committed meanwhile is seen and taken over rather than doubled.
      const sameMessage = [webhookId, d.outbox_event_id];
      await m.query(`SELECT 1 FROM webhook_deliveries WHERE subscription_id = $1 AND outbox_event_id = $2 ORDER BY id FOR UPDATE`, sameMessage);
      const siblings: { id: string; status: DeliveryStatus }[] = await m.query(
        `SELECT id, status FROM webhook_deliveries WHERE subscription_id = $1 AND outbox_event_id = $2`,
        sameMessage,
      );
      if (siblings.some((x) => x.status === 'sending')) {
        throw DomainError.conflict('A delivery of this message is being attempted right now; replay it once that attempt is logged.');
      }
      await m.query(
        `UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, last_error = $4, updated_at = $3
          WHERE subscription_id = $1 AND outbox_event_id = $2 AND status IN ('pending','failed','held')`,
        [...sameMessage, now, `replaced by the replay ${replayId}`],
      );
      const [u]: DeliveryRow[] = await m.query(
        `INSERT INTO webhook_deliveries (id, message_id, replay_of, subscription_id, outbox_event_id, event_type, payload, occurred_at,
                                         status, next_attempt_at, created_at, updated_at)
         SELECT $1, coalesce(d.message_id, d.id), d.id, d.subscription_id, d.outbox_event_id, d.event_type, d.payload, d.occurred_at,
                h.status, CASE WHEN h.status = 'pending' THEN $3::timestamptz END, $3, $3
           FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
          CROSS JOIN LATERAL (SELECT ${HELD_OR_PENDING_SQL('s')} AS status) h
          WHERE d.id = $2
         RETURNING *`,
        [replayId, d.id, now],
      );
      return { row: u, draining: u.status === 'held' && s.active };
    });
    // A pending replay is due now: if Redis does not take the job, the webhook sweep queues it once it can.
    const queued = row.status === 'pending' ? this.dispatcher.dispatch([{ id: row.id, attempts: 0 }]) : draining ? this.dispatcher.drain([webhookId]) : null;
    await queued?.catch((err: unknown) => {
      this.logger.warn({ deliveryId: row.id, err: String(err) }, 'could not queue the replay; the webhook sweep will');
    });
    return view(row);
  }

  private async subscription(id: string): Promise<void> {
    const [s] = await this.db.query(`SELECT 1 FROM webhook_subscriptions WHERE id = $1 AND deleted_at IS NULL`, [id]);
    if (!s) throw DomainError.notFound('Webhook', id);
  }

  private async delivery(webhookId: string, deliveryId: string): Promise<DeliveryRow> {
    await this.subscription(webhookId);
    const [d]: DeliveryRow[] = await this.db.query(`SELECT * FROM webhook_deliveries WHERE id = $1 AND subscription_id = $2`, [deliveryId, webhookId]);
    if (!d) throw DomainError.notFound('Delivery', deliveryId);
    return d;
  }
}
