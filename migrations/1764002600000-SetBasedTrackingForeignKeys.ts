import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The foreign keys written by every tracked open and click become set-based checks with the same
 * guarantees, as 1764002400000 did for events and the score ledger.
 *
 * Storing a batch of opens and clicks ran three row-level foreign-key triggers per hit
 * (email_interactions.message_id and .lead_id, scoring_queue.event_id): about 40 µs of PostgreSQL CPU per
 * hit in EXPLAIN ANALYZE of a 1,000-hit batch, a third of the whole insert. Here one statement-level trigger
 * per INSERT statement checks the distinct referenced rows at once and fails with `foreign_key_violation`
 * if any is missing:
 *
 * - email_interactions.message_id → email_messages and .lead_id → leads: the referenced rows are locked
 *   FOR KEY SHARE, as the foreign keys did, so a message or lead deleted at the same moment waits for the
 *   inserting transaction and then removes its interactions too (the delete triggers below read with a new
 *   snapshot);
 * - scoring_queue.event_id → events: checked without a lock. Queue rows are written in the statement that
 *   stores their events, and those events' lead is locked FOR KEY SHARE by the events check, so the only
 *   delete that could race (the lead's, which deletes its events) waits for the writer and then sees the
 *   events and their queue rows; retention deletes events only years after they were scored.
 *
 * The referencing columns cannot change afterwards (no code changes them; a trigger makes sure). Deleting
 * a message or a lead deletes its interactions (the former ON DELETE CASCADE), and deleting events deletes
 * their queue rows (the former ON DELETE CASCADE), each once per statement.
 */
export class SetBasedTrackingForeignKeys1764002600000 implements MigrationInterface {
  name = 'SetBasedTrackingForeignKeys1764002600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE email_interactions DROP CONSTRAINT email_interactions_message_id_fkey`);
    await q.query(`ALTER TABLE email_interactions DROP CONSTRAINT email_interactions_lead_id_fkey`);
    await q.query(`ALTER TABLE scoring_queue DROP CONSTRAINT scoring_queue_event_id_fkey`);

    await q.query(`CREATE FUNCTION email_interactions_refs_exist() ${EMAIL_INTERACTIONS_REFS_EXIST_BODY}`);
    await q.query(`
      CREATE TRIGGER email_interactions_refs_exist AFTER INSERT ON email_interactions
        REFERENCING NEW TABLE AS new_interactions FOR EACH STATEMENT EXECUTE FUNCTION email_interactions_refs_exist()`);

    await q.query(`
      CREATE FUNCTION scoring_queue_events_exist() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        missing uuid;
      BEGIN
        SELECT n.event_id INTO missing FROM new_queue n
         WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = n.event_id) LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'insert into scoring_queue: event % does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'scoring_queue', CONSTRAINT = 'scoring_queue_event_exists';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER scoring_queue_events_exist AFTER INSERT ON scoring_queue
        REFERENCING NEW TABLE AS new_queue FOR EACH STATEMENT EXECUTE FUNCTION scoring_queue_events_exist()`);

    // Keys never change (event_refs_fixed comes from 1764002400000).
    await q.query(`
      CREATE TRIGGER email_interactions_message_fixed BEFORE UPDATE OF message_id ON email_interactions FOR EACH ROW
        WHEN (OLD.message_id IS DISTINCT FROM NEW.message_id) EXECUTE FUNCTION event_refs_fixed('message_id')`);
    await q.query(`
      CREATE TRIGGER email_interactions_lead_fixed BEFORE UPDATE OF lead_id ON email_interactions FOR EACH ROW
        WHEN (OLD.lead_id IS DISTINCT FROM NEW.lead_id) EXECUTE FUNCTION event_refs_fixed('lead_id')`);
    await q.query(`
      CREATE TRIGGER scoring_queue_event_fixed BEFORE UPDATE OF event_id ON scoring_queue FOR EACH ROW
        WHEN (OLD.event_id IS DISTINCT FROM NEW.event_id) EXECUTE FUNCTION event_refs_fixed('event_id')`);

    // Parents: a deleted message or lead takes its interactions; deleted events take their queue rows.
    await q.query(`
      CREATE FUNCTION email_messages_delete_interactions() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM email_interactions i USING old_messages o WHERE i.message_id = o.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER email_messages_delete_interactions AFTER DELETE ON email_messages
        REFERENCING OLD TABLE AS old_messages FOR EACH STATEMENT EXECUTE FUNCTION email_messages_delete_interactions()`);
    await q.query(`
      CREATE FUNCTION leads_delete_interactions() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM email_interactions i USING old_leads o WHERE i.lead_id = o.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER leads_delete_interactions AFTER DELETE ON leads
        REFERENCING OLD TABLE AS old_leads FOR EACH STATEMENT EXECUTE FUNCTION leads_delete_interactions()`);
    await q.query(`
      CREATE FUNCTION events_delete_dequeue() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM scoring_queue q USING old_events o WHERE q.event_id = o.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER events_delete_dequeue AFTER DELETE ON events
        REFERENCING OLD TABLE AS old_events FOR EACH STATEMENT EXECUTE FUNCTION events_delete_dequeue()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS events_delete_dequeue ON events`);
    await q.query(`DROP TRIGGER IF EXISTS leads_delete_interactions ON leads`);
    await q.query(`DROP TRIGGER IF EXISTS email_messages_delete_interactions ON email_messages`);
    await q.query(`DROP TRIGGER IF EXISTS scoring_queue_event_fixed ON scoring_queue`);
    await q.query(`DROP TRIGGER IF EXISTS email_interactions_lead_fixed ON email_interactions`);
    await q.query(`DROP TRIGGER IF EXISTS email_interactions_message_fixed ON email_interactions`);
    await q.query(`DROP TRIGGER IF EXISTS scoring_queue_events_exist ON scoring_queue`);
    await q.query(`DROP TRIGGER IF EXISTS email_interactions_refs_exist ON email_interactions`);
    for (const f of ['events_delete_dequeue', 'leads_delete_interactions', 'email_messages_delete_interactions', 'scoring_queue_events_exist', 'email_interactions_refs_exist']) {
      await q.query(`DROP FUNCTION IF EXISTS ${f}()`);
    }
    await q.query(`DELETE FROM scoring_queue q WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = q.event_id)`);
    await q.query(`ALTER TABLE scoring_queue ADD CONSTRAINT scoring_queue_event_id_fkey FOREIGN KEY (event_id) REFERENCES events(id) ON DELETE CASCADE`);
    await q.query(`ALTER TABLE email_interactions ADD CONSTRAINT email_interactions_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES leads(id) ON DELETE CASCADE`);
    await q.query(`ALTER TABLE email_interactions ADD CONSTRAINT email_interactions_message_id_fkey FOREIGN KEY (message_id) REFERENCES email_messages(id) ON DELETE CASCADE`);
  }
}

