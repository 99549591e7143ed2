import { ManualClock } from '../src/common/clock.js';
import { createRep, handoffFor, sendEvents, upsertLead } from './handoffs-helpers.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

const DAY = 86_400_000;
const BANT = { need: 'nieuwe website', timeline: 'voor de zomer' };

/**
 * PRODUCT: "On MQL a hand-off is created: priority from intent". A lead the MQL rule promotes (no high-intent event
 * just now) is handed to sales with the priority of its intent — the highest tier of its own human behaviour of the
 * last 90 days — and that priority's SLA: high 15 office minutes, medium one office day, low three office days.
 */
describe('hand-off priority of an MQL by the scoring rule', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-01-05T09:00:00Z'); // Monday 10:00 in Brussels, office open

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { OUTBOX_RELAY_MS: '50' } });
    await createRep(t, 'Anneleen');
  });
  afterAll(async () => {
    await t?.close();
  });

  const ago = (days: number) => new Date(clock.now().getTime() - days * DAY).toISOString();
  const scored = async (leadId: string) =>
    (await t.db.query(`SELECT count(*)::int AS n FROM scoring_queue WHERE lead_id = $1`, [leadId]))[0].n === 0;

  /**
   * A lead with this behaviour, then a long history of engagement (80 points, more than the threshold of 50: set on
   * the row, as years of opens and visits would), who answers two BANT questions: the upsert's MQL rule promotes it.
   */
  async function promotedByTheRule(email: string, events: Record<string, unknown>[]) {
    const leadId = await upsertLead(t, email);
    if (events.length) await sendEvents(t, events.map((e) => ({ leadId, ...e })));
    await eventually(() => scored(leadId));
    await t.db.query(`UPDATE leads SET engagement_score = 80, engagement_as_of = $2 WHERE id = $1`, [leadId, clock.now()]);
    const res = await t.api('post', '/api/v1/leads').send({ email, qualification: BANT });
    expect(res.body.stage).toBe('mql');
    const h = await eventually(() => handoffFor(t, leadId));
    const view = (await t.api('get', `/api/v1/handoffs/${h.id}`)).body;
    expect(view.reason).toBe('mql_rule');
    return view;
  }

  it('a download and a webinar in the last 90 days make it medium, due the next office day; newsletter-level behaviour and a download of 100 days ago, low, due in three office days', async () => {
    const medium = await promotedByTheRule('medium@drukkerij.example.be', [
      { type: 'newsletter_subscribed' },
      { type: 'content_downloaded', occurredAt: ago(30), properties: { asset: 'gids' } },
      { type: 'webinar_attended', occurredAt: ago(5) },
    ]);
    expect(medium).toMatchObject({ priority: 'medium', slaDueAt: '2026-01-06T09:00:00.000Z' });

    const low = await promotedByTheRule('low@bakkerij.example.be', [
      { type: 'newsletter_subscribed' },
      { type: 'page_viewed', properties: { url: 'https://example.be/blog/brood' } },
      { type: 'content_downloaded', occurredAt: ago(100), properties: { asset: 'gids' } },
    ]);
    // Monday 10:00 in Brussels → Thursday 10:00.
    expect(low).toMatchObject({ priority: 'low', slaDueAt: '2026-01-08T09:00:00.000Z' });
  });

  it('no behaviour at all: low priority', async () => {
    expect(await promotedByTheRule('silent@bakkerij.example.be', [])).toMatchObject({ priority: 'low', slaDueAt: '2026-01-08T09:00:00.000Z' });
  });

  it('a quote request of 10 days ago (imported: it did not promote at once) within the 90 days: high priority, due in 15 office minutes', async () => {
    const view = await promotedByTheRule('high@garage.example.be', [
      { type: 'page_viewed', properties: { url: 'https://example.be/blog/banden' } },
      { type: 'quote_requested', occurredAt: ago(10) },
    ]);
    expect(view).toMatchObject({ priority: 'high', slaDueAt: '2026-01-05T09:15:00.000Z' });
  });
});
