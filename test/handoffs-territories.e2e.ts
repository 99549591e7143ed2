import { ManualClock } from '../src/common/clock.js';
import { createRep, handoffFor, sendEvents, upsertLead } from './handoffs-helpers.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

/**
 * Sales territories: a rep's `regions` (ISO 3166-1 alpha-2) take the leads whose `attributes.country` they cover,
 * before language matching (territory first, then language within it); a lead no territory covers, or without a
 * country, goes to the reps without a territory. New hand-offs, reassignment by round robin and rehoming after a
 * deactivation all match the same way.
 */
describe('matching hand-offs to sales territories', () => {
  let t: TestApp;
  const reps: Record<string, string> = {};
  const clock = new ManualClock('2026-01-05T09:00:00Z'); // Monday 10:00 in Brussels

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { OUTBOX_RELAY_MS: '50', SLA_SWEEP_MS: '3600000' } });
    reps.britt = await createRep(t, 'Britt', { locales: ['nl'], regions: ['BE', 'LU'] });
    reps.claire = await createRep(t, 'Claire', { locales: ['fr'], regions: ['be'] });
    reps.nele = await createRep(t, 'Nele', { locales: ['nl'] });
    reps.fabrice = await createRep(t, 'Fabrice', { locales: ['fr'] });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function quote(email: string, lead: Record<string, unknown>) {
    const leadId = await upsertLead(t, email, lead);
    await sendEvents(t, [{ leadId, type: 'quote_requested' }]);
    return eventually(() => handoffFor(t, leadId));
  }

  it('stores and shows regions upper-case, [] for a rep without a territory', async () => {
    const claire = await t.api('get', `/api/v1/sales-reps/${reps.claire}`);
    expect(claire.status).toBe(200);
    expect(claire.body.regions).toEqual(['BE']);
    const team = (await t.api('get', '/api/v1/sales-reps')).body.items as { id: string; regions: string[] }[];
    expect(Object.fromEntries(team.map((r) => [r.id, r.regions]))).toEqual({ [reps.britt]: ['BE', 'LU'], [reps.claire]: ['BE'], [reps.nele]: [], [reps.fabrice]: [] });
  });

  it('gives a Belgian lead to the Belgium team over a language-only match, and within it to the rep of its language', async () => {
    const owners: (string | null)[] = [];
    for (let i = 0; i < 3; i++) owners.push((await quote(`bakker-${i}@klant.example.be`, { locale: 'nl', attributes: { country: 'BE' } })).owner_id);
    expect(owners).toEqual([reps.britt, reps.britt, reps.britt]);
    expect((await quote('boulanger@client.example.be', { locale: 'fr', attributes: { country: ' be ' } })).owner_id).toBe(reps.claire);
    // Territory before language: a German-speaking Belgian lead stays with the Belgium team (nobody there speaks German).
    expect([reps.britt, reps.claire]).toContain((await quote('baecker@kunde.example.be', { locale: 'de', attributes: { country: 'BE' } })).owner_id);
    expect((await quote('winkel@klant.example.lu', { locale: 'nl', attributes: { country: 'LU' } })).owner_id).toBe(reps.britt);
  });

  it('gives a lead no territory covers, or without a country, to the reps without a territory', async () => {
    expect((await quote('bakker@klant.example.nl', { locale: 'nl', attributes: { country: 'NL' } })).owner_id).toBe(reps.nele);
    expect((await quote('boulanger@client.example.fr', { locale: 'fr', attributes: { country: 'FR' } })).owner_id).toBe(reps.fabrice);
    expect((await quote('zonder-land@klant.example.com', { locale: 'nl' })).owner_id).toBe(reps.nele);
    expect((await quote('land-onbekend@klant.example.com', { locale: 'nl', attributes: { country: 'Belgium' } })).owner_id).toBe(reps.nele);
  });

  it('reassigns by round robin within the territory, and rehomes a deactivated rep’s hand-offs there too', async () => {
    const h = await quote('reassign@klant.example.be', { locale: 'nl', attributes: { country: 'BE' } });
    expect(h.owner_id).toBe(reps.britt);
    // Someone other than Britt: Claire of the Belgium team, not Nele who speaks the lead's language.
    const next = await t.api('post', `/api/v1/handoffs/${h.id}/reassign`).send({});
    expect(next.status).toBe(200);
    expect(next.body.ownerId).toBe(reps.claire);

    const claires: { id: string }[] = await t.db.query(`SELECT id FROM handoffs WHERE owner_id = $1 AND status = 'pending'`, [reps.claire]);
    expect(claires.length).toBeGreaterThanOrEqual(2);
    const off = await t.api('patch', `/api/v1/sales-reps/${reps.claire}`).send({ active: false });
    expect(off.status).toBe(200);
    const owners: { owner_id: string }[] = await t.db.query(`SELECT owner_id FROM handoffs WHERE id = ANY($1::uuid[])`, [claires.map((c) => c.id)]);
    expect(owners.map((o) => o.owner_id)).toEqual(claires.map(() => reps.britt));
  });

  it('changes a territory with PATCH ([] removes it), and the next leads follow it', async () => {
    const set = await t.api('patch', `/api/v1/sales-reps/${reps.nele}`).send({ regions: ['nl', 'NL'] });
    expect(set.status).toBe(200);
    expect(set.body.regions).toEqual(['NL']);
    expect((await quote('na-patch@klant.example.nl', { locale: 'fr', attributes: { country: 'NL' } })).owner_id).toBe(reps.nele);
    const cleared = await t.api('patch', `/api/v1/sales-reps/${reps.britt}`).send({ regions: [] });
    expect(cleared.body.regions).toEqual([]);
    // Nobody covers Belgium any more: the reps without a territory (Britt now, who speaks Dutch) take it.
    expect((await quote('na-wissen@klant.example.be', { locale: 'nl', attributes: { country: 'BE' } })).owner_id).toBe(reps.britt);
  });

  it('refuses a region that is not an ISO 3166-1 alpha-2 code with 422 naming the entry, and changes nothing', async () => {
    const before = await t.db.query(`SELECT id, regions, updated_at FROM sales_reps ORDER BY id`);
    const bad = await t.api('post', '/api/v1/sales-reps').send({ name: 'Xavier', email: 'xavier@sales.example.be', regions: ['BE', 'XX', 'Belgium'] });
    expect(bad.status).toBe(422);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['regions[1]', 'regions[2]']);
    for (const regions of [['BEL'], [' FR'], ['']]) {
      const res = await t.api('patch', `/api/v1/sales-reps/${reps.fabrice}`).send({ regions });
      expect(res.status).toBe(422);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['regions[0]']);
    }
    for (const regions of [null, 'BE', [32], { BE: true }]) {
      const res = await t.api('patch', `/api/v1/sales-reps/${reps.fabrice}`).send({ regions });
      expect(res.status).toBe(422);
      expect(new Set(res.body.errors.map((e: { field: string }) => e.field))).toEqual(new Set(['regions']));
    }
    expect(await t.db.query(`SELECT id, regions, updated_at FROM sales_reps ORDER BY id`)).toEqual(before);
  });
});
