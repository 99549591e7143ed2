import type { Response } from 'supertest';
import { apiKey, createRep, handoffFor } from './handoffs-helpers.js';
import { createLead, createProgram, enroll, enrollmentOf, oneWaitSteps, programsWorld, sendEvent } from './programs-helpers.js';
import { OpenApiAnswers } from './support/openapi-answers.js';
import { eventually } from './support/test-app.js';

/** PATCH /api/v1/leads/{id}: a CRM or a marketer sets a lead's stage by hand, with a reason. */
describe('setting a lead stage by hand', () => {
  const t = programsWorld();
  const keys: Record<'crm' | 'sales' | 'ingest', string> = { crm: '', sales: '', ingest: '' };
  let doc: OpenApiAnswers;

  beforeAll(async () => {
    keys.crm = await apiKey(t, 'crm', 'marketer');
    keys.sales = await apiKey(t, 'sales-team', 'sales');
    keys.ingest = await apiKey(t, 'web-forms', 'ingest');
    await createRep(t, 'Sanne');
    doc = await OpenApiAnswers.load(t);
  });

  /** Sets the stage with the CRM's marketer key (or `key`); the answer is checked against the OpenAPI document. */
  async function setStage(leadId: string, body: Record<string, unknown>, key = keys.crm): Promise<Response> {
    const res = await t.api('patch', `/api/v1/leads/${leadId}`, key).send(body);
    if (res.status !== 403) doc.expect(res, 'patch', '/api/v1/leads/{id}');
    return res;
  }
  const stageOf = async (leadId: string) => (await t.api('get', `/api/v1/leads/${leadId}`)).body.stage;
  const stageChanges = async (leadId: string) =>
    (await t.api('get', `/api/v1/leads/${leadId}/timeline`)).body.items.filter((i: { kind: string }) => i.kind === 'stage_change').map((i: { data: object }) => i.data);
  const mqlEvents = async (leadId: string) =>
    (await t.db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE lead_id = $1 AND type = 'lead.mql'`, [leadId]))[0].n;
  /** A lead a quote request made an MQL, with its pending hand-off. */
  async function mqlWithHandoff(email: string): Promise<{ leadId: string; handoffId: string }> {
    const leadId = await createLead(t, email);
    await sendEvent(t, { leadId, type: 'quote_requested' });
    const handoff = await eventually(() => handoffFor(t, leadId));
    expect(handoff.status).toBe('pending');
    return { leadId, handoffId: handoff.id };
  }

  it('marks an existing customer, recorded with who and why, and no longer promotes it to MQL', async () => {
    const leadId = await createLead(t, 'klant@bakkerij.be');
    const res = await setStage(leadId, { stage: 'customer', reason: 'existing customer (CRM import)' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: leadId, stage: 'customer' });
    expect(await stageChanges(leadId)).toEqual([
      { from: 'lead', to: 'customer', actor: 'api-key:crm', reason: 'existing customer (CRM import)', eventId: null },
    ]);

    // Engagement and BANT answers that make any prospect an MQL (4 webinars = 60 points, two answers known).
    await createLead(t, 'klant@bakkerij.be', { qualification: { need: 'website', budget: '10k' } });
    for (let i = 0; i < 4; i++) await sendEvent(t, { leadId, type: 'webinar_attended' });
    await eventually(async () => (await t.api('get', `/api/v1/leads/${leadId}`)).body.engagementScore === 60);
    expect((await t.api('get', `/api/v1/leads/${leadId}/score`)).body.mqlRule.met).toBe(true);
    expect(await stageOf(leadId)).toBe('customer');
    expect(await mqlEvents(leadId)).toBe(0);

    // Setting the stage it has changes nothing.
    expect((await setStage(leadId, { stage: 'customer', reason: 'nightly sync' })).status).toBe(200);
    expect(await stageChanges(leadId)).toHaveLength(1);
  });

  it('disqualifies spam: its enrollments exit with the reason, its pending hand-off is closed, and it is never nurtured again', async () => {
    const goal = { anyOf: [{ event: 'contact_requested' }] }; // not the default (became MQL): the MQL lead may enter
    const programId = await createProgram(t, { name: 'Lange opvolging', trigger: { type: 'manual' }, goal, steps: oneWaitSteps('P30D') });
    const { leadId, handoffId } = await mqlWithHandoff('spam@concurrent.be');
    await enroll(t, programId, leadId);
    expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'active' });

    const res = await setStage(leadId, { stage: 'disqualified', reason: 'competitor fishing for prices' });
    expect(res.status).toBe(200);
    expect(res.body.stage).toBe('disqualified');
    expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'exited', exit_reason: 'disqualified' });
    const [handoff] = await t.db.query(`SELECT status, reject_reason, responded_at, responded_by, closed_by, note FROM handoffs WHERE id = $1`, [handoffId]);
    // Closed on sales' behalf, not answered by sales: who closed it is closed_by.
    expect(handoff).toEqual({
      status: 'rejected',
      reject_reason: 'other',
      responded_at: null,
      responded_by: null,
      closed_by: 'api-key:crm',
      note: 'lead set to disqualified: competitor fishing for prices',
    });
    expect(await stageChanges(leadId)).toContainEqual(expect.objectContaining({ from: 'mql', to: 'disqualified', actor: 'api-key:crm', reason: 'competitor fishing for prices' }));

    expect((await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadId })).status).not.toBe(201);
    await sendEvent(t, { leadId, type: 'meeting_booked' });
    await eventually(async () => (await t.db.query(`SELECT 1 FROM scoring_queue WHERE lead_id = $1`, [leadId])).length === 0);
    expect(await stageOf(leadId)).toBe('disqualified');
    expect(await t.db.query(`SELECT status FROM handoffs WHERE lead_id = $1`, [leadId])).toEqual([{ status: 'rejected' }]);

    // A mistake is undone by taking it back into nurture.
    expect((await setStage(leadId, { stage: 'lead', reason: 'not a competitor after all' })).body.stage).toBe('lead');
  });

  it('refuses what a person may not set, naming the field: sql and beyond are sales', async () => {
    const { leadId, handoffId } = await mqlWithHandoff('verkocht@bakkerij.be');
    const invalid = await setStage(leadId, { stage: 'sql', reason: 'called them' });
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors).toEqual([{ field: 'stage', message: expect.stringContaining('sales through hand-offs') }]);
    const blank = await setStage(leadId, { stage: 'customer', reason: '  ' });
    expect(blank.status).toBe(422);
    expect(blank.body.errors).toEqual([{ field: 'reason', message: expect.any(String) }]);
    const missing = await setStage(leadId, { stage: 'customer' });
    expect([missing.status, [...new Set(missing.body.errors.map((e: { field: string }) => e.field))]]).toEqual([422, ['reason']]);

    const back = await setStage(leadId, { stage: 'lead', reason: 'not ready' });
    expect(back.status).toBe(409);
    expect(back.body.errors).toEqual([{ field: 'stage', message: expect.stringContaining('cannot go back to lead') }]);

    expect((await t.api('post', `/api/v1/handoffs/${handoffId}/accept`, keys.sales).send({})).status).toBe(200);
    const accepted = await setStage(leadId, { stage: 'customer', reason: 'signed' });
    expect(accepted.status).toBe(409);
    expect(accepted.body.errors).toEqual([{ field: 'stage', message: expect.stringContaining('report the outcome') }]);
    expect(await stageOf(leadId)).toBe('sql');
    expect(await t.db.query(`SELECT status FROM handoffs WHERE id = $1`, [handoffId])).toEqual([{ status: 'accepted' }]);

    expect((await setStage('00000000-0000-4000-8000-000000000000', { stage: 'customer', reason: 'x' })).status).toBe(404);
  });

  /** Scoring has taken every event sent so far. */
  const scored = async () => (await t.db.query(`SELECT count(*)::int AS n FROM scoring_queue`))[0].n === 0;
  /** Engagement well over the MQL threshold, as of now (as if earned from events, without one to re-run the rule). */
  const engaged = (leadId: string) => t.db.query(`UPDATE leads SET engagement_score = 80, engagement_as_of = $2 WHERE id = $1`, [leadId, t.clock.now()]);
  const movesOf = (leadId: string) =>
    t.db.query(`SELECT from_stage AS "from", to_stage AS "to", actor, reason FROM stage_changes WHERE lead_id = $1 ORDER BY id`, [leadId]) as Promise<object[]>;

  it('a subscriber with the score and two BANT answers set to lead by hand is an MQL at once, recorded and handed to sales', async () => {
    const email = 'abonnee@bakkerij.be';
    const signup = await t.api('post', '/api/v1/events').send({ email, type: 'newsletter_subscribed' });
    const leadId: string = signup.body.items[0].leadId;
    await eventually(scored);
    await createLead(t, email, { qualification: { need: 'nieuwe website', budget: '10k' } });
    await engaged(leadId);
    expect(await stageOf(leadId)).toBe('subscriber'); // the rule does not make a subscriber an MQL

    const res = await setStage(leadId, { stage: 'lead', reason: 'called us, wants a quote later' });
    expect(res.status).toBe(200);
    expect(res.body.stage).toBe('mql');
    expect((await movesOf(leadId)).slice(-2)).toEqual([
      { from: 'subscriber', to: 'lead', actor: 'api-key:crm', reason: 'called us, wants a quote later' },
      { from: 'lead', to: 'mql', actor: 'scoring', reason: 'mql_rule' },
    ]);
    expect(await mqlEvents(leadId)).toBe(1);
    const handoff = await eventually(() => handoffFor(t, leadId));
    expect(handoff).toMatchObject({ status: 'pending' });
  });

  it('a disqualified lead taken back to lead by hand is an MQL at once when it meets the rule; one that does not stays a lead', async () => {
    const hot = await createLead(t, 'heropend@bakkerij.be', { qualification: { need: 'webshop', budget: '20k' } });
    expect((await setStage(hot, { stage: 'disqualified', reason: 'looked like spam' })).status).toBe(200);
    await engaged(hot);
    const res = await setStage(hot, { stage: 'lead', reason: 'not spam after all' });
    expect(res.body.stage).toBe('mql');
    expect((await movesOf(hot)).slice(-2)).toEqual([
      { from: 'disqualified', to: 'lead', actor: 'api-key:crm', reason: 'not spam after all' },
      { from: 'lead', to: 'mql', actor: 'scoring', reason: 'mql_rule' },
    ]);
    expect(await mqlEvents(hot)).toBe(1);
    expect(await eventually(() => handoffFor(t, hot))).toMatchObject({ status: 'pending' });

    // Engagement without the BANT answers is not enough: it is a lead again, nothing more.
    const cold = await createLead(t, 'lauw@bakkerij.be');
    expect((await setStage(cold, { stage: 'disqualified', reason: 'looked like spam' })).status).toBe(200);
    await engaged(cold);
    expect((await setStage(cold, { stage: 'lead', reason: 'not spam after all' })).body.stage).toBe('lead');
    expect(await mqlEvents(cold)).toBe(0);
  });

  it('a lead sales rejected stays recycled on its old score: only engagement earned since makes it an MQL again', async () => {
    const { leadId, handoffId } = await mqlWithHandoff('afgewezen@bakkerij.be');
    await createLead(t, 'afgewezen@bakkerij.be', { qualification: { need: 'website', budget: '10k' } });
    await engaged(leadId);
    expect((await t.api('post', `/api/v1/handoffs/${handoffId}/reject`, keys.sales).send({ reason: 'not_now' })).status).toBe(200);
    expect(await stageOf(leadId)).toBe('recycled');
    // an upsert re-runs the rule, which counts for a recycled lead only what it earned since
    await createLead(t, 'afgewezen@bakkerij.be', { qualification: { timeline: 'volgend jaar' } });
    expect(await stageOf(leadId)).toBe('recycled');
    expect(await mqlEvents(leadId)).toBe(1);
    // recycled is not a stage set by hand
    expect((await setStage(leadId, { stage: 'recycled', reason: 'again' })).status).toBe(422);
  });

  it('is for marketers (and admins): sales and ingest keys may not set a stage', async () => {
    const leadId = await createLead(t, 'rollen@bakkerij.be');
    expect((await setStage(leadId, { stage: 'disqualified', reason: 'spam' }, keys.sales)).status).toBe(403);
    expect((await setStage(leadId, { stage: 'disqualified', reason: 'spam' }, keys.ingest)).status).toBe(403);
    expect(await stageOf(leadId)).toBe('lead');
  });
});
