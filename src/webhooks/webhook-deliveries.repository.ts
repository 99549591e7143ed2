import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

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

/** What a claim returns (d: the delivery, s: its subscription, $2: now). */
const CLAIMED = `d.id, coalesce(d.message_id, d.id) AS message_id, d.subscription_id, d.event_type, d.payload, d.occurred_at, d.attempts, d.first_failed_at,
  s.url, s.secret_encrypted,
  CASE WHEN s.previous_secret_expires_at > $2 THEN s.previous_secret_encrypted END AS previous_secret_encrypted,
  CASE WHEN s.previous_secret_expires_at > $2 THEN s.previous_secret_expires_at END AS previous_secret_expires_at`;

/** Where a statement runs: the pool, or a transaction's connection. */
type Queryable = Pick<DataSource, 'query'>;

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
          RETURNING ${CLAIMED})
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
   * Takes the held delivery of an active (resumed) webhook whose event occurred first, for one attempt
   * (held → sending); null when none is left or the webhook is not active (paused again, disabled, deleted).
   */
  async claimNextHeld(subscriptionId: string, now: Date, q: Queryable = this.db): Promise<ClaimedDelivery | null> {
    const [row]: ClaimedDelivery[] = await q.query(
      `WITH next AS (
         SELECT d.id FROM webhook_deliveries d
          WHERE d.subscription_id = $1 AND d.status = 'held'
            AND EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE s.id = $1 AND s.active)
          ORDER BY d.occurred_at, d.created_at, d.id LIMIT 1 FOR UPDATE SKIP LOCKED),
       c AS (
         UPDATE webhook_deliveries d SET status = 'sending', attempts = d.attempts + 1, last_attempt_at = $2, next_attempt_at = NULL, updated_at = $2
           FROM next, webhook_subscriptions s
          WHERE d.id = next.id AND s.id = d.subscription_id
          RETURNING ${CLAIMED})
       SELECT * FROM c`,
      [subscriptionId, now.toISOString()],
    );
    return row ?? null;
  }

  /**
   * claimNextHeld once every relay batch still adding deliveries for the webhook has committed: they hold its row
   * FOR KEY SHARE until then (see WebhookFanoutConsumer), and this waits for them by taking it FOR UPDATE first, so
   * it sees a delivery such a batch held behind the drain. A batch starting meanwhile waits instead, and then sees
   * whether any delivery is still held (a new event is held only while one is). A drain ends only on this answer.
   */
  claimLastHeld(subscriptionId: string, now: Date): Promise<ClaimedDelivery | null> {
    return this.withFanoutsSettled(subscriptionId, (m) => this.claimNextHeld(subscriptionId, now, m));
  }

  /**
   * Puts an active webhook's held deliveries on the usual path (pending, due now), once every relay batch still
   * adding deliveries for it has committed (see claimLastHeld); returns them for dispatch.
   */
  async releaseHeld(subscriptionId: string, now: Date): Promise<{ id: string; attempts: number }[]> {
    return this.withFanoutsSettled(subscriptionId, (m) =>
      m.query(
        `WITH u AS (
           UPDATE webhook_deliveries d SET status = 'pending', next_attempt_at = $2, updated_at = $2
            WHERE d.subscription_id = $1 AND d.status = 'held' AND EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE s.id = $1 AND s.active)
            RETURNING d.id, d.attempts)
         SELECT * FROM u`,
        [subscriptionId, now.toISOString()],
      ),
    );
  }

  private withFanoutsSettled<T>(subscriptionId: string, work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(async (m) => {
      await m.query(`SELECT 1 FROM webhook_subscriptions WHERE id = $1 FOR UPDATE`, [subscriptionId]);
      return work(m);
    });
  }

  /** Active webhooks that still hold deliveries (resumed, and their drain has not taken them all yet). */
  async webhooksToDrain(limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT s.id FROM webhook_subscriptions s
        WHERE s.active AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.subscription_id = s.id AND d.status = 'held')
        ORDER BY s.id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.id);
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
   * Records a failed attempt: retried at `nextAttemptAt`, or abandoned when that is null — unless the webhook was
   * paused or disabled meanwhile (then the delivery is held) or deleted (cancelled). Returns the status it got, and
   * since when the subscription has been failing without a success (to decide whether to disable it). One statement.
   */
  async markFailed(
    d: ClaimedDelivery,
    now: Date,
    attempt: AttemptRecord,
    nextAttemptAt: Date | null,
  ): Promise<{ status: 'failed' | 'abandoned' | 'held' | 'cancelled'; failingSince: Date }> {
    const [row]: { status: 'failed' | 'abandoned' | 'held' | 'cancelled'; failing_since: Date | null }[] = await this.db.query(
      `WITH s AS (
         UPDATE webhook_subscriptions SET failing_since = coalesce(failing_since, $2) WHERE id = $6
         RETURNING failing_since, CASE WHEN deleted_at IS NOT NULL THEN 'cancelled' WHEN NOT active THEN 'held'
                                       WHEN $8::timestamptz IS NULL THEN 'abandoned' ELSE 'failed' END AS status),
       d AS (
         UPDATE webhook_deliveries SET status = s.status, next_attempt_at = CASE WHEN s.status = 'failed' THEN $8::timestamptz END,
                first_failed_at = coalesce(first_failed_at, $2), last_status_code = $3, last_latency_ms = $4, last_error = $7, updated_at = $2
           FROM s WHERE id = $1),
       a AS (${LOG_ATTEMPT})
       SELECT status, failing_since FROM s`,
      [d.id, now.toISOString(), attempt.statusCode, attempt.latencyMs, d.attempts, d.subscription_id, attempt.error, nextAttemptAt?.toISOString() ?? null],
    );
    return { status: row?.status ?? (nextAttemptAt ? 'failed' : 'abandoned'), failingSince: row?.failing_since ?? now };
  }

  /**
   * Disables a subscription that keeps failing. What it still had to send is held, as while paused, until it is
   * re-enabled: its waiting deliveries, and those given up after their retries during the failing spell that led
   * here (since `failing_since`, no delivery succeeded: they failed because of the same outage) unless a later
   * delivery of their message (a replay) exists. So re-enabling sends everything since the endpoint went down, in
   * the order of the events, and the log retention does not delete the first days of an outage meanwhile.
   */
  async disableSubscription(subscriptionId: string, now: Date, reason: string): Promise<boolean> {
    return this.db.transaction(async (m) => {
      const [s]: { id: string; failing_since: Date | null }[] = await m.query(
        `WITH u AS (UPDATE webhook_subscriptions SET active = false, disabled_at = $2, disabled_reason = $3, updated_at = $2
                     WHERE id = $1 AND active RETURNING id, failing_since) SELECT * FROM u`,
        [subscriptionId, now.toISOString(), reason],
      );
      if (!s) return false;
      await m.query(
        `UPDATE webhook_deliveries d SET status = 'held', next_attempt_at = NULL, updated_at = $2
          WHERE d.subscription_id = $1
            AND (d.status IN ('pending','failed')
                 OR (d.status = 'abandoned' AND d.updated_at >= $3
                     AND NOT EXISTS (SELECT 1 FROM webhook_deliveries later
                                      WHERE later.subscription_id = d.subscription_id AND later.outbox_event_id = d.outbox_event_id
                                        AND later.created_at > d.created_at)))`,
        [subscriptionId, now.toISOString(), (s.failing_since ?? now).toISOString()],
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
   * (receivers de-duplicate on webhook-id, so a second copy is harmless; a lost one is not) — held instead when
   * their webhook was paused or disabled meanwhile, cancelled when it was deleted. Returns the ones to retry now.
   */
  async releaseStuck(before: Date, now: Date): Promise<{ id: string; attempts: number }[]> {
    return this.db.query(
      `WITH u AS (
         UPDATE webhook_deliveries d
            SET status = CASE WHEN s.deleted_at IS NOT NULL THEN 'cancelled' WHEN NOT s.active THEN 'held' ELSE 'failed' END,
                next_attempt_at = CASE WHEN s.active THEN $2::timestamptz END,
                last_error = 'the worker stopped during the attempt', updated_at = $2
           FROM webhook_subscriptions s
          WHERE s.id = d.subscription_id AND d.status = 'sending' AND d.last_attempt_at < $1
          RETURNING d.id, d.attempts, d.status)
       SELECT id, attempts FROM u WHERE status = 'failed'`,
      [before.toISOString(), now.toISOString()],
    );
  }
}
