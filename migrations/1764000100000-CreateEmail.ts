import { MigrationInterface, QueryRunner } from 'typeorm';

/** Email templates (immutable versions), messages with their delivery state machine, opens/clicks, and the suppression list. */
export class CreateEmail1764000100000 implements MigrationInterface {
  name = 'CreateEmail1764000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE templates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        default_locale text NOT NULL,
        current_version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        archived_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE template_versions (
        template_id uuid NOT NULL REFERENCES templates(id) ON DELETE CASCADE,
        version integer NOT NULL,
        variants jsonb NOT NULL,   -- source per locale: {subject, mjml}
        compiled jsonb NOT NULL,   -- per locale: the compiled template (HTML with Handlebars, subject, text), built once
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        PRIMARY KEY (template_id, version)
      )`);

    await q.query(`
      CREATE TABLE email_messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        idempotency_key text NOT NULL UNIQUE,
        kind text NOT NULL CHECK (kind IN ('nurture','test')),
        lead_id uuid REFERENCES leads(id) ON DELETE SET NULL,
        to_address text,
        template_id uuid,
        template_version integer,
        locale text,
        enrollment_id uuid,
        step_id text,
        variant text,
        status text NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued','sending','sent','failed','suppressed','held')),
        status_reason text,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        subject text,
        links jsonb NOT NULL DEFAULT '[]'::jsonb,
        smtp_message_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sending_at timestamptz,
        sent_at timestamptz,
        failed_at timestamptz
      )`);
    await q.query(`CREATE INDEX email_messages_lead_sent ON email_messages (lead_id, sent_at) WHERE kind = 'nurture'`);
    await q.query(`CREATE INDEX email_messages_status ON email_messages (status, created_at) WHERE status IN ('queued','sending')`);
    await q.query(`CREATE INDEX email_messages_enrollment ON email_messages (enrollment_id, step_id)`);

    await q.query(`
      CREATE TABLE email_interactions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        message_id uuid NOT NULL REFERENCES email_messages(id) ON DELETE CASCADE,
        lead_id uuid REFERENCES leads(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('open','click')),
        link_index integer,
        url text,
        machine boolean NOT NULL,
        reason text NOT NULL,
        user_agent text,
        ip text,
        occurred_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX email_interactions_message ON email_interactions (message_id, kind)`);
    await q.query(`CREATE INDEX email_interactions_lead ON email_interactions (lead_id, occurred_at)`);

    // Addresses that must never be mailed again. Keyed by a hash of the normalised address so an
    // erased lead stays suppressed without keeping the address itself.
    await q.query(`
      CREATE TABLE suppressions (
        email_hash text PRIMARY KEY,
        lead_id uuid REFERENCES leads(id) ON DELETE SET NULL,
        reason text NOT NULL CHECK (reason IN ('unsubscribed','hard_bounce','complaint','consent_withdrawn','erased','manual')),
        source text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['suppressions', 'email_interactions', 'email_messages', 'template_versions', 'templates']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
