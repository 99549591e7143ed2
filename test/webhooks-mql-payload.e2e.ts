import { ManualClock } from '../src/common/clock.js';
import { createRep, sendEvents, subscribe, upsertLead } from './handoffs-helpers.js';
import { OpenApiAnswers } from './support/openapi-answers.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';
import { verifyWebhook, WebhookReceiver } from './webhooks-receiver.js';

/**
 * The `lead.mql` webhook tells sales what they need, as a hand-off does: profile, source and channel, BANT
 * answers, score with its reasons, recent timeline — not only ids.
 */
describe('the lead.mql webhook payload', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  const clock = new ManualClock('2026-01-05T09:00:00Z');

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', OUTBOX_RELAY_MS: '30', WEBHOOK_SWEEP_MS: '50' } });
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it("carries the lead's picture — the one its hand-off carries — as documented, and erasure wipes it from the delivery log", async () => {
    const hook = await subscribe(t, receiver.url(), ['lead.mql', 'handoff.created']);
    await createRep(t, 'Griet');
    const email = 'jonas@drukkerij-maes.example.be';
    const leadId = await upsertLead(t, email, {
      firstName: 'Jonas',
      lastName: 'Maes',
      company: 'Drukkerij Maes',
      jobTitle: 'Zaakvoerder',
      source: { channel: 'meta_ads', campaign: 'drukwerk-lente' },
      qualification: { need: 'webshop voor drukwerk', timeline: 'Q3', budget: '15k', authority: 'decision_maker' },
    });
    await sendEvents(t, [
      { leadId, type: 'page_viewed', properties: { url: 'https://drukkerij.example.be/pricing' } },
      { leadId, type: 'quote_requested', properties: { product: 'webshop' } },
    ]);
    const mql = await eventually(async () => receiver.accepted('lead.mql')[0]);
    const handoff = await eventually(async () => receiver.accepted('handoff.created')[0]);

    const data = (verifyWebhook(hook.secret, mql, clock.now()) as { data: Record<string, any> }).data;
    expect(data).toMatchObject({
      leadId,
      to: 'mql',
      reason: 'high_intent_event',
      lead: { id: leadId, email, firstName: 'Jonas', lastName: 'Maes', company: 'Drukkerij Maes', jobTitle: 'Zaakvoerder', stage: 'mql' },
      source: { channel: 'meta_ads', campaign: 'drukwerk-lente' },
      channel: 'meta_ads',
      qualification: { need: 'webshop voor drukwerk', timeline: 'Q3', budget: '15k', authority: 'decision_maker' },
      snapshotAt: clock.now().toISOString(),
    });
    expect(data.score.engagementScore).toBeGreaterThan(0);
    expect(data.score.reasons.length).toBeGreaterThan(0);
    expect(data.score.reasons[0]).toEqual(expect.objectContaining({ description: expect.any(String), points: expect.any(Number) }));
    expect(data.timeline.filter((i: { kind: string }) => i.kind === 'event').map((i: { data: { type: string } }) => i.data.type)).toEqual(
      expect.arrayContaining(['page_viewed', 'quote_requested']),
    );
    // The same picture as the hand-off's (taken by the same code in the same relay batch).
    const picture = (d: Record<string, any>) => ({ lead: d.lead, source: d.source, channel: d.channel, qualification: d.qualification, reasons: d.score.reasons });
    expect(picture(data)).toEqual(picture(handoff.body.data));
    // As the OpenAPI document describes it.
    expect((await OpenApiAnswers.load(t)).schemaProblems('LeadMqlWebhookData', data)).toEqual([]);

    // GDPR erasure wipes the picture from what the delivery log keeps.
    const withEmail = `webhook_deliveries WHERE subscription_id = $1 AND strpos(payload::text, $2) > 0`;
    const count = async () => (await t.db.query(`SELECT count(*)::int AS n FROM ${withEmail}`, [hook.id, email]))[0].n;
    expect(await count()).toBe(2);
    await t.api('delete', `/api/v1/leads/${leadId}`).expect(204);
    expect(await count()).toBe(0);
  });
});
