import { ColdMqlRecycling } from '../src/handoffs/cold-mql-recycling.service.js';
import { apiKey, createRep, handoffFor, outboxDrained, sendEvents, subscribe, upsertLead } from './handoffs-helpers.js';
import { OpenApiAnswers } from './support/openapi-answers.js';
import { eventually, type TestApp } from './support/test-app.js';
import { verifyWebhook, webhookWorld, type ReceivedWebhook, type WebhookReceiver } from './webhooks-receiver.js';

const MONDAY = '2026-01-05T09:00:00Z'; // 10:00 in Brussels, office open: a quote's hand-off is due 15 minutes later
const DAY = 86_400_000;
const at = (time: string) => `2026-01-05T${time}:00.000Z`;
// The SLA watch and the cold sweep run only when a test calls them: what a hand-off reads is what its closing left.
const ENV = { SLA_SWEEP_MS: '3600000', MQL_COLD_SWEEP_MS: '86400000' };

/**
 * `handoff.closed`: a sales tool that got `handoff.created` hears when the system closes the hand-off without a sales
 * answer (the lead went cold, was disqualified or made customer by hand, or was erased) — recorded in the outbox by the
 * closing transaction and delivered signed — and the hand-off shows closedAt, closeReason and closedBy (and no respondedAt:
 * nobody in sales answered). Sales' own answers announce nothing.
 */
