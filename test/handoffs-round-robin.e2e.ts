import type { INestApplicationContext } from '@nestjs/common';
import { createRep, sendEvents } from './handoffs-helpers.js';
import { eventually, startTestApp, startTestWorker, type TestApp } from './support/test-app.js';

describe('sharing hand-offs among the sales team (weighted round robin, two workers)', () => {
  let api: TestApp;
  const workers: INestApplicationContext[] = [];
  const reps: Record<string, string> = {};

  beforeAll(async () => {
    api = await startTestApp({ role: 'api', env: { OUTBOX_RELAY_MS: '20', OUTBOX_RELAY_BATCH: '7' } });
    workers.push(await startTestWorker(api), await startTestWorker(api));
    reps.senior = await createRep(api, 'Senior', { weight: 2 });
    reps.ahmed = await createRep(api, 'Ahmed');
    reps.bert = await createRep(api, 'Bert');
    reps.away = await createRep(api, 'Away', { weight: 5, active: false });
    reps.paused = await createRep(api, 'Paused', { weight: 0 });
  });
  afterAll(async () => {
    for (const w of workers) await w.close();
    await api?.close();
  });

  async function quotes(prefix: string, n: number): Promise<void> {
    await sendEvents(api, Array.from({ length: n }, (_, i) => ({ email: `${prefix}${i}@klant.example.be`, type: 'quote_requested' })));
    await eventually(async () => {
      const [{ count }] = await api.db.query(`SELECT count(*)::int AS count FROM handoffs h JOIN leads l ON l.id = h.lead_id WHERE l.email LIKE $1`, [
        `${prefix}%`,
      ]);
      return count === n;
    }, 20_000);
  }

  async function shares(prefix: string): Promise<Record<string, number>> {
    const rows: { owner_id: string; n: number }[] = await api.db.query(
      `SELECT h.owner_id, count(*)::int AS n FROM handoffs h JOIN leads l ON l.id = h.lead_id WHERE l.email LIKE $1 GROUP BY h.owner_id`,
      [`${prefix}%`],
    );
    const byName = Object.fromEntries(Object.entries(reps).map(([name, id]) => [id, name]));
    return Object.fromEntries(rows.map((r) => [byName[r.owner_id] ?? String(r.owner_id), r.n]));
  }

  it('gives a weight-2 rep twice the leads of the others, and none to inactive or zero-weight reps', async () => {
    await quotes('rr', 40);
    expect(await shares('rr')).toEqual({ senior: 20, ahmed: 10, bert: 10 });
    const team = await api.api('get', '/api/v1/sales-reps');
    const assigned = Object.fromEntries(team.body.items.map((r: { name: string; assigned: number }) => [r.name, r.assigned]));
    expect(assigned).toEqual({ Senior: 20, Ahmed: 10, Bert: 10, Away: 0, Paused: 0 });
    const [{ dupes }] = await api.db.query(`SELECT count(*)::int AS dupes FROM (SELECT lead_id FROM handoffs GROUP BY lead_id HAVING count(*) > 1) d`);
    expect(dupes).toBe(0);
  });

  it('a change to the team starts a new cycle: new weights count from zero', async () => {
    const patched = await api.api('patch', `/api/v1/sales-reps/${reps.bert}`).send({ weight: 2 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ weight: 2, assigned: 0 });
    await quotes('cycle', 20);
    expect(await shares('cycle')).toEqual({ senior: 8, ahmed: 4, bert: 8 });
  });

  it('refuses a second rep with the same email, a weight over 100 and a malformed locale, naming the field', async () => {
    const dupe = await api.api('post', '/api/v1/sales-reps').send({ name: 'Senior again', email: 'SENIOR@sales.example.be' });
    expect(dupe.status).toBe(409);
    const heavy = await api.api('post', '/api/v1/sales-reps').send({ name: 'Heavy', email: 'heavy@sales.example.be', weight: 101 });
    expect(heavy.status).toBe(422);
    expect(heavy.body.errors[0].field).toBe('weight');
    const locale = await api.api('post', '/api/v1/sales-reps').send({ name: 'Lingo', email: 'lingo@sales.example.be', locales: ['Nederlands'] });
    expect(locale.status).toBe(422);
    expect(locale.body.errors[0].field).toBe('locales');
    expect((await api.api('patch', '/api/v1/sales-reps/0b8f0a52-0000-4000-8000-000000000000').send({ active: false })).status).toBe(404);
  });
});
