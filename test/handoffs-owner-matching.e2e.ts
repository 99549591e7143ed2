import { ManualClock } from '../src/common/clock.js';
import { createRep, handoffFor, sendEvents, upsertLead } from './handoffs-helpers.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

/**
 * Who gets a lead: a lead without a locale is mailed in DEFAULT_LOCALE (nl), so it goes to the reps who speak
 * that, as a Dutch-speaking lead would; a rep of weight 0 is on the team (active) but takes no new hand-offs
 * by round robin, only the ones given to them by hand.
 */
describe('matching hand-offs to sales reps', () => {
  let t: TestApp;
  const reps: Record<string, string> = {};
  const clock = new ManualClock('2026-01-05T09:00:00Z'); // Monday 10:00 in Brussels

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { OUTBOX_RELAY_MS: '50', SLA_SWEEP_MS: '3600000' } });
    reps.nele = await createRep(t, 'Nele', { locales: ['nl'] });
    reps.fabrice = await createRep(t, 'Fabrice', { locales: ['fr'] });
    reps.chef = await createRep(t, 'Chef', { locales: ['nl'], weight: 0 });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function quote(email: string, lead: Record<string, unknown>) {
    const leadId = await upsertLead(t, email, lead);
    await sendEvents(t, [{ leadId, type: 'quote_requested' }]);
    return eventually(() => handoffFor(t, leadId));
  }

  it('gives leads without a locale to the Dutch-speaking rep (DEFAULT_LOCALE nl), not to everyone in turn', async () => {
    const owners: (string | null)[] = [];
    for (let i = 0; i < 4; i++) {
      const h = await quote(`zonder-taal-${i}@klant.example.be`, { locale: undefined });
      const [lead] = await t.db.query(`SELECT locale FROM leads WHERE id = $1`, [h.lead_id]);
      expect(lead.locale).toBeNull();
      owners.push(h.owner_id);
    }
    expect(owners).toEqual([reps.nele, reps.nele, reps.nele, reps.nele]);
    expect((await quote('client@boulangerie.example.be', { locale: 'fr' })).owner_id).toBe(reps.fabrice);
  });

  it('never gives a new hand-off to an active rep of weight 0, even in their language, but they can be given one by hand', async () => {
    const h = await quote('nieuw@klant.example.be', { locale: 'nl' });
    expect(h.owner_id).toBe(reps.nele);
    // Round robin to someone else than Nele: Fabrice, not the Dutch-speaking Chef of weight 0.
    const next = await t.api('post', `/api/v1/handoffs/${h.id}/reassign`).send({});
    expect(next.status).toBe(200);
    expect(next.body.ownerId).toBe(reps.fabrice);
    const byHand = await t.api('post', `/api/v1/handoffs/${h.id}/reassign`).send({ ownerId: reps.chef, note: 'Grote klant' });
    expect(byHand.status).toBe(200);
    expect(byHand.body.ownerId).toBe(reps.chef);
    const team = await t.api('get', '/api/v1/sales-reps');
    expect(team.body.items.find((r: { id: string }) => r.id === reps.chef)).toMatchObject({ active: true, weight: 0, assigned: 1 });
  });

  it('accepts weight 0 to pause a rep and refuses a negative or fractional weight naming the field', async () => {
    const paused = await t.api('patch', `/api/v1/sales-reps/${reps.fabrice}`).send({ weight: 0 });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ active: true, weight: 0 });
    expect((await quote('client2@boulangerie.example.be', { locale: 'fr' })).owner_id).toBe(reps.nele);
    for (const weight of [-1, 1.5]) {
      const bad = await t.api('patch', `/api/v1/sales-reps/${reps.fabrice}`).send({ weight });
      expect(bad.status).toBe(422);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['weight']);
    }
  });
});
