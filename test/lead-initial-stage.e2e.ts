import { handoffFor } from './handoffs-helpers.js';
import { createLead, createProgram, oneWaitSteps, programsWorld, sendEvent } from './programs-helpers.js';
import { OpenApiAnswers } from './support/openapi-answers.js';
import { expectRefused } from './support/problems.js';
import { eventually } from './support/test-app.js';

/**
 * POST /api/v1/leads creates a lead at an explicit initial stage: a CRM imports its existing customers (never
 * promoted to MQL, never handed to sales) and known competitors (disqualified: never enrolled). An existing lead's
 * stage is not moved by an upsert: PATCH /api/v1/leads/{id} does that.
 */
describe('creating a lead at its initial stage', () => {
  const t = programsWorld();
  let doc: OpenApiAnswers;
  beforeAll(async () => {
    doc = await OpenApiAnswers.load(t);
  });

  const upsert = async (body: Record<string, unknown>) => {
    const res = await t.api('post', '/api/v1/leads').send(body);
    if (res.status < 300) doc.expect(res, 'post', '/api/v1/leads');
    return res;
  };
  const stageChanges = async (leadId: string) =>
    (await t.api('get', `/api/v1/leads/${leadId}/timeline`)).body.items.filter((i: { kind: string }) => i.kind === 'stage_change').map((i: { data: object }) => i.data);
  const outbox = async (leadId: string, type: string) =>
    (await t.db.query(`SELECT payload FROM outbox_events WHERE lead_id = $1 AND type = $2`, [leadId, type])).map((r: { payload: unknown }) => r.payload);

  it('imports an existing customer: recorded with the key and reason, no funnel milestone, no lead_created program, never promoted to MQL', async () => {
    // Its goal is a meeting (which a customer has not booked), so only the trigger's rule keeps the customer out.
    const triggered = await createProgram(t, { name: 'Nieuwe leads (klanten)', trigger: { type: 'lead_created' }, goal: { anyOf: [{ event: 'meeting_booked' }] }, steps: oneWaitSteps('P7D') });
    const res = await upsert({ email: 'klant@import.be', stage: 'customer', stageReason: 'existing customer (CRM import)', consent: { status: 'granted', basis: 'consent' } });
    expect(res.status).toBe(201);
    const leadId = res.body.id;
    expect(res.body.stage).toBe('customer');
    expect(await stageChanges(leadId)).toEqual([{ from: null, to: 'customer', actor: 'api-key:ADMIN_API_KEY', reason: 'existing customer (CRM import)', eventId: null }]);
    expect(await outbox(leadId, 'lead.stage_changed')).toEqual([expect.objectContaining({ from: null, to: 'customer', reason: 'existing customer (CRM import)' })]);
    // Imported, not won through this funnel: no milestone, so the funnel does not count it as a conversion today.
    const [row] = await t.db.query(`SELECT mql_at, sql_at, opportunity_at, customer_at FROM leads WHERE id = $1`, [leadId]);
    expect(row).toEqual({ mql_at: null, sql_at: null, opportunity_at: null, customer_at: null });
    // A program for new leads is for prospects: the imported customer is not enrolled, a prospect created next is.
    const prospect = (await upsert({ email: 'nieuw@prospect.be', consent: { status: 'granted', basis: 'consent' } })).body.id;
    await eventually(async () => (await t.db.query(`SELECT 1 FROM enrollments WHERE lead_id = $1 AND program_id = $2`, [prospect, triggered])).length === 1);
    expect(await t.db.query(`SELECT id FROM enrollments WHERE lead_id = $1`, [leadId])).toEqual([]);
    expect(await t.db.query(`SELECT reason FROM enrollment_skips WHERE lead_id = $1`, [leadId])).toEqual([]);

    // A quote request (high intent) and BANT answers would make a prospect an MQL at once: a customer stays one.
    await createLead(t, 'klant@import.be', { qualification: { need: 'website', budget: '10k' } });
    await sendEvent(t, { leadId, type: 'quote_requested' });
    await eventually(async () => (await t.api('get', `/api/v1/leads/${leadId}`)).body.engagementScore > 0);
    expect((await t.api('get', `/api/v1/leads/${leadId}`)).body.stage).toBe('customer');
    expect(await outbox(leadId, 'lead.mql')).toEqual([]);
    expect(await handoffFor(t, leadId)).toBeFalsy();
    expect(await stageChanges(leadId)).toHaveLength(1);
  });

  it('imports a known competitor as disqualified (reason import by default): never enrolled, by hand or by a trigger', async () => {
    const byHand = await createProgram(t, { name: 'Handmatig', trigger: { type: 'manual' }, steps: oneWaitSteps('P7D') });
    const triggered = await createProgram(t, { name: 'Nieuwe leads', trigger: { type: 'lead_created' }, steps: oneWaitSteps('P7D') });
    const res = await upsert({ email: 'concurrent@import.be', stage: 'disqualified', consent: { status: 'granted', basis: 'consent' } });
    expect([res.status, res.body.stage]).toEqual([201, 'disqualified']);
    const leadId = res.body.id;
    expect(await stageChanges(leadId)).toEqual([{ from: null, to: 'disqualified', actor: 'api-key:ADMIN_API_KEY', reason: 'import', eventId: null }]);

    const refused = await t.api('post', `/api/v1/programs/${byHand}/enrollments`).send({ leadId });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('disqualified');
    expect(await t.db.query(`SELECT id FROM enrollments WHERE lead_id = $1 AND program_id = ANY($2::uuid[])`, [leadId, [byHand, triggered]])).toEqual([]);
    // A prospect created the same way is enrolled by the trigger: the program was live.
    const prospect = (await upsert({ email: 'prospect@import.be', consent: { status: 'granted', basis: 'consent' } })).body.id;
    expect(await t.db.query(`SELECT status FROM enrollments WHERE lead_id = $1 AND program_id = $2`, [prospect, triggered])).toEqual([{ status: 'active' }]);
  });

  it('refuses mql, sql, opportunity and recycled as an initial stage, and a blank stageReason, naming the field', async () => {
    for (const stage of ['mql', 'sql', 'opportunity', 'recycled', 'won']) {
      const res = await upsert({ email: `fout-${stage}@import.be`, stage });
      expectRefused(res, ['stage']);
      expect(res.body.errors[0].message).toContain('subscriber, lead, customer, disqualified');
    }
    expectRefused(await upsert({ email: 'leeg@import.be', stage: 'customer', stageReason: '  ' }), ['stageReason']);
    expect(await t.db.query(`SELECT id FROM leads WHERE email_normalized LIKE '%@import.be' AND (email LIKE 'fout-%' OR email LIKE 'leeg%')`)).toEqual([]);
  });

  it("does not move an existing lead's stage: customer or disqualified asked of it is 409 pointing to PATCH, nothing changes", async () => {
    const created = await upsert({ email: 'bestaand@import.be', firstName: 'An' });
    const leadId = created.body.id;
    for (const stage of ['customer', 'disqualified']) {
      const res = await upsert({ email: 'bestaand@import.be', firstName: 'Anna', stage });
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).toMatchObject({ reason: 'stage_not_set_by_upsert', errors: [{ field: 'stage', message: expect.stringContaining('PATCH /api/v1/leads/{id}') }] });
    }
    expect((await t.api('get', `/api/v1/leads/${leadId}`)).body).toMatchObject({ stage: 'lead', firstName: 'An' });
    // Set by PATCH, the same sync then upserts it as customer again: 200, nothing moves.
    await t.api('patch', `/api/v1/leads/${leadId}`).send({ stage: 'customer', reason: 'won outside sales' }).expect(200);
    const again = await upsert({ email: 'bestaand@import.be', firstName: 'Anna', stage: 'customer' });
    expect([again.status, again.body.stage, again.body.firstName]).toEqual([200, 'customer', 'Anna']);
    // subscriber or lead asked of it change nothing either (a form filled in again).
    expect((await upsert({ email: 'bestaand@import.be', stage: 'lead' })).body.stage).toBe('customer');
    expect(await stageChanges(leadId)).toHaveLength(1);
    // A subscriber still moves on to lead.
    const subscriber = (await upsert({ email: 'nieuwsbrief@import.be', stage: 'subscriber' })).body.id;
    expect((await upsert({ email: 'nieuwsbrief@import.be', stage: 'lead' })).body).toMatchObject({ id: subscriber, stage: 'lead' });
  });
});
