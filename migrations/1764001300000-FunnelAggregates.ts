import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pre-aggregated funnel, so the funnel stays fast with millions of leads (issue #6):
 *
 * - `funnel_daily`: per lead-creation day (UTC) and grouping keys (channel, campaign, UTM source), how many
 *   leads were created and how many of them reached mql / sql / opportunity / customer. Triggers on `leads`
 *   append signed changes to `funnel_daily_deltas` (append-only: concurrent lead writes never wait on a hot
 *   counter row); `funnel_compact()` folds the deltas into `funnel_daily`. Readers sum both tables in one
 *   statement, so a compaction running at the same moment never makes a lead count twice or not at all.
 * - `funnel_facts`: a narrow copy of the leads with mql_at, for the exact medians (time to MQL, MQL→SQL),
 *   which cannot be summed per day: the medians read the MQL leads of the period, not every lead.
 * - `funnel_handoff_facts`: a narrow copy of each hand-off with its lead's creation time and grouping keys,
 *   so revenue and SLA figures need no join with leads.
 *
 * Kept by triggers (not by application code) so that every writer — stage changes, lead edits, merges,
 * imports, erasure, retention, tests writing SQL — keeps them exact. `funnel_rebuild()` recomputes both
 * from scratch (used here for existing data; safe to run again by hand).
 */
export class FunnelAggregates1764001300000 implements MigrationInterface {
  name = 'FunnelAggregates1764001300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE funnel_daily (
        day date NOT NULL,
        channel text NOT NULL,
        campaign text NOT NULL,
        source text NOT NULL,
        leads bigint NOT NULL,
        mql bigint NOT NULL,
        sql bigint NOT NULL,
        opportunity bigint NOT NULL,
        won bigint NOT NULL,
        PRIMARY KEY (day, channel, campaign, source)
      )`);
    await q.query(`
      CREATE TABLE funnel_daily_deltas (
        day date NOT NULL,
        channel text NOT NULL,
        campaign text NOT NULL,
        source text NOT NULL,
        leads integer NOT NULL,
        mql integer NOT NULL,
        sql integer NOT NULL,
        opportunity integer NOT NULL,
        won integer NOT NULL
      )`);
    await q.query(`
      CREATE TABLE funnel_facts (
        lead_id uuid PRIMARY KEY REFERENCES leads(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        channel text NOT NULL,
        campaign text NOT NULL,
        source text NOT NULL,
        mql_at timestamptz NOT NULL,
        sql_at timestamptz,
        -- the durations the medians sort, computed once on write exactly as the funnel query used to
        s_to_mql float8 GENERATED ALWAYS AS (extract(epoch FROM mql_at - created_at)::float8) STORED,
        s_mql_to_sql float8 GENERATED ALWAYS AS (CASE WHEN sql_at >= mql_at THEN extract(epoch FROM sql_at - mql_at)::float8 END) STORED
      )`);
    await q.query(`CREATE INDEX funnel_facts_created ON funnel_facts (created_at)`);
    await q.query(`
      CREATE TABLE funnel_handoff_facts (
        handoff_id uuid PRIMARY KEY REFERENCES handoffs(id) ON DELETE CASCADE,
        lead_id uuid NOT NULL,
        lead_created_at timestamptz NOT NULL,
        channel text NOT NULL,
        campaign text NOT NULL,
        source text NOT NULL,
        status text NOT NULL,
        value numeric(16,2),
        currency text,
        sla_due_at timestamptz NOT NULL,
        responded_at timestamptz,
        created_at timestamptz NOT NULL,
        response_s float8 GENERATED ALWAYS AS (extract(epoch FROM responded_at - created_at)::float8) STORED
      )`);
    await q.query(`CREATE INDEX funnel_handoff_facts_lead ON funnel_handoff_facts (lead_id)`);
    await q.query(`CREATE INDEX funnel_handoff_facts_lead_created ON funnel_handoff_facts (lead_created_at)`);

    // The grouping keys, exactly as the funnel has always computed them from a lead row.
    await q.query(`CREATE FUNCTION funnel_channel(channel text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT coalesce(channel, 'unknown') $$`);
    await q.query(`CREATE FUNCTION funnel_campaign(source jsonb) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT coalesce(source->>'campaign', 'unknown') $$`);
    await q.query(`CREATE FUNCTION funnel_source(source jsonb) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT coalesce(source->'utm'->>'source', 'unknown') $$`);
    await q.query(`CREATE FUNCTION funnel_day(at timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (at AT TIME ZONE 'UTC')::date $$`);

    // Statement-level with transition tables: a bulk insert or delete writes one delta per group, not per lead.
    await q.query(`
      CREATE FUNCTION funnel_leads_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO funnel_daily_deltas
        SELECT funnel_day(n.created_at), funnel_channel(n.channel), funnel_campaign(n.source), funnel_source(n.source),
               count(*), count(n.mql_at), count(n.sql_at), count(n.opportunity_at), count(n.customer_at)
          FROM new_rows n GROUP BY 1, 2, 3, 4;
        INSERT INTO funnel_facts (lead_id, created_at, channel, campaign, source, mql_at, sql_at)
        SELECT n.id, n.created_at, funnel_channel(n.channel), funnel_campaign(n.source), funnel_source(n.source), n.mql_at, n.sql_at
          FROM new_rows n WHERE n.mql_at IS NOT NULL;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION funnel_leads_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO funnel_daily_deltas
        SELECT funnel_day(o.created_at), funnel_channel(o.channel), funnel_campaign(o.source), funnel_source(o.source),
               -count(*), -count(o.mql_at), -count(o.sql_at), -count(o.opportunity_at), -count(o.customer_at)
          FROM old_rows o GROUP BY 1, 2, 3, 4;
        RETURN NULL; -- funnel_facts rows go with the lead (ON DELETE CASCADE)
      END $$`);
    // Row-level for updates: the WHEN clause skips the frequent updates that touch nothing the funnel reads
    // (scores, consent, profile) without even calling the function.
    await q.query(`
      CREATE FUNCTION funnel_lead_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO funnel_daily_deltas VALUES
          (funnel_day(OLD.created_at), funnel_channel(OLD.channel), funnel_campaign(OLD.source), funnel_source(OLD.source), -1,
           -(OLD.mql_at IS NOT NULL)::int, -(OLD.sql_at IS NOT NULL)::int, -(OLD.opportunity_at IS NOT NULL)::int, -(OLD.customer_at IS NOT NULL)::int),
          (funnel_day(NEW.created_at), funnel_channel(NEW.channel), funnel_campaign(NEW.source), funnel_source(NEW.source), 1,
           (NEW.mql_at IS NOT NULL)::int, (NEW.sql_at IS NOT NULL)::int, (NEW.opportunity_at IS NOT NULL)::int, (NEW.customer_at IS NOT NULL)::int);
        IF NEW.mql_at IS NOT NULL THEN
          INSERT INTO funnel_facts (lead_id, created_at, channel, campaign, source, mql_at, sql_at) VALUES (NEW.id, NEW.created_at, funnel_channel(NEW.channel), funnel_campaign(NEW.source), funnel_source(NEW.source), NEW.mql_at, NEW.sql_at)
          ON CONFLICT (lead_id) DO UPDATE SET created_at = excluded.created_at, channel = excluded.channel, campaign = excluded.campaign,
            source = excluded.source, mql_at = excluded.mql_at, sql_at = excluded.sql_at;
        ELSIF OLD.mql_at IS NOT NULL THEN
          DELETE FROM funnel_facts WHERE lead_id = NEW.id;
        END IF;
        IF OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.channel IS DISTINCT FROM NEW.channel OR OLD.source IS DISTINCT FROM NEW.source THEN
          UPDATE funnel_handoff_facts SET lead_created_at = NEW.created_at, channel = funnel_channel(NEW.channel),
                 campaign = funnel_campaign(NEW.source), source = funnel_source(NEW.source)
           WHERE lead_id = NEW.id;
        END IF;
        RETURN NULL;
      END $$`);
    // Hand-offs: their facts carry the lead's keys (read once here, kept by funnel_lead_updated) and the
    // columns the KPIs read (kept by funnel_handoff_updated; SLA sweeps touch none of them).
    await q.query(`
      CREATE FUNCTION funnel_handoffs_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO funnel_handoff_facts (handoff_id, lead_id, lead_created_at, channel, campaign, source, status, value, currency, sla_due_at, responded_at, created_at)
        SELECT n.id, n.lead_id, l.created_at, funnel_channel(l.channel), funnel_campaign(l.source), funnel_source(l.source),
               n.status, n.value, n.currency, n.sla_due_at, n.responded_at, n.created_at
          FROM new_rows n JOIN leads l ON l.id = n.lead_id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION funnel_handoff_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE funnel_handoff_facts SET status = NEW.status, value = NEW.value, currency = NEW.currency, sla_due_at = NEW.sla_due_at,
               responded_at = NEW.responded_at, created_at = NEW.created_at
         WHERE handoff_id = NEW.id;
        IF OLD.lead_id IS DISTINCT FROM NEW.lead_id THEN
          UPDATE funnel_handoff_facts f SET lead_id = l.id, lead_created_at = l.created_at, channel = funnel_channel(l.channel),
                 campaign = funnel_campaign(l.source), source = funnel_source(l.source)
            FROM leads l WHERE l.id = NEW.lead_id AND f.handoff_id = NEW.id;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION funnel_leads_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE funnel_daily, funnel_daily_deltas;
        RETURN NULL;
      END $$`);

    await q.query(`CREATE TRIGGER funnel_leads_ins AFTER INSERT ON leads REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION funnel_leads_inserted()`);
    await q.query(`CREATE TRIGGER funnel_leads_del AFTER DELETE ON leads REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION funnel_leads_deleted()`);
    await q.query(`
      CREATE TRIGGER funnel_leads_upd AFTER UPDATE OF created_at, channel, source, mql_at, sql_at, opportunity_at, customer_at ON leads
      FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.channel IS DISTINCT FROM NEW.channel
                         OR OLD.source IS DISTINCT FROM NEW.source OR OLD.mql_at IS DISTINCT FROM NEW.mql_at
                         OR OLD.sql_at IS DISTINCT FROM NEW.sql_at OR OLD.opportunity_at IS DISTINCT FROM NEW.opportunity_at
                         OR OLD.customer_at IS DISTINCT FROM NEW.customer_at)
      EXECUTE FUNCTION funnel_lead_updated()`);
    await q.query(`CREATE TRIGGER funnel_leads_trunc AFTER TRUNCATE ON leads FOR EACH STATEMENT EXECUTE FUNCTION funnel_leads_truncated()`);
    await q.query(`CREATE TRIGGER funnel_handoffs_ins AFTER INSERT ON handoffs REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION funnel_handoffs_inserted()`);
    await q.query(`
      CREATE TRIGGER funnel_handoffs_upd AFTER UPDATE OF lead_id, status, value, currency, sla_due_at, responded_at, created_at ON handoffs
      FOR EACH ROW WHEN (OLD.lead_id IS DISTINCT FROM NEW.lead_id OR OLD.status IS DISTINCT FROM NEW.status OR OLD.value IS DISTINCT FROM NEW.value
                         OR OLD.currency IS DISTINCT FROM NEW.currency OR OLD.sla_due_at IS DISTINCT FROM NEW.sla_due_at
                         OR OLD.responded_at IS DISTINCT FROM NEW.responded_at OR OLD.created_at IS DISTINCT FROM NEW.created_at)
      EXECUTE FUNCTION funnel_handoff_updated()`);

    // Folds the deltas into the daily rows. One compactor at a time (the others skip: the readers sum both
    // tables anyway). DELETE … RETURNING only takes deltas committed before it started; later ones wait for the next run.
    await q.query(`
      CREATE FUNCTION funnel_compact() RETURNS bigint LANGUAGE plpgsql AS $$
      DECLARE folded bigint;
      BEGIN
        IF NOT pg_try_advisory_xact_lock(hashtext('funnel_compact')) THEN RETURN 0; END IF;
        WITH moved AS (DELETE FROM funnel_daily_deltas RETURNING *),
             grouped AS (SELECT day, channel, campaign, source, sum(leads) AS leads, sum(mql) AS mql, sum(sql) AS sql,
                                sum(opportunity) AS opportunity, sum(won) AS won, count(*) AS n
                           FROM moved GROUP BY day, channel, campaign, source),
             upserted AS (
               INSERT INTO funnel_daily SELECT day, channel, campaign, source, leads, mql, sql, opportunity, won FROM grouped
               ON CONFLICT (day, channel, campaign, source) DO UPDATE SET
                 leads = funnel_daily.leads + excluded.leads, mql = funnel_daily.mql + excluded.mql, sql = funnel_daily.sql + excluded.sql,
                 opportunity = funnel_daily.opportunity + excluded.opportunity, won = funnel_daily.won + excluded.won)
        SELECT coalesce(sum(n), 0) INTO folded FROM grouped;
        RETURN folded;
      END $$`);
    await q.query(`
      CREATE FUNCTION funnel_rebuild() RETURNS void LANGUAGE plpgsql AS $$
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
        INSERT INTO funnel_handoff_facts (handoff_id, lead_id, lead_created_at, channel, campaign, source, status, value, currency, sla_due_at, responded_at, created_at)
        SELECT h.id, h.lead_id, l.created_at, funnel_channel(l.channel), funnel_campaign(l.source), funnel_source(l.source),
               h.status, h.value, h.currency, h.sla_due_at, h.responded_at, h.created_at
          FROM handoffs h JOIN leads l ON l.id = h.lead_id;
      END $$`);
    await q.query(`SELECT funnel_rebuild()`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['funnel_handoffs_ins', 'funnel_handoffs_upd']) await q.query(`DROP TRIGGER IF EXISTS ${t} ON handoffs`);
    for (const t of ['funnel_leads_ins', 'funnel_leads_del', 'funnel_leads_upd', 'funnel_leads_trunc']) await q.query(`DROP TRIGGER IF EXISTS ${t} ON leads`);
    await q.query(`DROP TABLE IF EXISTS funnel_handoff_facts, funnel_facts, funnel_daily_deltas, funnel_daily`);
    for (const f of ['funnel_rebuild()', 'funnel_compact()', 'funnel_leads_truncated()', 'funnel_handoff_updated()', 'funnel_handoffs_inserted()', 'funnel_lead_updated()', 'funnel_leads_deleted()', 'funnel_leads_inserted()', 'funnel_day(timestamptz)', 'funnel_source(jsonb)', 'funnel_campaign(jsonb)', 'funnel_channel(text)']) {
      await q.query(`DROP FUNCTION IF EXISTS ${f}`);
    }
  }
}
