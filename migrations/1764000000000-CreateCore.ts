import { MigrationInterface, QueryRunner } from 'typeorm';

/** API keys, leads with consent history, behaviour events, the versioned scoring model and its ledger, lifecycle history and the domain-event outbox. */
export class CreateCore1764000000000 implements MigrationInterface {
  name = 'CreateCore1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin','marketer','sales','ingest')),
        key_hash text NOT NULL UNIQUE,
        prefix text NOT NULL,
        bootstrap boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        last_used_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX api_keys_one_bootstrap ON api_keys (bootstrap) WHERE bootstrap`);

    await q.query(`
      CREATE TABLE leads (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        email_normalized text NOT NULL UNIQUE,
        first_name text,
        last_name text,
        company text,
        job_title text,
        phone text,
        locale text,
        timezone text,
        stage text NOT NULL DEFAULT 'lead'
          CHECK (stage IN ('subscriber','lead','mql','sql','opportunity','customer','recycled','disqualified')),
        channel text,
        source jsonb NOT NULL DEFAULT '{}'::jsonb,
        qualification jsonb NOT NULL DEFAULT '{}'::jsonb,
        attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
        consent_status text NOT NULL DEFAULT 'unknown' CHECK (consent_status IN ('unknown','granted','withdrawn')),
        consent_basis text,
        engagement_score double precision NOT NULL DEFAULT 0,
        engagement_as_of timestamptz NOT NULL DEFAULT now(),
        fit_score double precision NOT NULL DEFAULT 0,
        fit_contributions jsonb NOT NULL DEFAULT '[]'::jsonb,
        fit_model_version integer,
        mql_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX leads_created ON leads (created_at, id)`);
    await q.query(`CREATE INDEX leads_stage_created ON leads (stage, created_at, id)`);
    await q.query(`CREATE INDEX leads_channel_created ON leads (channel, created_at, id)`);

    await q.query(`
      CREATE TABLE consents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        lead_id uuid NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        status text NOT NULL CHECK (status IN ('granted','withdrawn')),
        basis text CHECK (basis IN ('consent','legitimate_interest')),
        text text,
        source text,
        captured_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX consents_lead ON consents (lead_id, captured_at)`);

    await q.query(`
      CREATE TABLE events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        lead_id uuid NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        type text NOT NULL,
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        properties jsonb NOT NULL DEFAULT '{}'::jsonb,
        idempotency_key text,
        machine boolean NOT NULL DEFAULT false
      )`);
    await q.query(`CREATE UNIQUE INDEX events_idempotency ON events (idempotency_key) WHERE idempotency_key IS NOT NULL`);
    await q.query(`CREATE INDEX events_lead_time ON events (lead_id, occurred_at)`);

    // Events accepted but not yet scored. Rows are deleted in the same transaction that writes their ledger rows,
    // so every accepted event is scored exactly once; events itself stays append-only.
    await q.query(`
      CREATE TABLE scoring_queue (
        event_id uuid PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
        lead_id uuid NOT NULL,
        enqueued_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX scoring_queue_lead ON scoring_queue (lead_id)`);
    await q.query(`CREATE INDEX scoring_queue_time ON scoring_queue (enqueued_at)`);

    await q.query(`
      CREATE TABLE scoring_models (
        version integer PRIMARY KEY,
        definition jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL
      )`);

    await q.query(`
      CREATE TABLE score_ledger (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        lead_id uuid NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        event_id uuid REFERENCES events(id) ON DELETE SET NULL,
        rule_id text NOT NULL,
        model_version integer NOT NULL,
        description text NOT NULL,
        points double precision NOT NULL,
        occurred_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX score_ledger_lead_time ON score_ledger (lead_id, occurred_at)`);

    await q.query(`
      CREATE TABLE stage_changes (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        lead_id uuid NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        from_stage text,
        to_stage text NOT NULL,
        actor text NOT NULL,
        reason text NOT NULL,
        event_id uuid,
        changed_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX stage_changes_lead ON stage_changes (lead_id, changed_at)`);

    await q.query(`
      CREATE TABLE outbox_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        type text NOT NULL,
        lead_id uuid,
        payload jsonb NOT NULL,
        occurred_at timestamptz NOT NULL,
        published_at timestamptz
      )`);
    await q.query(`CREATE INDEX outbox_unpublished ON outbox_events (occurred_at) WHERE published_at IS NULL`);
    await q.query(`CREATE INDEX outbox_lead_type ON outbox_events (lead_id, type)`);

    await q.query(`
      CREATE TABLE idempotency_records (
        scope text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        status_code integer,
        response jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['idempotency_records', 'outbox_events', 'stage_changes', 'score_ledger', 'scoring_models', 'scoring_queue', 'events', 'consents', 'leads', 'api_keys']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
