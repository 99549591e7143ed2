import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** A delivery claimed for one attempt, with what is needed to sign and send it. */
export interface ClaimedDelivery {
  id: string;
  /** The Standard Webhooks message id (`webhook-id`): the delivery's own id, or for a replay the original's. */
  message_id: string;
  subscription_id: string;
  event_type: string;
  payload: Record<string, unknown>;
  occurred_at: Date;
  attempts: number;
  first_failed_at: Date | null;
  url: string;
  secret_encrypted: string;
  /** The secret the last rotation replaced, while its grace lasts at the claim (else null), with its end. */
  previous_secret_encrypted: string | null;
  previous_secret_expires_at: Date | null;
}

export interface AttemptRecord {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/** The attempt log row of a failed attempt: $1 delivery, $2 at, $3 status code, $4 latency, $5 attempt, $7 error. */
const LOG_ATTEMPT = `INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, latency_ms, error) VALUES ($1, $5, $2, $3, $4, $7)`;

/** How long a job may fire before its row is due by our clock (BullMQ and the clock can differ by a little). */
const EARLY_TOLERANCE_MS = 1000;

/** The SQL of webhook deliveries: claim one attempt, record how it went, find lost and stuck work. */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Takes due deliveries of active subscriptions for one attempt each (pending|failed → sending), in one
   * statement; returns one entry per id, in order: null when it is not due, already taken, finished, or its
   * subscription is disabled. Only one worker can win a row; an id asked for twice (two jobs for one
   * attempt) is handed out once.
   */
  async claimMany(ids: string[], now: Date): Promise<(ClaimedDelivery | null)[]> {
    if (!ids.length) return [];
    const rows: ClaimedDelivery[] = await this.db.query(
      `WITH c AS (
         UPDATE webhook_deliveries d SET status = 'sending', attempts = d.attempts + 1, last_attempt_at = $2, updated_at = $2
           FROM webhook_subscriptions s
          WHERE d.id = ANY($1::uuid[]) AND s.id = d.subscription_id AND s.active
            AND d.status IN ('pending','failed') AND d.next_attempt_at <= $3
          RETURNING d.id, coalesce(d.message_id, d.id) AS message_id, d.subscription_id, d.event_type, d.payload, d.occurred_at, d.attempts, d.first_failed_at, s.url, s.secret_encrypted,
                    CASE WHEN s.previous_secret_expires_at > $2 THEN s.previous_secret_encrypted END AS previous_secret_encrypted,
                    CASE WHEN s.previous_secret_expires_at > $2 THEN s.previous_secret_expires_at END AS previous_secret_expires_at)
       SELECT * FROM c`,
      [[...new Set(ids)], now.toISOString(), new Date(now.getTime() + EARLY_TOLERANCE_MS).toISOString()],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => {
      const row = byId.get(id.toLowerCase()) ?? null;
      byId.delete(id.toLowerCase());
      return row;
    });
  }

  /**
   * Records successful attempts — each with its own time and response — and clears the subscriptions'
   * failing streaks, in one statement for many deliveries.
   */
  async markManyDelivered(items: { d: ClaimedDelivery; at: Date; attempt: AttemptRecord }[]): Promise<void> {
    if (!items.length) return;
    await this.db.query(
      `WITH x AS (
         SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::int[], $4::int[], $5::int[], $6::uuid[])
           AS x(id, at, status_code, latency_ms, attempt, subscription_id)),
       d AS (
         UPDATE webhook_deliveries w SET status = 'delivered', delivered_at = x.at, next_attempt_at = NULL, last_status_code = x.status_code,
                last_latency_ms = x.latency_ms, last_error = NULL, updated_at = x.at
           FROM x WHERE w.id = x.id),
       a AS (
         INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, latency_ms, error)
         SELECT id, attempt, at, status_code, latency_ms, NULL FROM x),
       s AS (
         UPDATE webhook_subscriptions SET failing_since = NULL
          WHERE id IN (SELECT subscription_id FROM x) AND failing_since IS NOT NULL)
       SELECT 1`,
      [
        items.map((i) => i.d.id),
        items.map((i) => i.at.toISOString()),
        items.map((i) => i.attempt.statusCode),
        items.map((i) => i.attempt.latencyMs),
        items.map((i) => i.d.attempts),
        items.map((i) => i.d.subscription_id),
      ],
    );
  }

