import { ManualClock } from '../src/common/clock.js';
import { ColdMqlRecycling } from '../src/handoffs/cold-mql-recycling.service.js';
import { createProgram } from './programs-helpers.js';
import { apiKey, createRep, handoffFor, handoffsOf, outboxDrained, sendEvents, upsertLead } from './handoffs-helpers.js';
import { eventually, startTestApp, startTestWorker, type TestApp } from './support/test-app.js';

const DAY = 86_400_000;
const MONDAY = '2026-01-05T09:00:00Z'; // 10:00 in Brussels, office open
const ENV = { OUTBOX_RELAY_MS: '50' };
const at = (days: number) => new Date(Date.parse(MONDAY) + days * DAY).toISOString();

/** A lead who asks for a quote: an MQL at once, with a pending hand-off. */
async function quote(t: TestApp, email: string): Promise<{ leadId: string; handoffId: string }> {
  const leadId = await upsertLead(t, email);
  await sendEvents(t, [{ leadId, type: 'quote_requested' }]);
  const handoff = await eventually(() => handoffFor(t, leadId));
  return { leadId, handoffId: handoff.id };
}

async function wentColdChanges(t: TestApp, leadId: string) {
  return t.db.query(`SELECT from_stage, to_stage, actor, reason, changed_at FROM stage_changes WHERE lead_id = $1 AND reason = 'went_cold'`, [leadId]);
}

async function wentColdAnnouncements(t: TestApp, leadId: string): Promise<number> {
  const [{ n }] = await t.db.query(
    `SELECT count(*)::int AS n FROM outbox_events WHERE lead_id = $1 AND type = 'lead.stage_changed' AND payload->>'reason' = 'went_cold'`,
    [leadId],
  );
  return n;
}

