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

  it('is for marketers (and admins): sales and ingest keys may not set a stage', async () => {
    const leadId = await createLead(t, 'rollen@bakkerij.be');
    expect((await setStage(leadId, { stage: 'disqualified', reason: 'spam' }, keys.sales)).status).toBe(403);
    expect((await setStage(leadId, { stage: 'disqualified', reason: 'spam' }, keys.ingest)).status).toBe(403);
    expect(await stageOf(leadId)).toBe('lead');
  });
});
