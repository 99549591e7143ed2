import { ManualClock } from '../src/common/clock.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * A qualification answer is known to fit and to the MQL rule alike (isKnownAnswer): " unknown " with its white
 * space is no answer to either, whether the upsert stored it trimmed or it was stored with its spaces before.
 */
describe('qualification answers known alike to fit and to the MQL rule', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-03-02T10:00:00Z');

  beforeAll(async () => {
    t = await startTestApp({ clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** What GET /score says each reader counts: the fields of the fit's `<field>-known` rules, and the MQL rule's known count and what is missing. */
  const counted = async (id: string) => {
    const score = await t.api('get', `/api/v1/leads/${id}/score`);
    expect(score.status).toBe(200);
    const fit = (score.body.fitContributions as { ruleId: string }[]).map((c) => c.ruleId).filter((r) => r.endsWith('-known'));
    const mql = (score.body.mqlRule.conditions as { id: string; actual: number }[]).find((c) => c.id === 'qualification')!;
    return { fit, fitScore: score.body.fitScore, mqlKnown: mql.actual, missing: score.body.mqlRule.missing };
  };

  it('stores the answers of an upsert trimmed, and counts " unknown " as known to neither', async () => {
    const created = await t.api('post', '/api/v1/leads').send({
      email: 'pieter@drukkerij.be',
      qualification: { need: ' unknown ', budget: ' 10k ', timeline: '\t', authority: ' decision_maker ' },
    });
    expect(created.status).toBe(201);
    expect(created.body.qualification).toEqual({ need: 'unknown', budget: '10k', timeline: '', authority: 'decision_maker' });
    const [row] = await t.db.query(`SELECT qualification FROM leads WHERE id = $1`, [created.body.id]);
    expect(row.qualification).toEqual({ need: 'unknown', budget: '10k', timeline: '', authority: 'decision_maker' });

    expect(created.body.fitScore).toBe(15 + 5);
    expect(await counted(created.body.id)).toEqual({
      fit: ['budget-known'],
      fitScore: 20,
      mqlKnown: 2,
      missing: ['engagement score 50 or more (now 0)'],
    });
  });

  it('counts an answer stored with its white space (before upserts trimmed) as fit and the MQL rule both read it: trimmed', async () => {
    const created = await t.api('post', '/api/v1/leads').send({ email: 'lotte@schrijnwerk.be' });
    expect(created.status).toBe(201);
    await t.db.query(`UPDATE leads SET qualification = $2::jsonb WHERE id = $1`, [
      created.body.id,
      JSON.stringify({ need: ' Unknown ', timeline: ' voor de zomer ', authority: ' decision_maker ' }),
    ]);

    // Any upsert refits the lead from what is stored.
    const updated = await t.api('post', '/api/v1/leads').send({ email: 'lotte@schrijnwerk.be', firstName: 'Lotte' });
    expect(updated.status).toBe(200);
    expect(updated.body.qualification).toEqual({ need: ' Unknown ', timeline: ' voor de zomer ', authority: ' decision_maker ' });
    expect(await counted(created.body.id)).toEqual({
      fit: ['timeline-known'],
      fitScore: 15 + 5,
      mqlKnown: 2,
      missing: ['engagement score 50 or more (now 0)'],
    });
  });
});