describe('an MQL that went cold', () => {
  let t: TestApp;
  let salesKey: string;
  const clock = new ManualClock(MONDAY);

  beforeAll(async () => {
    t = await startTestApp({ clock, env: ENV });
    await createRep(t, 'Anneleen');
    salesKey = await apiKey(t, 'Anneleen', 'sales');
  });
  afterAll(() => t?.close());

  it('is recycled by the system after 30 days without engagement, its hand-off expired, and enters the recycle program; engaged and accepted leads are left alone', async () => {
    const recycleProgram = await createProgram(t, {
      name: 'Lange termijn',
      trigger: { type: 'stage_entered', stage: 'recycled' },
      goal: { anyOf: [{ stageAtLeast: 'sql' }] },
      steps: [
        { id: 'rest', type: 'wait', duration: 'P90D', next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    const silent = await quote(t, 'stil@bakkerij.example.be');
    const clicked = await quote(t, 'klikker@garage.example.be');
    const accepted = await quote(t, 'klant@bouw.example.be');
    const imported = await quote(t, 'import@hout.example.be');
    const scanned = await quote(t, 'scanner@kapper.example.be');
    const noHandoff = await quote(t, 'zonder@drukker.example.be');
    await t.api('post', `/api/v1/handoffs/${accepted.handoffId}/accept`, salesKey).send({}).expect(200);
    // An MQL whose hand-off is gone (its request failed, or it predates hand-offs) goes cold all the same.
    await t.db.query(`DELETE FROM handoffs WHERE lead_id = $1`, [noHandoff.leadId]);
    const sweep = t.app.get(ColdMqlRecycling);

    clock.set(at(29));
    expect(await sweep.recycleCold()).toBe(0);

    clock.set(at(37));
    await sendEvents(t, [{ leadId: clicked.leadId, type: 'page_viewed', properties: { url: 'https://garage.example.be/prijzen' } }]);
    clock.set(at(38));
    // Neither an import of something that happened two days ago (historical) nor a link scanner's click is engagement.
    const old = await t.api('post', '/api/v1/events').send({ leadId: imported.leadId, type: 'page_viewed', occurredAt: at(36) });
    expect(old.body.items[0]).toMatchObject({ status: 'accepted', historical: true });
    await t.db.query(`INSERT INTO events (lead_id, type, occurred_at, received_at, machine) VALUES ($1, 'email_clicked', $2, $2, true)`, [scanned.leadId, at(38)]);

    clock.set(at(40)); // MQL 40 days ago; the click was 3 days ago
    expect(await sweep.recycleCold()).toBe(4);
    expect(await sweep.recycleCold()).toBe(0);

    for (const lead of [silent, imported, scanned, noHandoff]) {
      expect((await t.api('get', `/api/v1/leads/${lead.leadId}`)).body.stage).toBe('recycled');
      expect(await wentColdChanges(t, lead.leadId)).toEqual([{ from_stage: 'mql', to_stage: 'recycled', actor: 'system', reason: 'went_cold', changed_at: new Date(at(40)) }]);
      expect(await wentColdAnnouncements(t, lead.leadId)).toBe(1);
      const [enrollment] = await t.db.query(`SELECT status FROM enrollments WHERE program_id = $1 AND lead_id = $2`, [recycleProgram, lead.leadId]);
      expect(enrollment).toEqual({ status: 'active' });
    }
    expect((await handoffsOf(t, noHandoff.leadId)).length).toBe(0);

    // The hand-off is closed as expired: out of the sales queue, and it takes no answer any more.
    const handoff = await t.api('get', `/api/v1/handoffs/${silent.handoffId}`, salesKey);
    expect(handoff.body).toMatchObject({ status: 'expired', respondedAt: null, respondedBy: null, updatedAt: at(40) });
    const queue = await t.api('get', '/api/v1/handoffs?status=pending&limit=500', salesKey);
    const queued = queue.body.items.map((i: { id: string }) => i.id);
    expect(queued).toContain(clicked.handoffId);
    expect(queued).not.toContain(silent.handoffId);
    const expired = await t.api('get', '/api/v1/handoffs?status=expired', salesKey);
    expect(expired.body.items.map((i: { id: string }) => i.id).sort()).toEqual([silent.handoffId, imported.handoffId, scanned.handoffId].sort());
    const late = await t.api('post', `/api/v1/handoffs/${silent.handoffId}/accept`, salesKey).send({});
    expect(late.status).toBe(409);

    // The timeline shows the move.
    const timeline = await t.api('get', `/api/v1/leads/${silent.leadId}/timeline`);
    expect(timeline.body.items.filter((i: { kind: string }) => i.kind === 'stage_change').at(-1)).toMatchObject({
      at: at(40),
      data: { from: 'mql', to: 'recycled', actor: 'system', reason: 'went_cold' },
    });

    // The lead who clicked and the lead sales accepted are untouched.
    expect((await t.api('get', `/api/v1/leads/${clicked.leadId}`)).body.stage).toBe('mql');
    expect((await handoffFor(t, clicked.leadId))!.status).toBe('pending');
    expect((await t.api('get', `/api/v1/leads/${accepted.leadId}`)).body.stage).toBe('sql');
    expect((await handoffFor(t, accepted.leadId))!.status).toBe('accepted');
    for (const lead of [clicked, accepted]) expect(await wentColdChanges(t, lead.leadId)).toEqual([]);

    // 30 days after that click, it went cold too.
    clock.set(at(67));
    expect(await sweep.recycleCold()).toBe(1);
    expect((await t.api('get', `/api/v1/leads/${clicked.leadId}`)).body.stage).toBe('recycled');
  });

  it('comes back only on new evidence, as a lead sales recycled: a page view is not enough, a new quote request is', async () => {
    clock.set(at(100));
    const lead = await quote(t, 'terug@schilder.example.be');
    clock.set(at(131));
    expect(await t.app.get(ColdMqlRecycling).recycleCold()).toBe(1);
    const score = await t.api('get', `/api/v1/leads/${lead.leadId}/score`);
    expect(score.body).toMatchObject({ stage: 'recycled', recycled: { at: at(131), engagementSinceRecycled: 0 }, mqlRule: { met: false } });

    clock.set(at(132));
    await sendEvents(t, [{ leadId: lead.leadId, type: 'page_viewed', properties: { url: 'https://schilder.example.be/blog' } }]);
    await eventually(() => outboxDrained(t));
    expect((await t.api('get', `/api/v1/leads/${lead.leadId}`)).body.stage).toBe('recycled');

    await sendEvents(t, [{ leadId: lead.leadId, type: 'quote_requested' }]);
    await eventually(async () => (await handoffsOf(t, lead.leadId)).length === 2);
    expect((await handoffsOf(t, lead.leadId)).map((h) => h.status).sort()).toEqual(['expired', 'pending']);
    expect((await t.api('get', `/api/v1/leads/${lead.leadId}`)).body.stage).toBe('mql');
  });
});

describe('cold MQL sweeps on several workers', () => {
  let t: TestApp;
  const clock = new ManualClock(MONDAY);

  beforeAll(async () => {
    t = await startTestApp({ clock, env: ENV });
    await createRep(t, 'Bruno');
  });
  afterAll(() => t?.close());

  it('two sweeps running at once, in two processes and in small pages, recycle each cold lead exactly once', async () => {
    const leads: string[] = [];
    for (let i = 0; i < 7; i++) leads.push((await quote(t, `koud${i}@example.be`)).leadId);
    clock.set(at(31));
    const worker = await startTestWorker(t, clock);
    try {
      const counts = await Promise.all([t.app.get(ColdMqlRecycling).recycleCold(undefined, 2), worker.get(ColdMqlRecycling).recycleCold(undefined, 2)]);
      expect(counts[0] + counts[1]).toBe(7);
    } finally {
      await worker.close();
    }
    for (const leadId of leads) {
      expect(await wentColdChanges(t, leadId)).toHaveLength(1);
      expect(await wentColdAnnouncements(t, leadId)).toBe(1);
      expect((await handoffsOf(t, leadId)).map((h) => h.status)).toEqual(['expired']);
    }
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM leads WHERE stage = 'mql'`);
    expect(n).toBe(0);
  });
});
