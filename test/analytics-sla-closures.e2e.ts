import { ClosuresAreNotAnswers1764009000000 } from '../migrations/1764009000000-ClosuresAreNotAnswers.js';
import { ProgramFunnelRefreshCron } from '../src/analytics/program-funnel-refresh.cron.js';
import { ManualClock } from '../src/common/clock.js';
import { apiKey, createRep, handoffFor, sendEvents, upsertLead } from './handoffs-helpers.js';
import { createProgram, enroll, oneWaitSteps } from './programs-helpers.js';
import { OpenApiAnswers } from './support/openapi-answers.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

const at = (time: string) => `2026-01-05T${time}:00.000Z`; // Monday; 09:00Z is 10:00 in Brussels, office open

/**
 * SLA compliance counts sales' answers. A hand-off closed while it waited for sales — its lead set to disqualified or
 * customer by hand, or erased — is not an answer: before its deadline nobody owed one any more (not due), after it
 * the deadline was missed (due, not in time); neither is a response time.
 */
describe('SLA compliance of hand-offs closed without a sales answer', () => {
  const clock = new ManualClock(at('09:00'));
  let t: TestApp;
  let salesKey: string;
  let crmKey: string;
  let doc: OpenApiAnswers;
  let programId: string;
  const h: Record<'answered' | 'disqualified' | 'erased' | 'late' | 'waiting', { leadId: string; handoffId: string }> = {} as never;

  beforeAll(async () => {
    // The SLA watch and the cold sweep stay idle: what counts is what the answers and closes left.
    t = await startTestApp({ clock, env: { SLA_SWEEP_MS: '3600000', MQL_COLD_SWEEP_MS: '86400000' } });
    await createRep(t, 'Anneleen');
    salesKey = await apiKey(t, 'Anneleen', 'sales');
    crmKey = await apiKey(t, 'crm', 'marketer');
    doc = await OpenApiAnswers.load(t);
    programId = await createProgram(t, { name: 'Opvolging', trigger: { type: 'manual' }, goal: { anyOf: [{ event: 'contact_requested' }] }, steps: oneWaitSteps('P30D') });
    // Five quotes at 09:00, each a hand-off due at 09:15 (15 office minutes).
    for (const name of ['answered', 'disqualified', 'erased', 'late', 'waiting'] as const) {
      const leadId = await upsertLead(t, `${name}@offerte.example.be`);
      await enroll(t, programId, leadId);
      await sendEvents(t, [{ leadId, type: 'quote_requested' }]);
      const handoff = await eventually(() => handoffFor(t, leadId));
      expect(handoff.sla_due_at).toEqual(new Date(at('09:15')));
      h[name] = { leadId, handoffId: handoff.id };
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  const sla = async (groupBy = 'channel') => {
    const res = await t.api('get', `/api/v1/analytics/funnel?groupBy=${groupBy}`);
    doc.expect(res, 'get', '/api/v1/analytics/funnel');
    return res.body;
  };
  const view = async (handoffId: string) => {
    const res = await t.api('get', `/api/v1/handoffs/${handoffId}`, salesKey);
    doc.expect(res, 'get', '/api/v1/handoffs/{id}');
    return res.body;
  };

  it('counts a by-hand or erasure close before the deadline as neither due nor answered, and a close after it as missed', async () => {
    clock.set(at('09:05'));
    await t.api('post', `/api/v1/handoffs/${h.answered.handoffId}/accept`, salesKey).send({}).expect(200);
    clock.set(at('09:10'));
    await t.api('patch', `/api/v1/leads/${h.disqualified.leadId}`, crmKey).send({ stage: 'disqualified', reason: 'spam' }).expect(200);
    await t.api('delete', `/api/v1/leads/${h.erased.leadId}`).expect(204);
    clock.set(at('09:30')); // past the 09:15 deadline
    await t.api('patch', `/api/v1/leads/${h.late.leadId}`, crmKey).send({ stage: 'customer', reason: 'signed in the shop' }).expect(200);

    // Closed, not answered: who closed it is closedBy; respondedAt stays "sales answered".
    expect(await view(h.answered.handoffId)).toMatchObject({ status: 'accepted', respondedAt: at('09:05'), respondedBy: 'sales:Anneleen', closedAt: null, closedBy: null, slaBreached: false });
    expect(await view(h.disqualified.handoffId)).toMatchObject({
      status: 'rejected',
      rejectReason: 'other',
      respondedAt: null,
      respondedBy: null,
      closedAt: at('09:10'),
      closeReason: 'disqualified',
      closedBy: 'api-key:crm',
      slaBreached: false,
    });
    expect(await view(h.erased.handoffId)).toMatchObject({ status: 'rejected', respondedAt: null, respondedBy: null, closedAt: at('09:10'), closeReason: 'erased', closedBy: 'gdpr-erasure', slaBreached: false });
    expect(await view(h.late.handoffId)).toMatchObject({ status: 'rejected', respondedAt: null, respondedBy: null, closedAt: at('09:30'), closeReason: 'customer', closedBy: 'api-key:crm', slaBreached: true });
    expect(await view(h.waiting.handoffId)).toMatchObject({ status: 'pending', respondedAt: null, closedAt: null, slaBreached: true });

    // Due: the answer (in time, 5 minutes), the close after the deadline and the hand-off still waiting past it (both
    // missed). The two closes before the deadline are not due and have no response time.
    const figures = { handoffs: 5, due: 3, answeredInTime: 1, compliance: 0.3333, medianResponseMinutes: 5 };
    expect((await sla()).totals.sla).toEqual(figures);
    expect(await t.app.get(ProgramFunnelRefreshCron).tick()).toBe(1);
    const byProgram = await sla('program');
    expect(byProgram.groups).toEqual([expect.objectContaining({ key: programId, sla: figures })]);
    expect(byProgram.totals.sla).toEqual(figures);
  });

  it('the migration turns closes written as answers into closes, and the funnel counts them so', async () => {
    const migration = new ClosuresAreNotAnswers1764009000000();
    const runner = t.db.createQueryRunner();
    try {
      await runner.startTransaction();
      await migration.down(runner);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    // As they were stored before: the close written as the actor's answer at that moment.
    const rows = async () =>
      t.db.query(`SELECT lead_id, responded_at, responded_by, closed_at, to_jsonb(h) -> 'closed_by' AS closed_by FROM handoffs h ORDER BY lead_id`);
    const stored = async (name: keyof typeof h) => (await rows()).find((r: { lead_id: string }) => r.lead_id === h[name].leadId);
    expect(await stored('disqualified')).toEqual({ lead_id: h.disqualified.leadId, responded_at: new Date(at('09:10')), responded_by: 'api-key:crm', closed_at: new Date(at('09:10')), closed_by: null });
    expect(await stored('erased')).toEqual({ lead_id: h.erased.leadId, responded_at: new Date(at('09:10')), responded_by: 'gdpr-erasure', closed_at: new Date(at('09:10')), closed_by: null });
    expect(await stored('late')).toMatchObject({ responded_at: new Date(at('09:30')), responded_by: 'api-key:crm' });
    // The hand-off still waiting went cold as the sweep wrote it then: expired, closed, nobody recorded.
    clock.set(at('09:45'));
    await t.db.query(`UPDATE handoffs SET status = 'expired', closed_at = $2, close_reason = 'went_cold', updated_at = $2 WHERE id = $1`, [h.waiting.handoffId, at('09:40')]);

    const again = t.db.createQueryRunner();
    try {
      await again.startTransaction();
      await migration.up(again);
      await again.commitTransaction();
    } finally {
      await again.release();
    }
    expect(await stored('disqualified')).toMatchObject({ responded_at: null, responded_by: null, closed_at: new Date(at('09:10')), closed_by: 'api-key:crm' });
    expect(await stored('erased')).toMatchObject({ responded_at: null, responded_by: null, closed_by: 'gdpr-erasure' });
    expect(await stored('late')).toMatchObject({ responded_at: null, responded_by: null, closed_at: new Date(at('09:30')), closed_by: 'api-key:crm' });
    expect(await stored('waiting')).toMatchObject({ responded_at: null, closed_at: new Date(at('09:40')), closed_by: 'system' });
    expect(await stored('answered')).toMatchObject({ responded_at: new Date(at('09:05')), responded_by: 'sales:Anneleen', closed_at: null, closed_by: null });

    // The expired hand-off was closed after its deadline: still due and missed.
    const figures = { handoffs: 5, due: 3, answeredInTime: 1, compliance: 0.3333, medianResponseMinutes: 5 };
    expect((await sla()).totals.sla).toEqual(figures);
    expect(await t.app.get(ProgramFunnelRefreshCron).tick()).toBe(1);
    expect((await sla('program')).groups).toEqual([expect.objectContaining({ key: programId, sla: figures })]);
    // Rebuilt from scratch, the funnel's hand-off facts say the same.
    await t.db.query(`SELECT funnel_rebuild()`);
    expect((await sla()).totals.sla).toEqual(figures);
  });
});
