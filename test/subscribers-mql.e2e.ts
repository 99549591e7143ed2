import { ManualClock } from '../src/common/clock.js';
import { createRep, handoffFor, handoffsOf, outboxDrained, sendEvents } from './handoffs-helpers.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

/**
 * PRODUCT: a subscriber "only gave permission to keep in touch (newsletter, social, blog). Nurture only, never a sales
 * lead." The MQL rule does not make one an MQL, however many newsletters it signs up for: it first becomes a lead
 * (a download, a webinar, a form with its contact details), and then the rule applies. A high-intent event (a quote
 * request) is a sales signal and still promotes it at once.
 */
describe('subscribers and the MQL rule', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-01-05T09:00:00Z'); // Monday 10:00 in Brussels

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { OUTBOX_RELAY_MS: '50' } });
    await createRep(t, 'Anneleen');
  });
  afterAll(async () => {
    await t?.close();
  });

  const lead = async (id: string) => (await t.api('get', `/api/v1/leads/${id}`)).body;
  const settled = async () => {
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM scoring_queue`);
    return n === 0 && (await outboxDrained(t));
  };
  const stageChanges = (leadId: string) =>
    t.db.query(`SELECT from_stage, to_stage, reason FROM stage_changes WHERE lead_id = $1 ORDER BY id`, [leadId]) as Promise<object[]>;

  /** A newsletter signup of an unknown address (a subscriber), two BANT answers, and engagement well over the threshold. */
  async function hotSubscriber(email: string): Promise<string> {
    const signup = await t.api('post', '/api/v1/events').send({ email, type: 'newsletter_subscribed' });
    const leadId: string = signup.body.items[0].leadId;
    await eventually(settled);
    const answered = await t.api('post', '/api/v1/leads').send({ email, qualification: { need: 'nieuwe website', budget: '10k' } });
    expect(answered.body.stage).toBe('subscriber');
    await t.db.query(`UPDATE leads SET engagement_score = 80, engagement_as_of = $2 WHERE id = $1`, [leadId, clock.now()]);
    return leadId;
  }

  it('keeps a subscriber with the score and two BANT answers a subscriber through newsletter signups and blog visits: no MQL, no hand-off', async () => {
    const leadId = await hotSubscriber('abonnee@bakkerij.example.be');
    await sendEvents(t, [
      ...Array.from({ length: 10 }, () => ({ leadId, type: 'newsletter_subscribed' })),
      ...Array.from({ length: 5 }, (_, i) => ({ leadId, type: 'page_viewed', properties: { url: `https://example.be/blog/${i}` } })),
    ]);
    await eventually(settled);
    expect((await lead(leadId)).stage).toBe('subscriber');
    expect(await handoffsOf(t, leadId)).toEqual([]);
    // Signing up again is no new signal: of the eleven signups this week only the first earned points.
    const signups = await t.db.query(`SELECT count(*)::int AS n FROM score_ledger WHERE lead_id = $1 AND rule_id = 'newsletter-subscribed'`, [leadId]);
    expect(signups).toEqual([{ n: 1 }]);
    const score = (await t.api('get', `/api/v1/leads/${leadId}/score`)).body;
    expect(score.mqlRule).toMatchObject({ met: false, missing: [expect.stringContaining('a lead, not a subscriber')] });

    // A download makes it a lead, and the rule then makes that lead an MQL: both moves recorded, a hand-off made.
    await sendEvents(t, [{ leadId, type: 'content_downloaded', properties: { asset: 'gids' } }]);
    const h = await eventually(() => handoffFor(t, leadId));
    expect(h).toMatchObject({ priority: 'medium', status: 'pending' });
    expect(await stageChanges(leadId)).toEqual([
      { from_stage: 'subscriber', to_stage: 'lead', reason: 'showed_interest' },
      { from_stage: 'lead', to_stage: 'mql', reason: 'mql_rule' },
    ]);
  });

  it('promotes a subscriber, whom the MQL rule does not apply to, at once when it asks for a quote: a high-priority hand-off', async () => {
    const signup = await t.api('post', '/api/v1/events').send({ email: 'offerte@garage.example.be', type: 'newsletter_subscribed' });
    const leadId: string = signup.body.items[0].leadId;
    await eventually(settled);
    const before = (await t.api('get', `/api/v1/leads/${leadId}/score`)).body;
    expect(before.mqlRule.conditions[0]).toMatchObject({ id: 'stage', met: false, required: 'lead', actual: 'subscriber' });
    await sendEvents(t, [{ leadId, type: 'quote_requested' }]);
    const h = await eventually(() => handoffFor(t, leadId));
    expect(h).toMatchObject({ priority: 'high', sla_due_at: new Date('2026-01-05T09:15:00Z') });
    expect(await stageChanges(leadId)).toEqual([{ from_stage: 'subscriber', to_stage: 'mql', reason: 'high_intent_event' }]);
  });
});
