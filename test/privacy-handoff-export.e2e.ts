import { apiKey, createRep, handoffFor } from './handoffs-helpers.js';
import { createLead, programsWorld, sendEvent } from './programs-helpers.js';
import { OpenApiAnswers } from './support/openapi-answers.js';
import { eventually } from './support/test-app.js';

/**
 * GDPR export: what the export lists of a lead's hand-offs says everything the hand-off API says of them — the
 * outcome sales reported, who closed a hand-off the system closed, whether the SLA was missed.
 */
describe('privacy: the export of hand-offs', () => {
  const t = programsWorld();
  let salesKey: string;
  let crmKey: string;
  let doc: OpenApiAnswers;

  beforeAll(async () => {
    await createRep(t, 'Sanne');
    salesKey = await apiKey(t, 'sales-team', 'sales');
    crmKey = await apiKey(t, 'crm', 'marketer');
    doc = await OpenApiAnswers.load(t);
  });

  async function quoteHandoff(email: string): Promise<{ leadId: string; handoffId: string }> {
    const leadId = await createLead(t, email);
    await sendEvent(t, { leadId, type: 'quote_requested' });
    const handoff = await eventually(() => handoffFor(t, leadId));
    return { leadId, handoffId: handoff.id };
  }

  /** The export's hand-offs, checked against the OpenAPI document. */
  async function exportedHandoffs(leadId: string): Promise<Record<string, unknown>[]> {
    const res = await t.api('get', `/api/v1/leads/${leadId}/export`);
    expect(res.status).toBe(200);
    doc.expect(res, 'get', '/api/v1/leads/{id}/export');
    return res.body.handoffs;
  }

  /** The hand-off view's fields, named as the export names them (the trigger flattened). */
  async function viewAsExported(handoffId: string): Promise<Record<string, unknown>> {
    const res = await t.api('get', `/api/v1/handoffs/${handoffId}`, salesKey);
    expect(res.status).toBe(200);
    const v = res.body;
    const { eventId, eventType, programId, enrollmentId, stepId } = v.trigger;
    const fields = [
      'id', 'status', 'outcome', 'priority', 'reason', 'ownerId', 'assignedAt', 'slaDueAt', 'slaBreached', 'breachedAt', 'breachCount',
      'respondedAt', 'respondedBy', 'note', 'rejectReason', 'outcomeAt', 'value', 'currency', 'closedAt', 'closeReason', 'closedBy',
      'createdAt', 'updatedAt',
    ];
    return {
      ...Object.fromEntries(fields.map((f) => [f, v[f]])),
      triggerEventId: eventId,
      triggerEventType: eventType,
      programId,
      enrollmentId,
      stepId,
    };
  }

  it('a won hand-off carries the outcome sales reported, as the hand-off view does', async () => {
    const { leadId, handoffId } = await quoteHandoff('gewonnen@export.be');
    expect((await t.api('post', `/api/v1/handoffs/${handoffId}/accept`, salesKey).send({ note: 'gebeld' })).status).toBe(200);
    const won = await t.api('post', `/api/v1/handoffs/${handoffId}/outcome`, salesKey).send({ outcome: 'won', value: 4200, currency: 'EUR' });
    expect(won.status).toBe(200);

    const [exported] = await exportedHandoffs(leadId);
    expect(exported).toMatchObject({ status: 'won', outcome: 'won', value: 4200, currency: 'EUR', slaBreached: false });
    expect(exported).toMatchObject(await viewAsExported(handoffId));
  });

  it('a hand-off closed when the lead was disqualified by hand says who closed it, and an unanswered late one that it missed its SLA', async () => {
    const { leadId, handoffId } = await quoteHandoff('gesloten@export.be');
    t.clock.advance(2 * 60 * 60_000); // well past the 15-minute deadline, still unanswered
    const set = await t.api('patch', `/api/v1/leads/${leadId}`, crmKey).send({ stage: 'disqualified', reason: 'competitor' });
    expect(set.status).toBe(200);

    const [exported] = await exportedHandoffs(leadId);
    expect(exported).toMatchObject({
      status: 'rejected',
      outcome: null,
      closeReason: 'disqualified',
      closedBy: 'api-key:crm',
      respondedBy: null,
      slaBreached: true,
    });
    expect(exported).toMatchObject(await viewAsExported(handoffId));
  });
});
