import pg from 'pg';
import { ManualClock } from '../src/common/clock.js';
import { HandoffRehoming, REHOMING_ACTOR } from '../src/handoffs/handoff-rehoming.service.js';
import { apiKey, createRep, handoffFor, MINUTE, sendEvents, upsertLead } from './handoffs-helpers.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

/**
 * Pending hand-offs nobody answers for: a deactivated rep's go to the other active reps, and those made while nobody
 * took hand-offs go to the first rep who can, each as a reassignment (fresh deadline, `handoff.reassigned`).
 */
describe('pending hand-offs of a deactivated rep, or of nobody', () => {
  let t: TestApp;
  let manager: string;
  let sales: string;
  const clock = new ManualClock('2026-01-05T09:00:00Z'); // Monday 10:00 in Brussels

  beforeAll(async () => {
    // The SLA sweep (which also rehomes) runs only when a test calls it.
    t = await startTestApp({ clock, env: { OUTBOX_RELAY_MS: '50', SLA_SWEEP_MS: '3600000' } });
    manager = await apiKey(t, 'Verkoopleiding', 'marketer');
    sales = await apiKey(t, 'Binnendienst', 'sales');
  });
  afterEach(async () => {
    // Each test starts with nobody on the team and nothing waiting.
    await t.db.query(`UPDATE handoffs SET status = 'rejected', reject_reason = 'other' WHERE status = 'pending'`);
    await t.db.query(`UPDATE sales_reps SET active = false`);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function quote(email: string, locale = 'nl') {
    const leadId = await upsertLead(t, email, { locale });
    await sendEvents(t, [{ leadId, type: 'quote_requested' }]);
    return eventually(() => handoffFor(t, leadId));
  }

  const setRep = (id: string, body: object) => t.api('patch', `/api/v1/sales-reps/${id}`, manager).send(body);

  async function reassignedEvents(handoffId: string): Promise<{ ownerId: string; slaDueAt: string; reassignment: Record<string, unknown> }[]> {
    const rows: { payload: { ownerId: string; slaDueAt: string; reassignment: Record<string, unknown> } }[] = await t.db.query(
      `SELECT payload FROM outbox_events WHERE type = 'handoff.reassigned' AND payload->>'id' = $1 ORDER BY occurred_at`,
      [handoffId],
    );
    return rows.map((r) => r.payload);
  }

  it("deactivating a rep gives their pending hand-offs to the active reps of the lead's language, with a fresh deadline; accepted ones stay", async () => {
    const reps = {
      an: await createRep(t, 'An', { locales: ['nl'] }),
      bart: await createRep(t, 'Bart', { locales: ['nl'] }),
      chloe: await createRep(t, 'Chloe', { locales: ['fr'] }),
    };
    const handoffs = [];
    for (let i = 0; i < 4; i++) handoffs.push(await quote(`offerte-${i}@klant.example.be`));
    const ofAn = handoffs.filter((h) => h.owner_id === reps.an);
    expect(ofAn).toHaveLength(2);
    const [answered, waiting] = ofAn;
    expect((await t.api('post', `/api/v1/handoffs/${answered.id}/accept`, sales).send({})).status).toBe(200);

    clock.set('2026-01-05T09:20:00Z'); // the 15-minute deadline of the waiting one has passed
    const res = await setRep(reps.an, { active: false });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ active: false });

    const moved = (await handoffFor(t, waiting.lead_id))!;
    expect(moved).toMatchObject({ owner_id: reps.bart, status: 'pending', breached_at: null });
    expect(moved.sla_due_at.toISOString()).toBe('2026-01-05T09:35:00.000Z');
    expect((await handoffFor(t, answered.lead_id))!.owner_id).toBe(reps.an);
    expect(await reassignedEvents(waiting.id)).toEqual([
      expect.objectContaining({
        ownerId: reps.bart,
        slaDueAt: '2026-01-05T09:35:00.000Z',
        reassignment: { previousOwnerId: reps.an, by: 'api-key:Verkoopleiding', reason: 'owner_inactive', note: null },
      }),
    ]);
    expect(await reassignedEvents(answered.id)).toEqual([]);
    const team = (await t.api('get', '/api/v1/sales-reps', manager)).body.items as { id: string; assigned: number }[];
    expect(team.find((r) => r.id === reps.bart)?.assigned).toBe(1);

    // Back at work: An takes new hand-offs again, but what moved stays moved.
    expect((await setRep(reps.an, { active: true })).status).toBe(200);
    expect((await handoffFor(t, waiting.lead_id))!.owner_id).toBe(reps.bart);
  });

  it('a hand-off made while nobody takes hand-offs waits, then goes to the first rep who becomes available', async () => {
    clock.set('2026-01-05T10:00:00Z');
    const h = await quote('niemand@klant.example.be');
    expect(h.owner_id).toBeNull();

    // A rep of weight 0 takes no hand-offs by round robin: it keeps waiting.
    const chef = await createRep(t, 'Chef', { weight: 0 });
    expect((await handoffFor(t, h.lead_id))!.owner_id).toBeNull();

    clock.set('2026-01-05T10:30:00Z');
    const res = await setRep(chef, { weight: 1 });
    expect(res.body).toMatchObject({ weight: 1, assigned: 1 });
    const owned = (await handoffFor(t, h.lead_id))!;
    expect(owned.owner_id).toBe(chef);
    expect(owned.sla_due_at.toISOString()).toBe('2026-01-05T10:45:00.000Z');
    expect(await reassignedEvents(h.id)).toEqual([
      expect.objectContaining({ ownerId: chef, reassignment: { previousOwnerId: null, by: 'api-key:Verkoopleiding', reason: 'unowned', note: null } }),
    ]);
  });

  it('a new rep takes the hand-offs left with a deactivated rep when nobody else could take them', async () => {
    clock.set('2026-01-05T11:00:00Z');
    const solo = await createRep(t, 'Solo');
    const h = await quote('alleen@klant.example.be');
    expect(h.owner_id).toBe(solo);
    expect((await setRep(solo, { active: false })).status).toBe(200);
    expect((await handoffFor(t, h.lead_id))!.owner_id).toBe(solo);

    const created = await t.api('post', '/api/v1/sales-reps', manager).send({ name: 'Nieuw', email: 'nieuw@sales.example.be', locales: ['fr'] });
    expect(created.status).toBe(201);
    expect(created.body.assigned).toBe(1);
    expect((await handoffFor(t, h.lead_id))!.owner_id).toBe(created.body.id);
    expect((await reassignedEvents(h.id)).map((e) => e.reassignment.reason)).toEqual(['owner_inactive']);
  });

  it('a hand-off locked by another process while its rep is deactivated is skipped, and the next SLA sweep moves it', async () => {
    clock.set('2026-01-05T12:00:00Z');
    const first = await createRep(t, 'Eerste');
    const h = await quote('bezig@klant.example.be');
    expect(h.owner_id).toBe(first);
    const second = await createRep(t, 'Tweede');

    const other = new pg.Client({ connectionString: t.database.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`SELECT 1 FROM handoffs WHERE id = $1 FOR UPDATE`, [h.id]);
      // Answered at once, not waiting for the lock: the hand-off stays where it is for now.
      expect((await setRep(first, { active: false })).status).toBe(200);
      expect((await handoffFor(t, h.lead_id))!.owner_id).toBe(first);
      await other.query('ROLLBACK');
    } finally {
      await other.end();
    }

    clock.advance(5 * MINUTE);
    expect(await t.app.get(HandoffRehoming).rehomeAll()).toBe(1);
    expect((await handoffFor(t, h.lead_id))!.owner_id).toBe(second);
    expect((await reassignedEvents(h.id)).map((e) => e.reassignment)).toEqual([
      { previousOwnerId: first, by: REHOMING_ACTOR, reason: 'owner_inactive', note: null },
    ]);
    expect(await t.app.get(HandoffRehoming).rehomeAll()).toBe(0);
  });
});