/** The body of email_interactions_refs_exist() as created here (1764004300000's down puts it back). */
export const EMAIL_INTERACTIONS_REFS_EXIST_BODY = `RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        missing uuid;
      BEGIN
        PERFORM 1 FROM email_messages m JOIN (SELECT DISTINCT message_id FROM new_interactions) n ON m.id = n.message_id
          FOR KEY SHARE OF m;
        SELECT n.message_id INTO missing FROM (SELECT DISTINCT message_id FROM new_interactions) n
         WHERE NOT EXISTS (SELECT 1 FROM email_messages m WHERE m.id = n.message_id) LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'insert into email_interactions: message % does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'email_interactions', CONSTRAINT = 'email_interactions_message_exists';
        END IF;
        PERFORM 1 FROM leads l JOIN (SELECT DISTINCT lead_id FROM new_interactions WHERE lead_id IS NOT NULL) n ON l.id = n.lead_id
          FOR KEY SHARE OF l;
        SELECT n.lead_id INTO missing FROM (SELECT DISTINCT lead_id FROM new_interactions WHERE lead_id IS NOT NULL) n
         WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = n.lead_id) LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'insert into email_interactions: lead % does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'email_interactions', CONSTRAINT = 'email_interactions_lead_exists';
        END IF;
        RETURN NULL;
      END $$`;
