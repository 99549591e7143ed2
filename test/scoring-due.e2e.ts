import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { LeadScoringService } from '../src/scoring/lead-scoring.service.js';
import { startTestApp, TestApp } from './support/test-app.js';

/**
 * The scoring sweep's transaction (LeadScoringService.scoreDue), on an API process (which runs no sweep, so
 * nothing else scores meanwhile): it scores the leads whose queued events have waited long enough, takes their
 * younger events with them (a lead active several times is scored once), and skips leads another transaction
 * holds.
 */
describe('scoring queued events once they are due', () => {
  let t: TestApp;
  let scoring: LeadScoringService;
  const WAIT_MS = 2_500;

  beforeAll(async () => {
    t = await startTestApp({ role: 'api' });
    scoring = t.app.get(LeadScoringService);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.db.query(`DELETE FROM scoring_queue`);
  });

  async function lead(): Promise<string> {
    const [row] = await t.db.query(`INSERT INTO leads (email, email_normalized) VALUES ($1, $1) RETURNING id`, [`due-${randomUUID()}@example.be`]);
    return row.id;
  }

  /** A stored event queued for scoring `waitedMs` ago. */
  async function queued(leadId: string, type: string, waitedMs: number): Promise<string> {
    const [row] = await t.db.query(
      `WITH e AS (INSERT INTO events (lead_id, type, occurred_at, properties) VALUES ($1, $2, now(), '{}') RETURNING id, lead_id)
       INSERT INTO scoring_queue (event_id, lead_id, enqueued_at) SELECT id, lead_id, now() - make_interval(secs => $3) FROM e RETURNING event_id`,
      [leadId, type, waitedMs / 1000],
    );
    return row.event_id;
  }

  const stillQueued = async (): Promise<string[]> => (await t.db.query(`SELECT event_id FROM scoring_queue ORDER BY event_id`)).map((r: { event_id: string }) => r.event_id);
  const ledger = async (leadId: string): Promise<string[]> =>
    (await t.db.query(`SELECT rule_id FROM score_ledger WHERE lead_id = $1 ORDER BY rule_id`, [leadId])).map((r: { rule_id: string }) => r.rule_id);

  it('scores a lead once its oldest event is due, with its younger events, and leaves leads with nothing due', async () => {
    const active = await lead();
    const quiet = await lead();
    await queued(active, 'content_downloaded', 4_000);
    await queued(active, 'email_opened', 100);
    await queued(active, 'email_clicked', 100);
    const notYetDue = await queued(quiet, 'content_downloaded', 1_000);

    const result = await scoring.scoreDue(WAIT_MS, 2_000);

    expect(result).toMatchObject({ leads: 1, events: 3 });
    expect(await ledger(active)).toEqual(['content-downloaded', 'email-clicked', 'email-opened']);
    expect(await ledger(quiet)).toEqual([]);
    expect(await stillQueued()).toEqual([notYetDue]);
    expect(await scoring.scoreDue(WAIT_MS, 2_000)).toMatchObject({ leads: 0, events: 0 });
  });

  it('takes the leads of the longest-waiting rows first, as many rows as asked', async () => {
    const leads = [await lead(), await lead(), await lead()];
    await queued(leads[0], 'content_downloaded', 5_000);
    await queued(leads[1], 'content_downloaded', 9_000);
    await queued(leads[2], 'content_downloaded', 7_000);

    expect(await scoring.scoreDue(WAIT_MS, 1)).toMatchObject({ leads: 1, events: 1 });
    expect(await ledger(leads[1])).toEqual(['content-downloaded']);
    expect(await scoring.scoreDue(WAIT_MS, 1)).toMatchObject({ leads: 1 });
    expect(await ledger(leads[2])).toEqual(['content-downloaded']);
    expect(await ledger(leads[0])).toEqual([]);
  });

  /** Runs `during` while another connection holds what `lock` locks in an open transaction (as another worker's sweep would). */
  async function whileAnotherHolds(lock: (other: pg.Client) => Promise<void>, during: () => Promise<void>): Promise<void> {
    const other = new pg.Client({ connectionString: t.database.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await lock(other);
      await during();
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
      await other.end();
    }
  }

  it('lets sweeps in two workers take different leads at once instead of the same oldest ones', async () => {
    const older = [await lead(), await lead()];
    const younger = [await lead(), await lead()];
    for (const [i, id] of older.entries()) await queued(id, 'content_downloaded', 9_000 - i);
    for (const [i, id] of younger.entries()) await queued(id, 'content_downloaded', 5_000 - i);
    await whileAnotherHolds(
      async (other) => {
        // Another sweep has taken the two oldest rows and is scoring their leads.
        const { rows } = await other.query(`SELECT lead_id FROM scoring_queue ORDER BY enqueued_at LIMIT 2 FOR UPDATE SKIP LOCKED`);
        expect(rows.map((r) => r.lead_id).sort()).toEqual([...older].sort());
      },
      async () => {
        expect(await scoring.scoreDue(WAIT_MS, 2)).toMatchObject({ leads: 2, events: 2 });
        expect(await ledger(younger[0])).toEqual(['content-downloaded']);
        expect(await ledger(younger[1])).toEqual(['content-downloaded']);
        expect(await ledger(older[0])).toEqual([]);
      },
    );
    expect(await scoring.scoreDue(WAIT_MS, 2)).toMatchObject({ leads: 2, events: 2 });
    expect(await ledger(older[0])).toEqual(['content-downloaded']);
  });

  it('does not wait for a row of its lead that another sweep holds (that could deadlock): it leaves it for later', async () => {
    const active = await lead();
    const held = await queued(active, 'content_downloaded', 6_000);
    await queued(active, 'content_downloaded', 4_000);
    await whileAnotherHolds(
      async (other) => {
        // Another sweep took the older row, then found the lead held by this one (it locks it below first).
        await other.query(`SELECT 1 FROM scoring_queue WHERE event_id = $1 FOR UPDATE`, [held]);
      },
      async () => {
        expect(await scoring.scoreDue(WAIT_MS, 2_000)).toMatchObject({ leads: 1, events: 1 });
        expect(await stillQueued()).toEqual([held]);
      },
    );
    expect(await scoring.scoreDue(WAIT_MS, 2_000)).toMatchObject({ leads: 1, events: 1 });
    expect(await stillQueued()).toEqual([]);
    expect(await ledger(active)).toEqual(['content-downloaded', 'content-downloaded']);
  });

  it('skips a lead another transaction holds, and scores it once that one has ended', async () => {
    const held = await lead();
    const event = await queued(held, 'content_downloaded', 4_000);
    await whileAnotherHolds(
      async (other) => {
        await other.query(`SELECT 1 FROM leads WHERE id = $1 FOR NO KEY UPDATE`, [held]);
      },
      async () => {
        expect(await scoring.scoreDue(WAIT_MS, 2_000)).toMatchObject({ leads: 0, events: 0 });
        expect(await stillQueued()).toEqual([event]);
      },
    );
    expect(await scoring.scoreDue(WAIT_MS, 2_000)).toMatchObject({ leads: 1, events: 1 });
    expect(await ledger(held)).toEqual(['content-downloaded']);
  });
});