  /**
   * Records a failed attempt: retried at `nextAttemptAt`, or abandoned when that is null. Returns since when
   * the subscription has been failing without a success (to decide whether to disable it). One statement.
   */
  async markFailed(d: ClaimedDelivery, now: Date, attempt: AttemptRecord, nextAttemptAt: Date | null): Promise<Date> {
    const [row]: { failing_since: Date }[] = await this.db.query(
      `WITH d AS (
         UPDATE webhook_deliveries SET status = $8, next_attempt_at = $9, first_failed_at = coalesce(first_failed_at, $2),
                last_status_code = $3, last_latency_ms = $4, last_error = $7, updated_at = $2 WHERE id = $1),
       a AS (${LOG_ATTEMPT}),
       s AS (UPDATE webhook_subscriptions SET failing_since = coalesce(failing_since, $2) WHERE id = $6 RETURNING failing_since)
       SELECT failing_since FROM s`,
      [
        d.id,
        now.toISOString(),
        attempt.statusCode,
        attempt.latencyMs,
        d.attempts,
        d.subscription_id,
        attempt.error,
        nextAttemptAt ? 'failed' : 'abandoned',
        nextAttemptAt?.toISOString() ?? null,
      ],
    );
    return row?.failing_since ?? now;
  }

  /** Disables a subscription that keeps failing and abandons its waiting deliveries. */
  async disableSubscription(subscriptionId: string, now: Date, reason: string): Promise<boolean> {
    return this.db.transaction(async (m) => {
      const [s]: { id: string }[] = await m.query(
        `WITH u AS (UPDATE webhook_subscriptions SET active = false, disabled_at = $2, disabled_reason = $3, updated_at = $2
                     WHERE id = $1 AND active RETURNING id) SELECT * FROM u`,
        [subscriptionId, now.toISOString(), reason],
      );
      if (!s) return false;
      await m.query(
        `UPDATE webhook_deliveries SET status = 'abandoned', next_attempt_at = NULL, last_error = coalesce(last_error, $3), updated_at = $2
          WHERE subscription_id = $1 AND status IN ('pending','failed')`,
        [subscriptionId, now.toISOString(), 'subscription disabled'],
      );
      return true;
    });
  }

  /**
   * Drops the secrets replaced by rotations whose grace has ended by `now` (nothing signs with them any more),
   * so an old secret is not kept longer than needed. Returns how many were dropped.
   */
  async forgetExpiredPreviousSecrets(now: Date): Promise<number> {
    const [row]: { n: number }[] = await this.db.query(
      `WITH u AS (
         UPDATE webhook_subscriptions SET previous_secret_encrypted = NULL, previous_secret_expires_at = NULL
          WHERE previous_secret_expires_at <= $1 RETURNING 1)
       SELECT count(*)::int AS n FROM u`,
      [now.toISOString()],
    );
    return row.n;
  }

  /** Deliveries due for longer than `before` allows (their job may be lost), oldest first. */
  async overdue(before: Date, limit: number): Promise<{ id: string; attempts: number }[]> {
    return this.db.query(
      `SELECT d.id, d.attempts FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.active
        WHERE d.status IN ('pending','failed') AND d.next_attempt_at <= $1 ORDER BY d.next_attempt_at LIMIT $2`,
      [before.toISOString(), limit],
    );
  }

  /**
   * Deliveries 'sending' since before `before`: their worker stopped mid-attempt. They are retried now
   * (receivers de-duplicate on webhook-id, so a second copy is harmless; a lost one is not).
   */
  async releaseStuck(before: Date, now: Date): Promise<{ id: string; attempts: number }[]> {
    return this.db.query(
      `WITH u AS (
         UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = $2, last_error = 'the worker stopped during the attempt', updated_at = $2
          WHERE status = 'sending' AND last_attempt_at < $1 RETURNING id, attempts)
       SELECT * FROM u`,
      [before.toISOString(), now.toISOString()],
    );
  }
}
