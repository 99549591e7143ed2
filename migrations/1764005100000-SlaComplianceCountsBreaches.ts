import { MigrationInterface, QueryRunner } from 'typeorm';

const HANDOFF_UPDATED_WHEN = `OLD.lead_id IS DISTINCT FROM NEW.lead_id OR OLD.status IS DISTINCT FROM NEW.status OR OLD.value IS DISTINCT FROM NEW.value
                         OR OLD.currency IS DISTINCT FROM NEW.currency OR OLD.sla_due_at IS DISTINCT FROM NEW.sla_due_at
                         OR OLD.responded_at IS DISTINCT FROM NEW.responded_at OR OLD.created_at IS DISTINCT FROM NEW.created_at`;

/**
 * SLA compliance counted a hand-off as answered in time when the answer came before its *current* deadline.
 * A hand-off whose SLA was missed and that was then given to another rep gets a fresh deadline and loses its
 * breach flag (so a second miss is flagged again): answered within that second deadline, it counted as in
 * time, and while waiting it was not even due. The funnel's hand-off facts (and the per-program view built
 * on them) now carry the hand-off's breach count, so a hand-off that ever missed its SLA counts as due and missed.
 */
export class SlaComplianceCountsBreaches1764005100000 implements MigrationInterface {
  name = 'SlaComplianceCountsBreaches1764005100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE funnel_handoff_facts ADD COLUMN breach_count int NOT NULL DEFAULT 0`);
    await q.query(`UPDATE funnel_handoff_facts f SET breach_count = h.breach_count FROM handoffs h WHERE h.id = f.handoff_id AND h.breach_count <> 0`);
    await this.functions(q, true);
    await q.query(`DROP TRIGGER funnel_handoffs_upd ON handoffs`);
    await q.query(`
      CREATE TRIGGER funnel_handoffs_upd AFTER UPDATE OF lead_id, status, value, currency, sla_due_at, responded_at, created_at, breach_count ON handoffs
      FOR EACH ROW WHEN (${HANDOFF_UPDATED_WHEN} OR OLD.breach_count IS DISTINCT FROM NEW.breach_count)
      EXECUTE FUNCTION funnel_handoff_updated()`);
    await this.programView(q, true);
  }

  async down(q: QueryRunner): Promise<void> {
    await this.programView(q, false);
    await q.query(`DROP TRIGGER funnel_handoffs_upd ON handoffs`);
    await q.query(`
      CREATE TRIGGER funnel_handoffs_upd AFTER UPDATE OF lead_id, status, value, currency, sla_due_at, responded_at, created_at ON handoffs
      FOR EACH ROW WHEN (${HANDOFF_UPDATED_WHEN})
      EXECUTE FUNCTION funnel_handoff_updated()`);
    await this.functions(q, false);
    await q.query(`ALTER TABLE funnel_handoff_facts DROP COLUMN breach_count`);
  }

  /** The hand-off trigger functions and the rebuild, with (or, going down, without) the breach count. */
  private async functions(q: QueryRunner, withBreaches: boolean): Promise<void> {
    const col = withBreaches ? ', breach_count' : '';
    const set = withBreaches ? ', breach_count = NEW.breach_count' : '';
    await q.query(`
      CREATE OR REPLACE FUNCTION funnel_handoffs_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO funnel_handoff_facts (handoff_id, lead_id, lead_created_at, channel, campaign, source, status, value, currency, sla_due_at, responded_at, created_at${col})
        SELECT n.id, n.lead_id, l.created_at, funnel_channel(l.channel), funnel_campaign(l.source), funnel_source(l.source),
               n.status, n.value, n.currency, n.sla_due_at, n.responded_at, n.created_at${withBreaches ? ', n.breach_count' : ''}
          FROM new_rows n JOIN leads l ON l.id = n.lead_id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION funnel_handoff_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE funnel_handoff_facts SET status = NEW.status, value = NEW.value, currency = NEW.currency, sla_due_at = NEW.sla_due_at,
               responded_at = NEW.responded_at, created_at = NEW.created_at${set}
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
        INSERT INTO funnel_handoff_facts (handoff_id, lead_id, lead_created_at, channel, campaign, source, status, value, currency, sla_due_at, responded_at, created_at${col})
        SELECT h.id, h.lead_id, l.created_at, funnel_channel(l.channel), funnel_campaign(l.source), funnel_source(l.source),
               h.status, h.value, h.currency, h.sla_due_at, h.responded_at, h.created_at${withBreaches ? ', h.breach_count' : ''}
          FROM handoffs h JOIN leads l ON l.id = h.lead_id;
      END $$`);
  }

  /** The per-program hand-off rows (migration 1764001320000), with (or without) the breach count. */
  private async programView(q: QueryRunner, withBreaches: boolean): Promise<void> {
    await q.query(`DROP MATERIALIZED VIEW funnel_program_handoffs`);
    await q.query(`
      CREATE MATERIALIZED VIEW funnel_program_handoffs AS
        SELECT e.program_id, h.handoff_id, h.lead_created_at, h.status, h.value, h.currency, h.sla_due_at, h.responded_at, h.response_s${withBreaches ? ', h.breach_count' : ''}
          FROM (SELECT DISTINCT lead_id, program_id FROM enrollments) e JOIN funnel_handoff_facts h ON h.lead_id = e.lead_id`);
    await q.query(`CREATE UNIQUE INDEX funnel_program_handoffs_key ON funnel_program_handoffs (program_id, handoff_id)`);
  }
}
