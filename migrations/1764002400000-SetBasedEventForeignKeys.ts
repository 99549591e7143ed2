import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The foreign keys of events and score_ledger become set-based checks with the same guarantees.
 *
 * Ingestion writes an event and one or two ledger rows per accepted event; their three foreign keys
 * ran a lookup per row through the trigger machinery, and the ledger's key to events also locked
 * each event row just inserted (a WAL record per row). Here one statement-level trigger per INSERT
 * statement checks the distinct referenced rows at once and fails with `foreign_key_violation` if
 * any is missing:
 *
 * - events.lead_id → leads: the referenced leads are locked FOR KEY SHARE, as the foreign key did
 *   (ingestion already holds them FOR NO KEY UPDATE, so that costs it no second lock);
 * - score_ledger.lead_id → leads: checked without a second lock, because the only writer of the
 *   ledger (scoring) holds the lead's row lock FOR NO KEY UPDATE until it commits;
 * - score_ledger.event_id → events: checked (when not null) without a lock: ledger rows are written
 *   with or right after their events, which are only deleted by retention, years later.
 *
 * The referencing columns cannot change afterwards. Deleting leads deletes their events and ledger
 * rows (the former ON DELETE CASCADE), and deleting events clears event_id on their ledger rows (the
 * former ON DELETE SET NULL), each once per statement.
 */
export class SetBasedEventForeignKeys1764002400000 implements MigrationInterface {
  name = 'SetBasedEventForeignKeys1764002400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE events DROP CONSTRAINT events_lead_id_fkey`);
    await q.query(`ALTER TABLE score_ledger DROP CONSTRAINT score_ledger_lead_id_fkey`);
    await q.query(`ALTER TABLE score_ledger DROP CONSTRAINT score_ledger_event_id_fkey`);

    await q.query(`CREATE FUNCTION events_leads_exist() ${EVENTS_LEADS_EXIST_BODY}`);
    await q.query(`
      CREATE TRIGGER events_lead_exists AFTER INSERT ON events
        REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION events_leads_exist()`);

    await q.query(`CREATE FUNCTION score_ledger_refs_exist() ${SCORE_LEDGER_REFS_EXIST_BODY}`);
    await q.query(`
      CREATE TRIGGER score_ledger_refs_exist AFTER INSERT ON score_ledger
        REFERENCING NEW TABLE AS new_ledger FOR EACH STATEMENT EXECUTE FUNCTION score_ledger_refs_exist()`);

    // Keys never change (no code changes them; this makes sure of it). event_id may still be cleared.
    await q.query(`
      CREATE FUNCTION event_refs_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'update of %: % never changes', TG_TABLE_NAME, TG_ARGV[0]
          USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME;
      END $$`);
    await q.query(`
      CREATE TRIGGER events_lead_fixed BEFORE UPDATE OF lead_id ON events FOR EACH ROW
        WHEN (OLD.lead_id IS DISTINCT FROM NEW.lead_id) EXECUTE FUNCTION event_refs_fixed('lead_id')`);
    await q.query(`
      CREATE TRIGGER score_ledger_lead_fixed BEFORE UPDATE OF lead_id ON score_ledger FOR EACH ROW
        WHEN (OLD.lead_id IS DISTINCT FROM NEW.lead_id) EXECUTE FUNCTION event_refs_fixed('lead_id')`);
    await q.query(`
      CREATE TRIGGER score_ledger_event_fixed BEFORE UPDATE OF event_id ON score_ledger FOR EACH ROW
        WHEN (NEW.event_id IS NOT NULL AND OLD.event_id IS DISTINCT FROM NEW.event_id) EXECUTE FUNCTION event_refs_fixed('event_id')`);

    // Parents: a deleted lead takes its ledger rows and events; a deleted event leaves its ledger rows without it.
    await q.query(`
      CREATE FUNCTION leads_delete_events() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM score_ledger s USING old_leads o WHERE s.lead_id = o.id;
        DELETE FROM events e USING old_leads o WHERE e.lead_id = o.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER leads_delete_events AFTER DELETE ON leads
        REFERENCING OLD TABLE AS old_leads FOR EACH STATEMENT EXECUTE FUNCTION leads_delete_events()`);
    await q.query(`
      CREATE FUNCTION events_delete_clear_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE score_ledger s SET event_id = NULL FROM old_events o WHERE s.lead_id = o.lead_id AND s.event_id = o.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER events_delete_clear_ledger AFTER DELETE ON events
        REFERENCING OLD TABLE AS old_events FOR EACH STATEMENT EXECUTE FUNCTION events_delete_clear_ledger()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS events_delete_clear_ledger ON events`);
    await q.query(`DROP TRIGGER IF EXISTS leads_delete_events ON leads`);
    await q.query(`DROP TRIGGER IF EXISTS score_ledger_event_fixed ON score_ledger`);
    await q.query(`DROP TRIGGER IF EXISTS score_ledger_lead_fixed ON score_ledger`);
    await q.query(`DROP TRIGGER IF EXISTS events_lead_fixed ON events`);
    await q.query(`DROP TRIGGER IF EXISTS score_ledger_refs_exist ON score_ledger`);
    await q.query(`DROP TRIGGER IF EXISTS events_lead_exists ON events`);
    for (const f of ['events_delete_clear_ledger', 'leads_delete_events', 'event_refs_fixed', 'score_ledger_refs_exist', 'events_leads_exist']) {
      await q.query(`DROP FUNCTION IF EXISTS ${f}()`);
    }
    await q.query(`ALTER TABLE score_ledger ADD CONSTRAINT score_ledger_event_id_fkey FOREIGN KEY (event_id) REFERENCES events(id) ON DELETE SET NULL`);
    await q.query(`ALTER TABLE score_ledger ADD CONSTRAINT score_ledger_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES leads(id) ON DELETE CASCADE`);
    await q.query(`ALTER TABLE events ADD CONSTRAINT events_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES leads(id) ON DELETE CASCADE`);
  }
}

/** The body of events_leads_exist() as created here (1764004300000's down puts it back). */
export const EVENTS_LEADS_EXIST_BODY = `RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        missing uuid;
      BEGIN
        PERFORM 1 FROM leads l JOIN (SELECT DISTINCT lead_id FROM new_events) n ON l.id = n.lead_id FOR KEY SHARE OF l;
        SELECT n.lead_id INTO missing FROM (SELECT DISTINCT lead_id FROM new_events) n
         WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = n.lead_id) LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'insert into events: lead % does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'events', CONSTRAINT = 'events_lead_exists';
        END IF;
        RETURN NULL;
      END $$`;

/** The body of score_ledger_refs_exist() as created here (1764004300000's down puts it back). */
export const SCORE_LEDGER_REFS_EXIST_BODY = `RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        missing uuid;
      BEGIN
        SELECT n.lead_id INTO missing FROM (SELECT DISTINCT lead_id FROM new_ledger) n
         WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = n.lead_id) LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'insert into score_ledger: lead % does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'score_ledger', CONSTRAINT = 'score_ledger_lead_exists';
        END IF;
        SELECT n.event_id INTO missing FROM (SELECT DISTINCT event_id FROM new_ledger WHERE event_id IS NOT NULL) n
         WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = n.event_id) LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'insert into score_ledger: event % does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'score_ledger', CONSTRAINT = 'score_ledger_event_exists';
        END IF;
        RETURN NULL;
      END $$`;
