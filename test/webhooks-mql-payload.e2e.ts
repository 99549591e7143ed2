import { jest } from '@jest/globals';
import { ManualClock } from '../src/common/clock.js';
import { HandoffSnapshotService } from '../src/handoffs/handoff-snapshot.service.js';
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

  it("carries the lead's picture — taken once, the one its hand-off carries, stored in its outbox event — as documented; erasure wipes it everywhere", async () => {
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
    const snapshots = jest.spyOn(t.app.get(HandoffSnapshotService), 'take');
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
    // The hand-off's picture is this one: taken once for the promotion, not once per event or per delivery.
    const picture = (d: Record<string, any>) => ({
      lead: d.lead,
      source: d.source,
      channel: d.channel,
      qualification: d.qualification,
      score: d.score,
      timeline: d.timeline,
      snapshotAt: d.snapshotAt,
    });
    expect(picture(handoff.body.data)).toEqual(picture(data));
    expect(snapshots.mock.calls.filter(([, leads]) => leads.some((l) => l.id === leadId))).toHaveLength(1);
    snapshots.mockRestore();
    // It is stored once, in the event's outbox payload, which each delivery copies when it is written.
    const [event] = await t.db.query(`SELECT id, payload FROM outbox_events WHERE lead_id = $1 AND type = 'lead.mql'`, [leadId]);
    expect(event.payload).toEqual(data);
    const [delivery] = await t.db.query(`SELECT payload FROM webhook_deliveries WHERE outbox_event_id = $1 AND subscription_id = $2`, [event.id, hook.id]);
    expect(delivery.payload).toEqual(data);
    // As the OpenAPI document describes it.
    expect((await OpenApiAnswers.load(t)).schemaProblems('LeadMqlWebhookData', data)).toEqual([]);

    // GDPR erasure wipes the picture from what the delivery log keeps, and from the outbox events it was copied from.
    const count = async () => {
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE subscription_id = $1 AND strpos(payload::text, $2) > 0`, [
        hook.id,
        email,
      ]);
      const [{ o }] = await t.db.query(`SELECT count(*)::int AS o FROM outbox_events WHERE lead_id = $1 AND strpos(payload::text, $2) > 0`, [leadId, email]);
      return { deliveries: n, outbox: o };
    };
    expect(await count()).toEqual({ deliveries: 2, outbox: 2 });
    await t.api('delete', `/api/v1/leads/${leadId}`).expect(204);
    expect(await count()).toEqual({ deliveries: 0, outbox: 0 });
  });
});
