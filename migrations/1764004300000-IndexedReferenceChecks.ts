import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The statement-level reference checks of events, score_ledger and email_interactions (1764002400000,
 * 1764002600000, 1764004100000) find the referenced rows by primary key whatever the size of the batch.
 *
 * PL/pgSQL plans each statement of a trigger function on its first run in a connection and keeps that plan.
 * A join with the transition table was planned for the row count of that first batch: after a 1,000-event
 * batch on a small leads table the kept plan was a hash join over a sequential scan of every lead, and each
 * later single event on that connection scanned all leads twice (seen with auto_explain on 5,000 leads).
 * Here the referenced ids go in as one array (`id = ANY(ARRAY(SELECT DISTINCT …))`), which the planner
 * always answers with primary-key lookups, and a reference is missing exactly when fewer rows are found
 * than there are distinct references (a second, anti-join pass runs only then, to name the missing row in
 * the error). The locks, error codes, constraint names and messages are those of the checks they replace.
 */
export class IndexedReferenceChecks1764004300000 implements MigrationInterface {
  name = 'IndexedReferenceChecks1764004300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION events_leads_exist() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        missing uuid;
        wanted uuid[];
        found int;
      BEGIN
        wanted := ARRAY(SELECT DISTINCT lead_id FROM new_events);
        SELECT count(*) INTO found FROM (SELECT 1 FROM leads l WHERE l.id = ANY(wanted) FOR KEY SHARE OF l) x;
        IF found < cardinality(wanted) THEN
          SELECT w INTO missing FROM unnest(wanted) AS w WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = w) LIMIT 1;
          RAISE EXCEPTION 'insert into events: lead % does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'events', CONSTRAINT = 'events_lead_exists';
        END IF;
        RETURN NULL;
      END $$`);

    await q.query(`
      CREATE OR REPLACE FUNCTION score_ledger_refs_exist() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        missing uuid;
        wanted uuid[];
        found int;
      BEGIN
        wanted := ARRAY(SELECT DISTINCT lead_id FROM new_ledger);
        SELECT count(*) INTO found FROM leads l WHERE l.id = ANY(wanted);
        IF found < cardinality(wanted) THEN
          SELECT w INTO missing FROM unnest(wanted) AS w WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = w) LIMIT 1;
          RAISE EXCEPTION 'insert into score_ledger: lead % does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'score_ledger', CONSTRAINT = 'score_ledger_lead_exists';
        END IF;
        wanted := ARRAY(SELECT DISTINCT event_id FROM new_ledger WHERE event_id IS NOT NULL);
        IF cardinality(wanted) > 0 THEN
          SELECT count(*) INTO found FROM events e WHERE e.id = ANY(wanted);
          IF found < cardinality(wanted) THEN
            SELECT w INTO missing FROM unnest(wanted) AS w WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = w) LIMIT 1;
            RAISE EXCEPTION 'insert into score_ledger: event % does not exist', missing
              USING ERRCODE = 'foreign_key_violation', TABLE = 'score_ledger', CONSTRAINT = 'score_ledger_event_exists';
          END IF;
        END IF;
        RETURN NULL;
      END $$`);

    await q.query(`
      CREATE OR REPLACE FUNCTION email_interactions_refs_exist() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        missing uuid;
        wanted uuid[];
        found int;
      BEGIN
        wanted := ARRAY(SELECT DISTINCT message_id FROM new_interactions);
        SELECT count(*) INTO found FROM (SELECT 1 FROM email_messages m WHERE m.id = ANY(wanted) FOR KEY SHARE OF m) x;
        IF found < cardinality(wanted) THEN
          SELECT w INTO missing FROM unnest(wanted) AS w WHERE NOT EXISTS (SELECT 1 FROM email_messages m WHERE m.id = w) LIMIT 1;
          RAISE EXCEPTION 'insert into email_interactions: message % does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'email_interactions', CONSTRAINT = 'email_interactions_message_exists';
        END IF;
        wanted := ARRAY(SELECT DISTINCT lead_id FROM new_interactions WHERE lead_id IS NOT NULL);
        IF cardinality(wanted) > 0 THEN
          SELECT count(*) INTO found FROM (SELECT 1 FROM leads l WHERE l.id = ANY(wanted) FOR KEY SHARE OF l) x;
          IF found < cardinality(wanted) THEN
            SELECT w INTO missing FROM unnest(wanted) AS w WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = w) LIMIT 1;
            RAISE EXCEPTION 'insert into email_interactions: lead % does not exist', missing
              USING ERRCODE = 'foreign_key_violation', TABLE = 'email_interactions', CONSTRAINT = 'email_interactions_lead_exists';
          END IF;
        END IF;
        RETURN NULL;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The previous bodies: 1764002400000's for events and score_ledger, 1764004100000's for email_interactions.
    await q.query(`
      CREATE OR REPLACE FUNCTION events_leads_exist() RETURNS trigger LANGUAGE plpgsql AS $$
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
      END $$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION score_ledger_refs_exist() RETURNS trigger LANGUAGE plpgsql AS $$
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
      END $$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION email_interactions_refs_exist() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        missing uuid;
        messages_wanted int;
        leads_wanted int;
        locked int;
      BEGIN
        SELECT count(DISTINCT message_id), count(DISTINCT lead_id) INTO messages_wanted, leads_wanted FROM new_interactions;
        SELECT count(*) INTO locked FROM (
          SELECT 1 FROM email_messages m WHERE m.id IN (SELECT message_id FROM new_interactions) FOR KEY SHARE OF m) x;
        IF locked < messages_wanted THEN
          SELECT n.message_id INTO missing FROM (SELECT DISTINCT message_id FROM new_interactions) n
           WHERE NOT EXISTS (SELECT 1 FROM email_messages m WHERE m.id = n.message_id) LIMIT 1;
          RAISE EXCEPTION 'insert into email_interactions: message % does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'email_interactions', CONSTRAINT = 'email_interactions_message_exists';
        END IF;
        IF leads_wanted > 0 THEN
          SELECT count(*) INTO locked FROM (
            SELECT 1 FROM leads l WHERE l.id IN (SELECT lead_id FROM new_interactions) FOR KEY SHARE OF l) x;
          IF locked < leads_wanted THEN
            SELECT n.lead_id INTO missing FROM (SELECT DISTINCT lead_id FROM new_interactions WHERE lead_id IS NOT NULL) n
             WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = n.lead_id) LIMIT 1;
            RAISE EXCEPTION 'insert into email_interactions: lead % does not exist', missing
              USING ERRCODE = 'foreign_key_violation', TABLE = 'email_interactions', CONSTRAINT = 'email_interactions_lead_exists';
          END IF;
        END IF;
        RETURN NULL;
      END $$`);
  }
}
