import { MigrationInterface, QueryRunner } from 'typeorm';

const HANDOFF_UPDATED_WHEN = `OLD.lead_id IS DISTINCT FROM NEW.lead_id OR OLD.status IS DISTINCT FROM NEW.status OR OLD.value IS DISTINCT FROM NEW.value
                         OR OLD.currency IS DISTINCT FROM NEW.currency OR OLD.sla_due_at IS DISTINCT FROM NEW.sla_due_at
                         OR OLD.responded_at IS DISTINCT FROM NEW.responded_at OR OLD.created_at IS DISTINCT FROM NEW.created_at
                         OR OLD.breach_count IS DISTINCT FROM NEW.breach_count`;

/** Hand-offs closed on sales' behalf (the lead set by hand, or erased): closed_at equals the responded_at the close wrote. */
const CLOSED_ON_SALES_BEHALF = `close_reason IN ('disqualified', 'customer', 'erased')`;

/**
 * A hand-off the system closes while it waits for sales — the lead set to disqualified or customer by hand, or erased —
 * was written as answered: responded_at and responded_by set to the moment and the actor of the close, so SLA
 * compliance counted it as a sales answer (in time when the close came before the deadline) and the median response
 * time counted it too. A close is not an answer: it now records who closed it in `closed_by` (the API key that set the
 * stage, `gdpr-erasure`, or `system` for a lead that went cold) and leaves responded_at / responded_by null.
 *
 * Existing closes, recognised by their close_reason (migration 1764008400000) with the response the close wrote at the
 * moment of the close, move their actor into closed_by and lose the response; expired hand-offs get `system`. (A lead
 * set by hand before close_reason existed and erased since lost the note that recognised it: it still reads as
 * answered.) The funnel's hand-off facts (and the per-program view built on them) carry closed_at, so a hand-off closed
 * without an answer is due only when its deadline passed before the close.
 */