describe('hand-offs closed by the system', () => {
  const world = webhookWorld(MONDAY, ENV);
  const { clock } = world;
  let t: TestApp;
  let receiver: WebhookReceiver;
  let hook: { id: string; secret: string };
  let salesKey: string;
  let crmKey: string;
  let anneleen: string;
  let doc: OpenApiAnswers;
  const announced: string[] = [];

  beforeAll(async () => {
    t = world.app();
    receiver = await world.receiver();
    hook = await subscribe(t, receiver.url(), ['handoff.closed']);
    anneleen = await createRep(t, 'Anneleen');
    salesKey = await apiKey(t, 'Anneleen', 'sales');
    crmKey = await apiKey(t, 'crm', 'marketer');
    doc = await OpenApiAnswers.load(t);
  });

  async function quote(email: string): Promise<{ leadId: string; handoffId: string; ownerId: string | null }> {
    const leadId = await upsertLead(t, email);
    await sendEvents(t, [{ leadId, type: 'quote_requested' }]);
    const h = await eventually(() => handoffFor(t, leadId));
    expect(h.status).toBe('pending');
    return { leadId, handoffId: h.id, ownerId: h.owner_id };
  }

  /** The hand-off as sales reads it, checked against the OpenAPI document. */
  async function view(handoffId: string) {
    const res = await t.api('get', `/api/v1/handoffs/${handoffId}`, salesKey);
    doc.expect(res, 'get', '/api/v1/handoffs/{id}');
    return res.body;
  }

  /** The `handoff.closed` outbox rows of a lead. */
  const closedEvents = (leadId: string) =>
    t.db.query(`SELECT payload, occurred_at FROM outbox_events WHERE lead_id = $1 AND type = 'handoff.closed'`, [leadId]);

  /** The one delivery of the hand-off's `handoff.closed`, verified with the webhook's secret. */
  async function delivered(handoffId: string): Promise<{ hook: ReceivedWebhook; body: { type: string; data: Record<string, unknown> } }> {
    const [received] = await eventually(async () => {
      const hooks = receiver.accepted('handoff.closed').filter((r) => r.body.data.handoffId === handoffId);
      return hooks.length ? hooks : null;
    });
    const body = verifyWebhook(hook.secret, received, clock.now()) as { type: string; data: Record<string, unknown> };
    expect(doc.schemaProblems('HandoffClosedWebhookData', body.data)).toEqual([]);
    announced.push(handoffId);
    return { hook: received, body };
  }

  it("does not announce sales' own answers; an answer after the deadline reads as a missed SLA", async () => {
    clock.set(MONDAY);
    const accepted = await quote('aanvaard@bakkerij.example.be');
    const rejected = await quote('afgewezen@garage.example.be');
    const late = await quote('laat@drukker.example.be');
    clock.set(at('09:05'));
    await t.api('post', `/api/v1/handoffs/${accepted.handoffId}/accept`, salesKey).send({}).expect(200);
    await t.api('post', `/api/v1/handoffs/${rejected.handoffId}/reject`, salesKey).send({ reason: 'bad_fit' }).expect(200);
    clock.set(at('09:30'));
    await t.api('post', `/api/v1/handoffs/${late.handoffId}/accept`, salesKey).send({}).expect(200);

    for (const h of [accepted, rejected, late]) expect(await closedEvents(h.leadId)).toEqual([]);
    expect(await view(accepted.handoffId)).toMatchObject({ status: 'accepted', closedAt: null, closeReason: null, closedBy: null, slaBreached: false });
    expect(await view(rejected.handoffId)).toMatchObject({ status: 'rejected', closedAt: null, closeReason: null, closedBy: null, slaBreached: false });
    // Answered at 09:30 for a 09:15 deadline, never flagged by the watch: missed all the same.
    expect(await view(late.handoffId)).toMatchObject({ status: 'accepted', breachedAt: null, slaBreached: true, closedAt: null });
  });

  it('a lead disqualified or made customer by hand closes its pending hand-off, announced with the stage as reason', async () => {
    clock.set(at('09:30'));
    const spam = await quote('spam@concurrent.example.be');
    const customer = await quote('klant@bouw.example.be');
    await t.api('patch', `/api/v1/leads/${spam.leadId}`, crmKey).send({ stage: 'disqualified', reason: 'spam' }).expect(200);
    clock.set(at('10:00')); // after the customer's hand-off was due (09:45)
    await t.api('patch', `/api/v1/leads/${customer.leadId}`, crmKey).send({ stage: 'customer', reason: 'signed in the shop' }).expect(200);

    const spamView = await view(spam.handoffId);
    // Closed by the marketer's key, not answered by sales; missed only when closed after its deadline.
    expect(spamView).toMatchObject({ status: 'rejected', closedAt: at('09:30'), closeReason: 'disqualified', respondedAt: null, respondedBy: null, slaBreached: false });
    const customerView = await view(customer.handoffId);
    expect(customerView).toMatchObject({ status: 'rejected', closedAt: at('10:00'), closeReason: 'customer', respondedAt: null, respondedBy: null, slaBreached: true });
    expect(customerView.closedBy).toBe(spamView.closedBy);

    const spamData = { handoffId: spam.handoffId, leadId: spam.leadId, ownerId: spam.ownerId, status: 'rejected', reason: 'disqualified', closedAt: at('09:30'), closedBy: spamView.closedBy };
    expect(await closedEvents(spam.leadId)).toEqual([{ payload: spamData, occurred_at: new Date(at('09:30')) }]);
    expect((await delivered(spam.handoffId)).body).toEqual({ type: 'handoff.closed', timestamp: expect.any(String), data: spamData });
    const { body } = await delivered(customer.handoffId);
    expect(body.data).toEqual({
      handoffId: customer.handoffId,
      leadId: customer.leadId,
      ownerId: customer.ownerId,
      status: 'rejected',
      reason: 'customer',
      closedAt: at('10:00'),
      closedBy: customerView.closedBy,
    });
    expect(spamView.closedBy).toMatch(/\S/);
  });

  it('an erased lead closes its pending hand-off, announced with ids only', async () => {
    clock.set(at('10:00'));
    const email = 'griet.janssens@voorbeeld.example.be';
    const erased = await quote(email);
    await t.api('delete', `/api/v1/leads/${erased.leadId}`).expect(204);

    const data = { handoffId: erased.handoffId, leadId: erased.leadId, ownerId: erased.ownerId, status: 'rejected', reason: 'erased', closedAt: at('10:00'), closedBy: 'gdpr-erasure' };
    // Recorded after erasure scrubbed the lead's outbox payloads: the event keeps its data.
    expect(await closedEvents(erased.leadId)).toEqual([{ payload: data, occurred_at: new Date(at('10:00')) }]);
    const { hook: received, body } = await delivered(erased.handoffId);
    expect(body.data).toEqual(data);
    expect(received.raw.toLowerCase()).not.toContain('griet');
    expect(await view(erased.handoffId)).toMatchObject({ status: 'rejected', closedAt: at('10:00'), closeReason: 'erased', closedBy: 'gdpr-erasure', respondedAt: null, lead: null });
  });

  it('a lead that went cold expires its hand-off, announced as went_cold; the expired hand-off past its deadline reads as a missed SLA', async () => {
    clock.set(at('10:00'));
    const cold = await quote('stil@kapper.example.be');
    const later = new Date(Date.parse(at('10:00')) + 40 * DAY).toISOString();
    clock.set(later);
    expect(await t.app.get(ColdMqlRecycling).recycleCold()).toBe(1);

    const data = { handoffId: cold.handoffId, leadId: cold.leadId, ownerId: cold.ownerId, status: 'expired', reason: 'went_cold', closedAt: later, closedBy: 'system' };
    expect(await closedEvents(cold.leadId)).toEqual([{ payload: data, occurred_at: new Date(later) }]);
    expect((await delivered(cold.handoffId)).body.data).toEqual(data);
    expect(await view(cold.handoffId)).toMatchObject({ status: 'expired', closedAt: later, closeReason: 'went_cold', closedBy: 'system', breachedAt: null, slaBreached: true });
    const list = await t.api('get', '/api/v1/handoffs?status=expired', salesKey);
    doc.expect(list, 'get', '/api/v1/handoffs');
    expect(list.body.items).toEqual([expect.objectContaining({ id: cold.handoffId, closedAt: later, closeReason: 'went_cold', slaBreached: true })]);
  });

  it('a rep deactivated does not close their pending hand-off: it moves to another rep (handoff.reassigned), still open', async () => {
    const bram = await createRep(t, 'Bram');
    const waiting = await quote('wacht@schilder.example.be');
    await t.api('patch', `/api/v1/sales-reps/${waiting.ownerId}`).send({ active: false }).expect(200);
    const moved = await view(waiting.handoffId);
    expect(moved).toMatchObject({ status: 'pending', closedAt: null, closeReason: null });
    expect(moved.ownerId).not.toBe(waiting.ownerId);
    expect([bram, anneleen]).toContain(moved.ownerId);
    expect(await closedEvents(waiting.leadId)).toEqual([]);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE lead_id = $1 AND type = 'handoff.reassigned'`, [waiting.leadId]);
    expect(n).toBe(1);
  });

  it('announced each closed hand-off exactly once and nothing else', async () => {
    await eventually(() => outboxDrained(t));
    const ids = receiver.accepted('handoff.closed').map((r) => r.body.data.handoffId);
    expect(ids.sort()).toEqual([...announced].sort());
    expect(announced).toHaveLength(4);
  });
});
