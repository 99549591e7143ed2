import { ManualClock } from '../src/common/clock.js';
import { createProgram } from './programs-helpers.js';
import { apiKey, createRep, handoffFor, handoffsOf, outboxDrained, sendEvents, subscribe, upsertLead } from './handoffs-helpers.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';
import { verifyWebhook, WebhookReceiver } from './webhooks-receiver.js';

describe('sales hand-off', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let hook: { id: string; secret: string };
  let salesKey: string;
  const reps: Record<string, string> = {};
  const clock = new ManualClock('2026-01-05T09:00:00Z'); // Monday 10:00 in Brussels, office open

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', OUTBOX_RELAY_MS: '50', WEBHOOK_SWEEP_MS: '100' } });
    receiver = await WebhookReceiver.start();
    hook = await subscribe(t, receiver.url(), ['handoff.created']);
    reps.anneleen = await createRep(t, 'Anneleen');
    reps.bruno = await createRep(t, 'Bruno', { locales: ['fr', 'nl'] });
    salesKey = await apiKey(t, 'Anneleen', 'sales');
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  /** A lead who asks for a quote (high intent): promoted to MQL at once, handed to sales. */
  async function quoteRequest(email: string, lead: Record<string, unknown> = {}): Promise<{ leadId: string; handoffId: string }> {
    const leadId = await upsertLead(t, email, lead);
    await sendEvents(t, [{ leadId, type: 'quote_requested', properties: { product: 'website' } }]);
    const handoff = await eventually(() => handoffFor(t, leadId));
    return { leadId, handoffId: handoff.id };
  }

  it('a quote request becomes one high-priority hand-off, with an owner, a 15-office-minute SLA, the reasons — and a signed webhook', async () => {
    const leadId = await upsertLead(t, 'an@bakkerij.example.be', {
      firstName: 'An',
      lastName: 'Peeters',
      company: 'Bakkerij Peeters',
      source: { channel: 'google_ads', campaign: 'offerte-q4' },
      qualification: { need: 'nieuwe website', timeline: 'voor 2027' },
    });
    // The same request sent twice at once, and a third time later: still one hand-off.
    await Promise.all([
      sendEvents(t, [{ leadId, type: 'quote_requested', properties: { product: 'website' } }]),
      sendEvents(t, [{ leadId, type: 'quote_requested', properties: { product: 'website' } }]),
    ]);
    const created = await eventually(() => handoffFor(t, leadId));
    await sendEvents(t, [{ leadId, type: 'contact_requested' }]);
    await eventually(async () => (await outboxDrained(t)) && receiver.accepted('handoff.created').length > 0);
    expect(await handoffsOf(t, leadId)).toHaveLength(1);

    const res = await t.api('get', `/api/v1/handoffs/${created.id}`, salesKey);
    expect(res.status).toBe(200);
    const h = res.body;
    expect(h).toMatchObject({
      leadId,
      status: 'pending',
      priority: 'high',
      reason: 'high_intent_event',
      trigger: { eventType: 'quote_requested' },
      slaDueAt: '2026-01-05T09:15:00.000Z',
      slaBreached: false,
      lead: { email: 'an@bakkerij.example.be', firstName: 'An', company: 'Bakkerij Peeters' },
      channel: 'google_ads',
      source: { channel: 'google_ads', campaign: 'offerte-q4' },
      qualification: { need: 'nieuwe website', timeline: 'voor 2027' },
    });
    expect([reps.anneleen, reps.bruno]).toContain(h.ownerId);
    expect(h.owner.id).toBe(h.ownerId);
    expect(h.score.reasons[0]).toMatchObject({ description: 'Requested a quote', points: 30 });
    expect(h.timeline.map((i: { kind: string; data: { type?: string } }) => i.data.type ?? i.kind)).toContain('quote_requested');

    const [webhook] = receiver.accepted('handoff.created').filter((r) => r.body.data.id === created.id);
    expect(verifyWebhook(hook.secret, webhook, clock.now())).toMatchObject({ type: 'handoff.created', data: { id: created.id, priority: 'high' } });
    expect(webhook.body.data).toMatchObject({ ownerId: h.ownerId, slaDueAt: h.slaDueAt, lead: { email: 'an@bakkerij.example.be' } });
    expect(receiver.accepted('handoff.created').filter((r) => r.body.data.id === created.id)).toHaveLength(1);
  });

  it('the snapshot (taken set-based for the batch) carries the same reasons and recent timeline as the score and timeline endpoints', async () => {
    const leadId = await upsertLead(t, 'jan@schrijnwerk.example.be', { qualification: { need: 'webshop' } });
    // A long history at distinct moments (so the ranking has no ties): more than the snapshot keeps of either list.
    const history: { type: string; properties?: Record<string, unknown>; hoursAgo: number }[] = [
      ...Array.from({ length: 12 }, (_, i) => ({ type: 'page_viewed', properties: { url: `/werk/${i}` }, hoursAgo: 200 - i * 12 })),
      { type: 'newsletter_subscribed', hoursAgo: 30 },
      { type: 'form_submitted', hoursAgo: 20 },
      { type: 'content_downloaded', hoursAgo: 10 },
    ];
    await sendEvents(
      t,
      history.map((e) => ({ leadId, type: e.type, properties: e.properties ?? {}, occurredAt: new Date(clock.now().getTime() - e.hoursAgo * 3_600_000).toISOString() })),
    );
    // Nurture emails it was sent (and one held back) are timeline items too.
    for (const [i, hoursAgo, status] of [[1, 25, 'sent'], [2, 15, 'suppressed']] as const) {
      await t.db.query(
        `INSERT INTO email_messages (idempotency_key, kind, lead_id, to_address, status, status_reason, subject, created_at, sent_at)
         VALUES ($1, 'nurture', $2, 'jan@schrijnwerk.example.be', $3, $4, $5, $6, $7)`,
        [`snapshot-mail-${i}`, leadId, status, status === 'sent' ? null : 'unsubscribed', `Mail ${i}`, new Date(clock.now().getTime() - hoursAgo * 3_600_000), status === 'sent' ? new Date(clock.now().getTime() - hoursAgo * 3_600_000 + 60_000) : null],
      );
    }
    await eventually(async () => (await t.db.query(`SELECT 1 FROM scoring_queue WHERE lead_id = $1`, [leadId])).length === 0);
    await sendEvents(t, [{ leadId, type: 'quote_requested', properties: { product: 'webshop' } }]);
    const created = await eventually(() => handoffFor(t, leadId));
    await eventually(() => outboxDrained(t));

    const h = (await t.api('get', `/api/v1/handoffs/${created.id}`, salesKey)).body;
    const score = (await t.api('get', `/api/v1/leads/${leadId}/score`)).body;
    const timeline: { kind: string; at: string; data: unknown }[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: typeof timeline; nextCursor?: string | null } = (await t.api('get', `/api/v1/leads/${leadId}/timeline?limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body;
      timeline.push(...page.items);
      cursor = page.nextCursor ?? null;
    } while (cursor);

    expect(timeline.length).toBeGreaterThan(10);
    expect(h.timeline.filter((i: { kind: string }) => i.kind === 'email').map((i: { data: unknown }) => i.data)).toEqual([
      expect.objectContaining({ status: 'sent', subject: 'Mail 1', sentAt: expect.any(String) }),
      expect.objectContaining({ status: 'suppressed', reason: 'unsubscribed', subject: 'Mail 2', sentAt: null }),
    ]);
    expect(h.timeline).toEqual(timeline.slice(-10).map((i) => ({ kind: i.kind, at: i.at, data: i.data })));
    expect(h.score.reasons).toEqual(
      score.contributions.slice(0, 5).map((c: Record<string, unknown>) => ({ description: c.description, points: c.points, currentPoints: c.currentPoints, at: c.at, eventId: c.eventId })),
    );
    expect(h.score).toMatchObject({ engagementScore: score.engagementScore, fitScore: score.fitScore, mqlRule: { met: score.mqlRule.met, missing: score.mqlRule.missing } });
    expect(h.lead.stage).toBe(score.stage);
  });

  it("a program's hand-off step for a lead with an open hand-off creates nothing; for another lead it sets its own priority", async () => {
    const { leadId } = await quoteRequest('jan@garage.example.be');
    const other = await upsertLead(t, 'els@kapper.example.be');
    const programId = '00000000-0000-4000-8000-000000000001';
    await t.db.query(
      `INSERT INTO outbox_events (type, lead_id, payload, occurred_at) SELECT 'handoff.requested', l, jsonb_build_object('leadId', l, 'programId', $2::text,
         'enrollmentId', $2::text, 'stepId', 'to-sales', 'priority', 'low'), now() FROM unnest($1::uuid[]) AS l`,
      [[leadId, other], programId],
    );
    const requested = await eventually(() => handoffFor(t, other));
    await eventually(() => outboxDrained(t));
    expect(await handoffsOf(t, leadId)).toHaveLength(1);
    const res = await t.api('get', `/api/v1/handoffs/${requested.id}`);
    expect(res.body).toMatchObject({ priority: 'low', reason: 'program_step', trigger: { programId, stepId: 'to-sales' } });
    expect(res.body.slaDueAt).toBe('2026-01-08T09:00:00.000Z'); // 72 hours from Monday 10:00: three office days, Thursday 10:00 in Brussels
  });

  it("a program's hand-off step hands the lead to sales with the step's priority", async () => {
    const programId = await createProgram(t, {
      name: 'Warme leads naar sales',
      trigger: { type: 'manual' },
      steps: [
        { id: 'to-sales', type: 'handoff', priority: 'high', next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    const leadId = await upsertLead(t, 'wim@installateur.example.be');
    const enrolled = await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadId });
    expect(enrolled.status).toBe(201);
    const h = await eventually(() => handoffFor(t, leadId));
    const res = await t.api('get', `/api/v1/handoffs/${h.id}`);
    expect(res.body).toMatchObject({
      priority: 'high',
      reason: 'program_step',
      trigger: { programId, enrollmentId: enrolled.body.id, stepId: 'to-sales' },
      slaDueAt: '2026-01-05T09:15:00.000Z',
    });
  });

  it('a lead who becomes MQL by the scoring rule (downloads + two BANT answers) is a medium-priority hand-off due in 24 hours: the same time the next office day', async () => {
    const leadId = await upsertLead(t, 'piet@drukkerij.example.be', { qualification: { need: 'drukwerk', timeline: 'Q2' } });
    await sendEvents(t, Array.from({ length: 5 }, (_, i) => ({ leadId, type: 'content_downloaded', properties: { asset: `gids-${i}` } })));
    const h = await eventually(() => handoffFor(t, leadId));
    const res = await t.api('get', `/api/v1/handoffs/${h.id}`);
    // Monday 10:00 in Brussels → Tuesday 10:00 (1,440 office minutes would have run until Thursday 10:00).
    expect(res.body).toMatchObject({ priority: 'medium', reason: 'mql_rule', slaDueAt: '2026-01-06T09:00:00.000Z' });
  });

  it('a French-speaking lead goes to the rep who speaks French', async () => {
    const { handoffId } = await quoteRequest('claire@boulangerie.example.be', { locale: 'fr' });
    const res = await t.api('get', `/api/v1/handoffs/${handoffId}`);
    expect(res.body.ownerId).toBe(reps.bruno);
  });

  it('accepting makes the lead sales-qualified, recorded with the sales actor; accepting twice or rejecting afterwards is a conflict', async () => {
    const { leadId, handoffId } = await quoteRequest('tom@schrijnwerk.example.be');
    const accepted = await t.api('post', `/api/v1/handoffs/${handoffId}/accept`, salesKey).send({ note: 'Demo op dinsdag' });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: 'accepted', note: 'Demo op dinsdag', respondedBy: 'sales:Anneleen', respondedAt: clock.now().toISOString() });
    const lead = await t.api('get', `/api/v1/leads/${leadId}`);
    expect(lead.body.stage).toBe('sql');
    const [change] = await t.db.query(`SELECT actor, reason FROM stage_changes WHERE lead_id = $1 AND to_stage = 'sql'`, [leadId]);
    expect(change).toEqual({ actor: 'sales:Anneleen', reason: 'hand-off accepted' });

    const again = await t.api('post', `/api/v1/handoffs/${handoffId}/accept`, salesKey).send({});
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(again.body.detail).toBe('The hand-off is already accepted.');
    const reject = await t.api('post', `/api/v1/handoffs/${handoffId}/reject`, salesKey).send({ reason: 'no_budget' });
    expect(reject.status).toBe(409);
    expect(reject.body.detail).toMatch(/report the outcome "lost"/);
  });

  it('outcomes move the lead to opportunity and customer with the deal value; an outcome before acceptance or after closing is a conflict', async () => {
    const { leadId, handoffId } = await quoteRequest('sofie@architect.example.be');
    const early = await t.api('post', `/api/v1/handoffs/${handoffId}/outcome`, salesKey).send({ outcome: 'won' });
    expect(early.status).toBe(409);
    expect(early.body.detail).toBe('Accept the hand-off before reporting an outcome.');

    await t.api('post', `/api/v1/handoffs/${handoffId}/accept`, salesKey).send({}).expect(200);
    const opp = await t.api('post', `/api/v1/handoffs/${handoffId}/outcome`, salesKey).send({ outcome: 'opportunity', value: 8000 });
    expect(opp.body).toMatchObject({ status: 'opportunity', value: 8000, currency: 'EUR' });
    expect((await t.api('get', `/api/v1/leads/${leadId}`)).body.stage).toBe('opportunity');
    const won = await t.api('post', `/api/v1/handoffs/${handoffId}/outcome`, salesKey).send({ outcome: 'won', value: 12500.5, currency: 'EUR' });
    expect(won.body).toMatchObject({ status: 'won', value: 12500.5, currency: 'EUR', outcomeAt: clock.now().toISOString() });
    expect((await t.api('get', `/api/v1/leads/${leadId}`)).body.stage).toBe('customer');

    const late = await t.api('post', `/api/v1/handoffs/${handoffId}/outcome`, salesKey).send({ outcome: 'lost' });
    expect(late.status).toBe(409);
    expect(late.body.detail).toMatch(/closed \(won\)/);
  });

  it('a lost deal returns the lead to long-term nurture; a lost deal with a value is refused naming the field', async () => {
    const { leadId, handoffId } = await quoteRequest('lotte@fietsen.example.be');
    await t.api('post', `/api/v1/handoffs/${handoffId}/accept`, salesKey).send({}).expect(200);
    const withValue = await t.api('post', `/api/v1/handoffs/${handoffId}/outcome`, salesKey).send({ outcome: 'lost', value: 10 });
    expect(withValue.status).toBe(422);
    expect(withValue.body.errors).toEqual([{ field: 'value', message: 'only an opportunity or a won deal has a value' }]);
    await t.api('post', `/api/v1/handoffs/${handoffId}/outcome`, salesKey).send({ outcome: 'lost' }).expect(200);
    expect((await t.api('get', `/api/v1/leads/${leadId}`)).body.stage).toBe('recycled');
  });

  it('a rejected lead is recycled and enters the long-term program at once; a disqualified one is out for good', async () => {
    const recycleProgram = await createProgram(t, {
      name: 'Lange termijn',
      trigger: { type: 'stage_entered', stage: 'recycled' },
      goal: { anyOf: [{ stageAtLeast: 'sql' }] },
      steps: [
        { id: 'rest', type: 'wait', duration: 'P90D', next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    const { leadId, handoffId } = await quoteRequest('karel@bouw.example.be');
    const rejected = await t.api('post', `/api/v1/handoffs/${handoffId}/reject`, salesKey).send({ reason: 'not_now', note: 'Volgend jaar' });
    expect(rejected.body).toMatchObject({ status: 'rejected', rejectReason: 'not_now', note: 'Volgend jaar' });
    expect((await t.api('get', `/api/v1/leads/${leadId}`)).body.stage).toBe('recycled');
    // The LeadActivity published with the answer enrolled the lead in the same transaction.
    const [enrollment] = await t.db.query(`SELECT status FROM enrollments WHERE program_id = $1 AND lead_id = $2`, [recycleProgram, leadId]);
    expect(enrollment).toEqual({ status: 'active' });

    const spam = await quoteRequest('spam@competitor.example.be');
    await t.api('post', `/api/v1/handoffs/${spam.handoffId}/reject`, salesKey).send({ reason: 'bad_fit', disqualify: true }).expect(200);
    expect((await t.api('get', `/api/v1/leads/${spam.leadId}`)).body.stage).toBe('disqualified');
    const [none] = await t.db.query(`SELECT count(*)::int AS n FROM enrollments WHERE program_id = $1 AND lead_id = $2`, [recycleProgram, spam.leadId]);
    expect(none.n).toBe(0);
    // A recycled lead who asks again gets a new hand-off; the rejected one stays as history.
    await sendEvents(t, [{ leadId, type: 'meeting_booked' }]);
    await eventually(async () => (await handoffsOf(t, leadId)).length === 2);
    expect((await handoffsOf(t, leadId)).map((h) => h.status).sort()).toEqual(['pending', 'rejected']);
  });

  it('a rejected lead does not come straight back: what it scored before and its answers are no new evidence; enough points earned since are', async () => {
    const leadId = await upsertLead(t, 'wim@garage.example.be', { qualification: { need: 'website', timeline: 'Q2' } });
    const download = (asset: string) => ({ leadId, type: 'content_downloaded', properties: { asset } });
    await sendEvents(t, [1, 2, 3, 4, 5, 6].map((i) => download(`gids-${i}`)));
    const first = await eventually(() => handoffFor(t, leadId));
    await t.api('post', `/api/v1/handoffs/${first.id}/reject`, salesKey).send({ reason: 'not_now' }).expect(200);

    // Still 60 points and two answers, but nothing new: an event worth nothing, a view, a form update.
    await sendEvents(t, [{ leadId, type: 'brochure_posted' }, { leadId, type: 'page_viewed', properties: { url: 'https://garage.example.be/blog' } }]);
    await upsertLead(t, 'wim@garage.example.be', { qualification: { budget: '5000' } });
    await eventually(() => outboxDrained(t));
    expect((await t.api('get', `/api/v1/leads/${leadId}`)).body.stage).toBe('recycled');
    expect(await handoffsOf(t, leadId)).toHaveLength(1);
    const score = await t.api('get', `/api/v1/leads/${leadId}/score`);
    const recycledAt = clock.now().toISOString();
    expect(score.body).toMatchObject({ stage: 'recycled', recycled: { at: recycledAt, engagementSinceRecycled: 1 }, mqlRule: { met: false } });
    expect(score.body.engagementScore).toBeGreaterThan(60);
    expect(score.body.mqlRule.missing).toEqual([`engagement earned since recycled (${recycledAt}) 50 or more (now 1)`]);

    // Five more downloads since: 51 points earned after sales sent it back, with the answers known, make it an MQL again.
    await sendEvents(t, [7, 8, 9, 10, 11].map((i) => download(`gids-${i}`)));
    await eventually(async () => (await handoffsOf(t, leadId)).length === 2);
    expect((await handoffsOf(t, leadId)).map((h) => `${h.status} ${h.priority}`).sort()).toEqual(['pending medium', 'rejected medium']);
    const again = await t.api('get', `/api/v1/leads/${leadId}/score`);
    expect(again.body).toMatchObject({ stage: 'mql', recycled: null, mqlRule: { met: true }, promotion: { reason: 'mql_rule' } });
  });

  it('a quote request imported from 2024 scores, but is no reason to call at once: no high-priority hand-off, no escalation, shown as historical', async () => {
    const leadId = await upsertLead(t, 'import@hout.example.be', { qualification: { need: 'keuken', timeline: '2026' } });
    const imported = await t.api('post', '/api/v1/events').send({ leadId, type: 'quote_requested', occurredAt: '2024-05-01T10:00:00Z' });
    expect(imported.body.items[0]).toMatchObject({ status: 'accepted', historical: true });
    await eventually(() => outboxDrained(t));
    expect((await t.api('get', `/api/v1/leads/${leadId}`)).body.stage).toBe('lead');
    expect(await handoffsOf(t, leadId)).toEqual([]);
    const timeline = await t.api('get', `/api/v1/leads/${leadId}/timeline`);
    const event = timeline.body.items.find((i: { kind: string }) => i.kind === 'event');
    expect(event).toMatchObject({ at: '2024-05-01T10:00:00.000Z', data: { type: 'quote_requested', points: 30, historical: true } });
    expect(Date.parse(event.data.receivedAt)).toBe(clock.now().getTime());

    // A lead in a medium hand-off: an imported meeting does not raise it to the 15-minute SLA.
    const mqlId = await upsertLead(t, 'mql@hout.example.be', { qualification: { need: 'trap', timeline: '2026' } });
    await sendEvents(t, [1, 2, 3, 4, 5].map((i) => ({ leadId: mqlId, type: 'content_downloaded', properties: { asset: `gids-${i}` } })));
    const medium = await eventually(() => handoffFor(t, mqlId));
    await sendEvents(t, [{ leadId: mqlId, type: 'meeting_booked', occurredAt: '2024-05-02T10:00:00Z' }]);
    await eventually(() => outboxDrained(t));
    expect(await handoffsOf(t, mqlId)).toEqual([expect.objectContaining({ id: medium.id, priority: 'medium' })]);
  });

  it('accepting ends the lead\'s nurture enrollments through their goal', async () => {
    const programId = await createProgram(t, {
      name: 'Opvolging tot SQL',
      trigger: { type: 'manual' },
      goal: { anyOf: [{ stageAtLeast: 'sql' }] },
      steps: [
        { id: 'rest', type: 'wait', duration: 'P30D', next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    const { leadId, handoffId } = await quoteRequest('ines@webshop.example.be');
    await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadId }).expect(201);
    await t.api('post', `/api/v1/handoffs/${handoffId}/accept`, salesKey).send({}).expect(200);
    const [enrollment] = await t.db.query(`SELECT status, exit_reason FROM enrollments WHERE program_id = $1 AND lead_id = $2`, [programId, leadId]);
    expect(enrollment).toEqual({ status: 'converted', exit_reason: 'goal' });
  });

  it('disqualifying ends the lead\'s nurture enrollments at once, saying why', async () => {
    const programId = await createProgram(t, {
      name: 'Lange wacht',
      trigger: { type: 'manual' },
      goal: { anyOf: [{ stageAtLeast: 'sql' }] },
      steps: [
        { id: 'rest', type: 'wait', duration: 'P30D', next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    const { leadId, handoffId } = await quoteRequest('olaf@concurrent.example.be');
    await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadId }).expect(201);
    await t.api('post', `/api/v1/handoffs/${handoffId}/reject`, salesKey).send({ reason: 'bad_fit', disqualify: true }).expect(200);
    const [enrollment] = await t.db.query(`SELECT status, exit_reason FROM enrollments WHERE program_id = $1 AND lead_id = $2`, [programId, leadId]);
    expect(enrollment).toEqual({ status: 'exited', exit_reason: 'disqualified' });
  });

  it('refuses a reason sales did not choose from the list, naming the field, and an unknown hand-off with 404', async () => {
    const { handoffId } = await quoteRequest('marc@dakwerken.example.be');
    const bad = await t.api('post', `/api/v1/handoffs/${handoffId}/reject`, salesKey).send({ reason: 'too_expensive' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toBe('reason');
    const missing = await t.api('post', `/api/v1/handoffs/6f1c1c1e-0000-4000-8000-000000000000/accept`, salesKey).send({});
    expect(missing.status).toBe(404);
  });

  it('lets sales and marketers read the queue, only sales answer, and nobody else in', async () => {
    const { handoffId } = await quoteRequest('nora@tuin.example.be');
    const marketer = await apiKey(t, 'Marketing', 'marketer');
    const ingest = await apiKey(t, 'Website forms', 'ingest');
    expect((await t.api('get', '/api/v1/handoffs', marketer)).status).toBe(200);
    expect((await t.api('post', `/api/v1/handoffs/${handoffId}/accept`, marketer).send({})).status).toBe(403);
    expect((await t.api('get', '/api/v1/handoffs', ingest)).status).toBe(403);
    expect((await t.http().get('/api/v1/handoffs')).status).toBe(401);
  });

  it('filters the queue by status, owner and priority, and pages with a cursor', async () => {
    await eventually(() => outboxDrained(t));
    const pending = await t.api('get', `/api/v1/handoffs?status=pending&ownerId=${reps.bruno}&priority=high`, salesKey);
    expect(pending.status).toBe(200);
    expect(pending.body.items.length).toBeGreaterThan(0);
    for (const h of pending.body.items) expect(h).toMatchObject({ status: 'pending', ownerId: reps.bruno, priority: 'high' });

    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await t.api('get', `/api/v1/handoffs?limit=2${cursor ? `&cursor=${cursor}` : ''}`, salesKey);
      all.push(...page.body.items.map((h) => h.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM handoffs`);
    expect(all).toHaveLength(n);
    expect(new Set(all).size).toBe(n);
    expect((await t.api('get', '/api/v1/handoffs?status=lost_interest', salesKey)).body.errors[0].field).toBe('status');
  });
});