export class ClosuresAreNotAnswers1764009000000 implements MigrationInterface {
  name = 'ClosuresAreNotAnswers1764009000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE handoffs ADD COLUMN closed_by text`);
    await q.query(`ALTER TABLE funnel_handoff_facts ADD COLUMN closed_at timestamptz`);
    await this.functions(q, true);
    await this.trigger(q, true);
    // The trigger carries the cleared responses into the facts; closed_at is filled for every closed hand-off below.
    await q.query(
      `UPDATE handoffs SET closed_by = responded_by, responded_at = NULL, responded_by = NULL
        WHERE ${CLOSED_ON_SALES_BEHALF} AND responded_at = closed_at`,
    );
    await q.query(`UPDATE handoffs SET closed_by = 'system' WHERE close_reason = 'went_cold' AND closed_by IS NULL`);
    await q.query(`UPDATE funnel_handoff_facts f SET closed_at = h.closed_at FROM handoffs h WHERE h.id = f.handoff_id AND h.closed_at IS NOT NULL`);
    await this.programView(q, true);
  }

  async down(q: QueryRunner): Promise<void> {
    await this.programView(q, false);
    // Back to closes written as answers (the trigger carries the responses into the facts).
    await q.query(
      `UPDATE handoffs SET responded_at = closed_at, responded_by = closed_by
        WHERE ${CLOSED_ON_SALES_BEHALF} AND responded_at IS NULL AND closed_by IS NOT NULL`,
    );
    await this.trigger(q, false);
    await this.functions(q, false);
    await q.query(`ALTER TABLE funnel_handoff_facts DROP COLUMN closed_at`);
    await q.query(`ALTER TABLE handoffs DROP COLUMN closed_by`);
  }

  /** The hand-off trigger functions and the rebuild (as of migration 1764005100000), with (or, going down, without) closed_at. */
  private async functions(q: QueryRunner, withClosures: boolean): Promise<void> {
    const col = withClosures ? ', closed_at' : '';
    await q.query(`
      CREATE OR REPLACE FUNCTION funnel_handoffs_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO funnel_handoff_facts (handoff_id, lead_id, lead_created_at, channel, campaign, source, status, value, currency, sla_due_at, responded_at, created_at, breach_count${col})
        SELECT n.id, n.lead_id, l.created_at, funnel_channel(l.channel), funnel_campaign(l.source), funnel_source(l.source),
               n.status, n.value, n.currency, n.sla_due_at, n.responded_at, n.created_at, n.breach_count${withClosures ? ', n.closed_at' : ''}
          FROM new_rows n JOIN leads l ON l.id = n.lead_id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION funnel_handoff_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE funnel_handoff_facts SET status = NEW.status, value = NEW.value, currency = NEW.currency, sla_due_at = NEW.sla_due_at,
               responded_at = NEW.responded_at, created_at = NEW.created_at, breach_count = NEW.breach_count${withClosures ? ', closed_at = NEW.closed_at' : ''}
         WHERE handoff_id = NEW.id;
        IF OLD.lead_id IS DISTINCT FROM NEW.lead_id THEN
          UPDATE funnel_handoff_facts f SET lead_id = l.id, lead_created_at = l.created_at, channel = funnel_channel(l.channel),
                 campaign = funnel_campaign(l.source), source = funnel_source(l.source)
            FROM leads l WHERE l.id = NEW.lead_id AND f.handoff_id = NEW.id;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION funnel_rebuild() RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        LOCK TABLE leads IN SHARE MODE; -- no lead changes while counting
        LOCK TABLE handoffs IN SHARE MODE;
        TRUNCATE funnel_daily, funnel_daily_deltas, funnel_facts, funnel_handoff_facts;
        INSERT INTO funnel_daily
        SELECT funnel_day(created_at), funnel_channel(channel), funnel_campaign(source), funnel_source(source),
               count(*), count(mql_at), count(sql_at), count(opportunity_at), count(customer_at)
          FROM leads GROUP BY 1, 2, 3, 4;
        INSERT INTO funnel_facts (lead_id, created_at, channel, campaign, source, mql_at, sql_at)
        SELECT l.id, l.created_at, funnel_channel(l.channel), funnel_campaign(l.source), funnel_source(l.source), l.mql_at, l.sql_at
          FROM leads l WHERE l.mql_at IS NOT NULL;
        INSERT INTO funnel_handoff_facts (handoff_id, lead_id, lead_created_at, channel, campaign, source, status, value, currency, sla_due_at, responded_at, created_at, breach_count${col})
        SELECT h.id, h.lead_id, l.created_at, funnel_channel(l.channel), funnel_campaign(l.source), funnel_source(l.source),
               h.status, h.value, h.currency, h.sla_due_at, h.responded_at, h.created_at, h.breach_count${withClosures ? ', h.closed_at' : ''}
          FROM handoffs h JOIN leads l ON l.id = h.lead_id;
      END $$`);
  }

  /** The hand-off update trigger, watching (or not) closed_at. */
  private async trigger(q: QueryRunner, withClosures: boolean): Promise<void> {
    await q.query(`DROP TRIGGER funnel_handoffs_upd ON handoffs`);
    await q.query(`
      CREATE TRIGGER funnel_handoffs_upd AFTER UPDATE OF lead_id, status, value, currency, sla_due_at, responded_at, created_at, breach_count${withClosures ? ', closed_at' : ''} ON handoffs
      FOR EACH ROW WHEN (${HANDOFF_UPDATED_WHEN}${withClosures ? ' OR OLD.closed_at IS DISTINCT FROM NEW.closed_at' : ''})
      EXECUTE FUNCTION funnel_handoff_updated()`);
  }

  /** The per-program hand-off rows (migrations 1764001320000, 1764005100000), with (or without) closed_at. */
  private async programView(q: QueryRunner, withClosures: boolean): Promise<void> {
    await q.query(`DROP MATERIALIZED VIEW funnel_program_handoffs`);
    await q.query(`
      CREATE MATERIALIZED VIEW funnel_program_handoffs AS
        SELECT e.program_id, h.handoff_id, h.lead_created_at, h.status, h.value, h.currency, h.sla_due_at, h.responded_at, h.response_s, h.breach_count${withClosures ? ', h.closed_at' : ''}
          FROM (SELECT DISTINCT lead_id, program_id FROM enrollments) e JOIN funnel_handoff_facts h ON h.lead_id = e.lead_id`);
    await q.query(`CREATE UNIQUE INDEX funnel_program_handoffs_key ON funnel_program_handoffs (program_id, handoff_id)`);
  }
}
