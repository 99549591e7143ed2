import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sales hand-off and signed webhooks: sales reps (round-robin counters), hand-offs (one open per lead,
 * office-hours SLA), webhook subscriptions (secret encrypted at rest), deliveries with their attempt log,
 * and the outbox relay's bookkeeping for events a consumer keeps failing on.
 */
export class CreateHandoffsAndWebhooks1764000500000 implements MigrationInterface {
  name = 'CreateHandoffsAndWebhooks1764000500000';

  async up(q: QueryRunner): Promise<void> {
    // The relay retries an event whose consumers fail; after OUTBOX_MAX_ATTEMPTS it is left for an operator.
    await q.query(`ALTER TABLE outbox_events ADD COLUMN attempts integer NOT NULL DEFAULT 0, ADD COLUMN last_error text`);
    // Every hand-off carries the lead's recent timeline, which sums each event's points from the ledger by event_id:
    // without this index that is a sequential scan of the whole ledger per event.
    await q.query(`CREATE INDEX score_ledger_event ON score_ledger (event_id) WHERE event_id IS NOT NULL`);

    await q.query(`
      CREATE TABLE sales_reps (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        email text NOT NULL,
        email_normalized text NOT NULL UNIQUE,
        active boolean NOT NULL DEFAULT true,
        locales text[] NOT NULL DEFAULT '{}',
        weight integer NOT NULL DEFAULT 1 CHECK (weight BETWEEN 0 AND 100),
        -- Hand-offs assigned in the current round-robin cycle; a change to the team starts a new cycle.
        assigned integer NOT NULL DEFAULT 0 CHECK (assigned >= 0),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX sales_reps_created ON sales_reps (created_at, id)`);

    // status: pending → accepted → opportunity → won|lost (or accepted → won|lost); pending → rejected.
    // A missed SLA is a flag (breached_at) on a pending hand-off, not a status.
    await q.query(`
      CREATE TABLE handoffs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        lead_id uuid NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','accepted','rejected','opportunity','won','lost')),
        priority text NOT NULL CHECK (priority IN ('high','medium','low')),
        reason text NOT NULL,
        trigger_event_id uuid,
        trigger_event_type text,
        outbox_event_id uuid NOT NULL,
        program_id uuid,
        enrollment_id uuid,
        step_id text,
        snapshot jsonb NOT NULL,
        owner_id uuid REFERENCES sales_reps(id) ON DELETE SET NULL,
        assigned_at timestamptz,
        sla_due_at timestamptz NOT NULL,
        breached_at timestamptz,
        breach_count integer NOT NULL DEFAULT 0,
        responded_at timestamptz,
        responded_by text,
        note text,
        reject_reason text CHECK (reject_reason IN ('no_budget','bad_fit','unreachable','duplicate','not_now','other')),
        outcome_at timestamptz,
        value numeric(16,2),
        currency text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    // Exactly one open hand-off per lead: a second MQL or program request while one is open creates nothing.
    await q.query(`CREATE UNIQUE INDEX handoffs_one_open_per_lead ON handoffs (lead_id) WHERE status IN ('pending','accepted','opportunity')`);
    await q.query(`CREATE INDEX handoffs_created ON handoffs (created_at, id)`);
    await q.query(`CREATE INDEX handoffs_owner_created ON handoffs (owner_id, created_at, id)`);
    await q.query(`CREATE INDEX handoffs_lead ON handoffs (lead_id, created_at)`);
    await q.query(`CREATE INDEX handoffs_sla_watch ON handoffs (sla_due_at) WHERE status = 'pending' AND breached_at IS NULL`);

    await q.query(`
      CREATE TABLE webhook_subscriptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        url text NOT NULL,
        events text[] NOT NULL,
        description text,
        -- The whsec_ secret, AES-256-GCM encrypted with a key derived from TRACKING_SECRET.
        secret_encrypted text NOT NULL,
        active boolean NOT NULL DEFAULT true,
        disabled_at timestamptz,
        disabled_reason text,
        failing_since timestamptz,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX webhook_subscriptions_created ON webhook_subscriptions (created_at, id)`);

    // The delivery id is the Standard Webhooks message id (webhook-id), the same on every attempt.
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subscription_id uuid NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
        outbox_event_id uuid NOT NULL,
        event_type text NOT NULL,
        payload jsonb NOT NULL,
        occurred_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sending','failed','delivered','abandoned')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        first_failed_at timestamptz,
        last_attempt_at timestamptz,
        last_status_code integer,
        last_error text,
        last_latency_ms integer,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (subscription_id, outbox_event_id)
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_log ON webhook_deliveries (subscription_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status IN ('pending','failed')`);
    await q.query(`CREATE INDEX webhook_deliveries_sending ON webhook_deliveries (last_attempt_at) WHERE status = 'sending'`);

    await q.query(`
      CREATE TABLE webhook_attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        at timestamptz NOT NULL,
        status_code integer,
        latency_ms integer,
        error text
      )`);
    await q.query(`CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['webhook_attempts', 'webhook_deliveries', 'webhook_subscriptions', 'handoffs', 'sales_reps']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
    await q.query(`DROP INDEX IF EXISTS score_ledger_event`);
    await q.query(`ALTER TABLE outbox_events DROP COLUMN IF EXISTS attempts, DROP COLUMN IF EXISTS last_error`);
  }
}
