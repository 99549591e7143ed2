import { ManualClock } from '../src/common/clock.js';
import { apiKey, createRep, handoffFor, handoffsOf, outboxDrained, sendEvents, subscribe, upsertLead } from './handoffs-helpers.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';
import { verifyWebhook, WebhookReceiver } from './webhooks-receiver.js';

const ENV = { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', OUTBOX_RELAY_MS: '50', WEBHOOK_SWEEP_MS: '100' };

/**
 * PRODUCT.md: a quote request, booked meeting or contact request goes to sales at once, with a 15-minute SLA.
 * A lead already in a medium hand-off (an MQL by its score) that then asks for a quote must not wait out the
 * medium deadline: its pending hand-off is raised.
 */
describe('a high-intent event of a lead already handed to sales', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let hook: { id: string; secret: string };
  let sales: string;
  const clock = new ManualClock('2026-01-05T09:00:00Z'); // Monday 10:00 in Brussels

  beforeAll(async () => {
    t = await startTestApp({ clock, env: ENV });
    receiver = await WebhookReceiver.start();
    hook = await subscribe(t, receiver.url(), ['handoff.escalated']);
    await createRep(t, 'Anneleen');
    sales = await apiKey(t, 'Anneleen', 'sales');
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  /**
   * A lead promoted by the MQL rule (engagement over the threshold, two BANT answers) who downloaded a guide (medium
   * intent): a medium hand-off.
   */
  async function scoredMql(email: string) {
    const leadId = await upsertLead(t, email);
    await sendEvents(t, [{ leadId, type: 'content_downloaded', properties: { asset: 'gids' } }]);
    await eventually(async () => (await t.db.query(`SELECT count(*)::int AS n FROM scoring_queue WHERE lead_id = $1`, [leadId]))[0].n === 0);
    await t.db.query(`UPDATE leads SET engagement_score = 80, engagement_as_of = $2 WHERE id = $1`, [leadId, clock.now()]);
    const res = await t.api('post', '/api/v1/leads').send({ email, qualification: { need: 'crm', budget: '10k' } });
    expect(res.body.stage).toBe('mql');
    const h = await eventually(() => handoffFor(t, leadId));
    expect(h.priority).toBe('medium');
    return { leadId, handoff: h };
  }

  it('raises the pending hand-off to high with a 15-office-minute deadline, and announces it once', async () => {
    const { leadId, handoff } = await scoredMql('medium@atelier.example.be');
    const mediumDue = handoff.sla_due_at.getTime();
    clock.set('2026-01-05T09:30:00Z');
    await sendEvents(t, [{ leadId, type: 'quote_requested' }]);

    const raised = await eventually(async () => {
      const h = await handoffFor(t, leadId);
      return h?.priority === 'high' ? h : null;
    });
    expect(raised.id).toBe(handoff.id); // the same hand-off, not a second one
    expect(raised.sla_due_at.toISOString()).toBe('2026-01-05T09:45:00.000Z');
    expect(raised.sla_due_at.getTime()).toBeLessThan(mediumDue);
    expect(await handoffsOf(t, leadId)).toHaveLength(1);

    const [announced] = await eventually(async () => (receiver.accepted('handoff.escalated').length ? receiver.accepted('handoff.escalated') : null));
    expect(verifyWebhook(hook.secret, announced, clock.now())).toMatchObject({
      type: 'handoff.escalated',
      data: { id: handoff.id, leadId, priority: 'high', slaDueAt: '2026-01-05T09:45:00.000Z', escalation: { reason: 'high_intent_event', triggerEventType: 'quote_requested' } },
    });
    const view = (await t.api('get', `/api/v1/handoffs/${handoff.id}`, sales)).body;
    expect(view).toMatchObject({ priority: 'high', slaDueAt: '2026-01-05T09:45:00.000Z' });

    // A second quote request finds it high already: nothing more.
    await sendEvents(t, [{ leadId, type: 'quote_requested' }]);
    await eventually(() => outboxDrained(t));
    expect(receiver.accepted('handoff.escalated').filter((r) => r.body.data.id === handoff.id)).toHaveLength(1);
  });

  it('leaves a hand-off sales already accepted as it is', async () => {
    const { leadId, handoff } = await scoredMql('accepted@atelier.example.be');
    expect((await t.api('post', `/api/v1/handoffs/${handoff.id}/accept`, sales).send({})).status).toBe(200);
    await sendEvents(t, [{ leadId, type: 'meeting_booked' }]);
    await eventually(async () => (await t.db.query(`SELECT count(*)::int AS n FROM scoring_queue WHERE lead_id = $1`, [leadId]))[0].n === 0);
    await eventually(() => outboxDrained(t));
    const [h] = await handoffsOf(t, leadId);
    expect(h).toMatchObject({ id: handoff.id, status: 'accepted', priority: 'medium' });
    expect(receiver.accepted('handoff.escalated').filter((r) => r.body.data.id === handoff.id)).toHaveLength(0);
  });
});
