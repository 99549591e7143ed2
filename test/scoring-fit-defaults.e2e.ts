import { ManualClock } from '../src/common/clock.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** The default model's fit rules for BANT answers and the sender's market, as the API fits and explains them. */
describe('default fit rules: BANT answers known and the BE/NL/LU market', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-03-02T10:00:00Z');

  beforeAll(async () => {
    t = await startTestApp({ clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('explains each contribution in GET /api/v1/leads/{id}/score', async () => {
    const created = await t.api('post', '/api/v1/leads').send({
      email: 'els@brouwerij.be',
      qualification: { need: 'nieuwe webshop', budget: '15k', timeline: 'voor de zomer', authority: 'decision_maker' },
      attributes: { country: ' be ', employees: 40 },
    });
    expect(created.status).toBe(201);
    expect(created.body.fitScore).toBe(15 + 10 + 5 + 5 + 5 + 10);

    const score = await t.api('get', `/api/v1/leads/${created.body.id}/score`);
    expect(score.status).toBe(200);
    expect(score.body.modelVersion).toBe(1);
    expect(score.body.fitScore).toBe(50);
    expect(score.body.fitContributions).toEqual([
      { ruleId: 'decision-maker', description: 'Is the decision-maker', points: 15 },
      { ruleId: 'ten-or-more-employees', description: 'Company has 10 or more employees', points: 10 },
      { ruleId: 'need-known', description: 'Told us their need', points: 5 },
      { ruleId: 'budget-known', description: 'Told us their budget', points: 5 },
      { ruleId: 'timeline-known', description: 'Told us their timeline', points: 5 },
      { ruleId: 'home-market', description: 'Based in Belgium, the Netherlands or Luxembourg', points: 10 },
    ]);
  });

  it('refits when an answer arrives, and counts neither "unknown" nor a country outside the market', async () => {
    const email = 'jonas@gmail.com';
    const first = await t.api('post', '/api/v1/leads').send({ email, qualification: { timeline: 'Unknown' }, attributes: { country: 'DE' } });
    expect(first.body.fitScore).toBe(-10);
    const ids = async () =>
      (await t.api('get', `/api/v1/leads/${first.body.id}/score`)).body.fitContributions.map((c: { ruleId: string }) => c.ruleId);
    expect(await ids()).toEqual(['free-mail']);

    const second = await t.api('post', '/api/v1/leads').send({ email, qualification: { need: 'crm' }, attributes: { country: 'nl' } });
    expect(second.body.fitScore).toBe(-10 + 5 + 10);
    expect(await ids()).toEqual(['free-mail', 'need-known', 'home-market']);
  });
});
