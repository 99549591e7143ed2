import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { deleteDuringOpenInsert, untilWaitingOnLock } from './support/lock-race.js';
import { useTestDatabase } from './support/test-database.js';

/**
 * The set-based checks that replaced the foreign keys of email_interactions and scoring_queue
 * (migration 1764002600000) keep the foreign keys' guarantees: a missing message, lead or event fails the
 * whole insert with foreign_key_violation, the keys never change, deleting a message or lead deletes its
 * interactions, deleting events deletes their queue rows, and a message deleted while an insert of its
 * interactions is open waits for it and then deletes them too (no orphans); an insert that starts while
 * such a delete is open waits for it and then fails, also at REPEATABLE READ.
 */
describe('foreign keys of tracked opens and clicks', () => {
  const t = useTestDatabase();

  async function leadAndMessage(): Promise<{ leadId: string; messageId: string }> {
    const email = `lead-${randomUUID()}@example.be`;
    const { rows: [lead] } = await t.db.query(`INSERT INTO leads (email, email_normalized) VALUES ($1, $1) RETURNING id`, [email]);
    const { rows: [message] } = await t.db.query(
      `INSERT INTO email_messages (idempotency_key, kind, lead_id, status, links, sent_at) VALUES ($1, 'nurture', $2, 'sent', '[]', now()) RETURNING id`,
      [randomUUID(), lead.id],
    );
    return { leadId: lead.id, messageId: message.id };
  }

  const interaction = (c: pg.Client, id: string, messageId: string, leadId: string | null) =>
    c.query(
      `INSERT INTO email_interactions (id, message_id, lead_id, kind, machine, reason, occurred_at) VALUES ($1, $2, $3, 'open', false, 'human', now())`,
      [id, messageId, leadId],
    );
  const event = (id: string, leadId: string) =>
    t.db.query(`INSERT INTO events (id, lead_id, type, occurred_at) VALUES ($1, $2, 'email_opened', now())`, [id, leadId]);
  const count = async (sql: string, values: unknown[]) => Number((await t.db.query(sql, values)).rows[0].n);
  const code = (p: Promise<unknown>) => p.then(() => 'ok', (err: { code?: string }) => err.code);

  it('refuses a whole insert when one interaction names a missing message or lead, or one queue row a missing event', async () => {
    const { leadId, messageId } = await leadAndMessage();
    const insertTwo = (secondMessage: string, secondLead: string | null) =>
      t.db.query(
        `INSERT INTO email_interactions (id, message_id, lead_id, kind, machine, reason, occurred_at)
         VALUES ($1, $2, $3, 'open', false, 'human', now()), ($4, $5, $6, 'open', false, 'human', now())`,
        [randomUUID(), messageId, leadId, randomUUID(), secondMessage, secondLead],
      );
    expect(await code(insertTwo(randomUUID(), leadId))).toBe('23503');
    expect(await code(insertTwo(messageId, randomUUID()))).toBe('23503');
    expect(await count(`SELECT count(*) AS n FROM email_interactions WHERE message_id = $1`, [messageId])).toBe(0);
    expect(await code(insertTwo(messageId, null))).toBe('ok'); // no lead (a test send, an erased lead) is allowed
    // The check compares rows locked with distinct references: repeats of one message and lead count once.
    const other = await leadAndMessage();
    const insertMany = (refs: [string, string | null][]) =>
      t.db.query(
        `INSERT INTO email_interactions (id, message_id, lead_id, kind, machine, reason, occurred_at)
         SELECT gen_random_uuid(), m, l, 'open', false, 'human', now() FROM unnest($1::uuid[], $2::uuid[]) AS r(m, l)`,
        [refs.map((r) => r[0]), refs.map((r) => r[1])],
      );
    expect(await code(insertMany([[messageId, leadId], [messageId, leadId], [other.messageId, other.leadId], [other.messageId, null]]))).toBe('ok');
    expect(await code(insertMany([[messageId, leadId], [messageId, leadId], [other.messageId, randomUUID()]]))).toBe('23503');
    expect(await code(insertMany([[messageId, leadId], [messageId, leadId], [randomUUID(), leadId]]))).toBe('23503');
    expect(await count(`SELECT count(*) AS n FROM email_interactions WHERE message_id = $1`, [other.messageId])).toBe(2);

    const eventId = randomUUID();
    await event(eventId, leadId);
    expect(await code(t.db.query(`INSERT INTO scoring_queue (event_id, lead_id) VALUES ($1, $3), ($2, $3)`, [eventId, randomUUID(), leadId]))).toBe('23503');
    expect(await code(t.db.query(`INSERT INTO scoring_queue (event_id, lead_id) VALUES ($1, $2)`, [eventId, leadId]))).toBe('ok');
  });

  it('never lets the keys change', async () => {
    const a = await leadAndMessage();
    const b = await leadAndMessage();
    const id = randomUUID();
    await interaction(t.db, id, a.messageId, a.leadId);
    expect(await code(t.db.query(`UPDATE email_interactions SET message_id = $2 WHERE id = $1`, [id, b.messageId]))).toBe('23503');
    expect(await code(t.db.query(`UPDATE email_interactions SET lead_id = $2 WHERE id = $1`, [id, b.leadId]))).toBe('23503');
    expect(await code(t.db.query(`UPDATE email_interactions SET ip = NULL, user_agent = NULL, url = NULL WHERE id = $1`, [id]))).toBe('ok');
    const eventId = randomUUID();
    await event(eventId, a.leadId);
    await t.db.query(`INSERT INTO scoring_queue (event_id, lead_id) VALUES ($1, $2)`, [eventId, a.leadId]);
    expect(await code(t.db.query(`UPDATE scoring_queue SET event_id = $2 WHERE event_id = $1`, [eventId, randomUUID()]))).toBe('23503');
  });

  it('deletes interactions with their message or lead, and queue rows with their events', async () => {
    const m = await leadAndMessage();
    const l = await leadAndMessage();
    await interaction(t.db, randomUUID(), m.messageId, m.leadId);
    await interaction(t.db, randomUUID(), l.messageId, l.leadId);
    await interaction(t.db, randomUUID(), l.messageId, null); // not the lead's: stays with the message
    const eventId = randomUUID();
    await event(eventId, m.leadId);
    await t.db.query(`INSERT INTO scoring_queue (event_id, lead_id) VALUES ($1, $2)`, [eventId, m.leadId]);

    await t.db.query(`DELETE FROM email_messages WHERE id = $1`, [m.messageId]);
    expect(await count(`SELECT count(*) AS n FROM email_interactions WHERE message_id = $1`, [m.messageId])).toBe(0);
    await t.db.query(`DELETE FROM leads WHERE id = $1`, [l.leadId]);
    expect(await count(`SELECT count(*) AS n FROM email_interactions WHERE message_id = $1`, [l.messageId])).toBe(1);
    await t.db.query(`DELETE FROM events WHERE id = $1`, [eventId]);
    expect(await count(`SELECT count(*) AS n FROM scoring_queue WHERE event_id = $1`, [eventId])).toBe(0);
  });

  it('makes a message deleted during an open insert wait for it, then delete what it stored', async () => {
    const { leadId, messageId } = await leadAndMessage();
    const race = await deleteDuringOpenInsert(
      t.database.url,
      (writer) => interaction(writer, randomUUID(), messageId, leadId), // locks the message FOR KEY SHARE, as the key did
      `DELETE FROM email_messages WHERE id = $1`,
      [messageId],
    );
    expect(race.deletedBeforeCommit).toBe(false);
    expect(await count(`SELECT count(*) AS n FROM email_interactions WHERE message_id = $1`, [messageId])).toBe(0);
  });

  it('makes an insert that starts during an open delete of its message or lead wait for it, then fail', async () => {
    for (const [table, pick] of [['email_messages', 'messageId'], ['leads', 'leadId']] as const) {
      const refs = await leadAndMessage();
      const deleter = new pg.Client({ connectionString: t.database.url });
      const writer = new pg.Client({ connectionString: t.database.url });
      await Promise.all([deleter.connect(), writer.connect()]);
      try {
        await deleter.query('BEGIN');
        await deleter.query(`DELETE FROM ${table} WHERE id = $1`, [refs[pick]]);
        let settled = false;
        const inserting = code(interaction(writer, randomUUID(), refs.messageId, refs.leadId)).finally(() => (settled = true));
        await untilWaitingOnLock(t.db, writer);
        expect(settled).toBe(false); // waiting for the delete: its check locks the deleted row
        await deleter.query('COMMIT');
        expect(await inserting).toBe('23503');
        expect(await count(`SELECT count(*) AS n FROM email_interactions WHERE message_id = $1`, [refs.messageId])).toBe(0);
      } finally {
        await deleter.query('ROLLBACK').catch(() => undefined);
        await Promise.all([deleter.end(), writer.end()]);
      }
    }
  });

  it('fails an insert at REPEATABLE READ whose message was deleted after its snapshot (the check locks what it finds, as a key does)', async () => {
    const { leadId, messageId } = await leadAndMessage();
    const writer = new pg.Client({ connectionString: t.database.url });
    await writer.connect();
    try {
      await writer.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await writer.query('SELECT 1'); // the snapshot: the message still exists in it
      await t.db.query(`DELETE FROM email_messages WHERE id = $1`, [messageId]);
      expect(await code(interaction(writer, randomUUID(), messageId, leadId))).toBe('40001');
    } finally {
      await writer.query('ROLLBACK').catch(() => undefined);
      await writer.end();
    }
    expect(await count(`SELECT count(*) AS n FROM email_interactions WHERE message_id = $1`, [messageId])).toBe(0);
  });
});
