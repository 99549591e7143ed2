import { createLead, createProgram, enroll, enrollmentOf, programsWorld, sendEvent, stepsRun } from './programs-helpers.js';
import { eventually } from './support/test-app.js';

describe('an update_lead step changes who the lead is', () => {
  const t = programsWorld();

  // The default scoring model: a decision-maker is worth 15 fit points, 10 or more employees 10, a known timeline 5.
  const qualify = (name: string, set: Record<string, unknown>) => ({
    name,
    trigger: { type: 'manual' },
    steps: [
      { id: 'tag', type: 'update_lead', set, next: 'fit' },
      { id: 'fit', type: 'branch', if: { field: 'fitScore', op: 'gte', value: 20 }, then: 'good', else: 'poor' },
      { id: 'good', type: 'exit', reason: 'good_fit' },
      { id: 'poor', type: 'exit', reason: 'poor_fit' },
    ],
  });

  it('re-evaluates the fit score, which the steps after it see', async () => {
    const programId = await createProgram(t, qualify('Fit', { 'qualification.authority': 'decision_maker', 'attributes.employees': 50 }));
    const leadId = await createLead(t, 'fit@example.be');
    expect((await t.api('get', `/api/v1/leads/${leadId}`)).body.fitScore).toBe(0);
    const id = await enroll(t, programId, leadId);
    await eventually(async () => (await enrollmentOf(t, programId, leadId))?.status === 'completed');
    expect(await stepsRun(t, id)).toEqual(['tag:updated', 'fit:then', 'good:completed']);
    expect((await t.api('get', `/api/v1/leads/${leadId}`)).body).toMatchObject({ fitScore: 25, stage: 'lead' });
    // The simulation of the same program for a lead like this one follows the same path.
    const simulated = await t.api('post', `/api/v1/programs/${programId}/simulate`).send({ version: 1, lead: { email: 'fit@example.be' } });
    expect(simulated.status).toBe(200);
    expect(simulated.body.outcome).toMatchObject({ status: 'completed', exitReason: 'good_fit' });
  });

  it('promotes a lead that now meets the MQL rule, which ends the enrollment at its goal', async () => {
    const programId = await createProgram(t, qualify('MQL', { 'qualification.authority': 'decision_maker', 'qualification.timeline': 'Q3' }));
    const leadId = await createLead(t, 'warm@example.be');
    for (let i = 0; i < 4; i++) await sendEvent(t, { leadId, type: 'webinar_attended', idempotencyKey: `webinar-${i}` });
    expect((await t.api('get', `/api/v1/leads/${leadId}`)).body).toMatchObject({ stage: 'lead', engagementScore: 60 });
    const id = await enroll(t, programId, leadId);
    await eventually(async () => (await enrollmentOf(t, programId, leadId))?.status !== 'active');
    expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'converted', exit_reason: 'goal' });
    expect(await stepsRun(t, id)).toEqual(['tag:updated']);
    expect((await t.api('get', `/api/v1/leads/${leadId}`)).body).toMatchObject({ stage: 'mql', fitScore: 15 + 5 }); // decision-maker, timeline known
    const changes = await t.db.query(`SELECT from_stage, to_stage, actor, reason FROM stage_changes WHERE lead_id = $1`, [leadId]);
    expect(changes).toEqual([{ from_stage: 'lead', to_stage: 'mql', actor: 'scoring', reason: 'mql_rule' }]);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE lead_id = $1 AND type = 'lead.mql'`, [leadId]);
    expect(n).toBe(1);
  });

  it('stores the answers it sets trimmed, as an upsert does, and the steps after it see them so', async () => {
    const programId = await createProgram(t, {
      name: 'Timeline',
      trigger: { type: 'manual' },
      steps: [
        { id: 'tag', type: 'update_lead', set: { 'qualification.timeline': '  dit jaar  ', 'qualification.need': '\tCRM\n' }, next: 'when' },
        { id: 'when', type: 'branch', if: { field: 'qualification.timeline', op: 'equals', value: 'dit jaar' }, then: 'soon', else: 'later' },
        { id: 'soon', type: 'exit', reason: 'this_year' },
        { id: 'later', type: 'exit', reason: 'not_this_year' },
      ],
    });
    const leadId = await createLead(t, 'els@example.be', { qualification: { budget: '5k' } });
    const id = await enroll(t, programId, leadId);
    await eventually(async () => (await enrollmentOf(t, programId, leadId))?.status === 'completed');
    expect(await stepsRun(t, id)).toEqual(['tag:updated', 'when:then', 'soon:completed']);
    const [row] = await t.db.query(`SELECT qualification FROM leads WHERE id = $1`, [leadId]);
    expect(row.qualification).toEqual({ timeline: 'dit jaar', need: 'CRM', budget: '5k' });
    expect((await t.api('get', `/api/v1/leads/${leadId}`)).body).toMatchObject({ qualification: { timeline: 'dit jaar', need: 'CRM', budget: '5k' }, fitScore: 5 + 5 + 5 }); // need, budget, timeline known
  });
});
