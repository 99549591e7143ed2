import { createLead, createProgram, DAY, enrollmentOf, oneEmailSteps, programsWorld, sendEvent, stepsRun } from './programs-helpers.js';
import { eventually } from './support/test-app.js';

describe('what brings leads into a program', () => {
  const t = programsWorld({ templates: { welcome: 'welkom' } });
  const { clock, templates: tpl } = t;

  const oneEmail = () => oneEmailSteps(tpl.welcome);
  const leadIdOf = async (email: string) => (await t.db.query(`SELECT id FROM leads WHERE email_normalized = $1`, [email]))[0]?.id as string;
  const enrollmentsOf = async (programId: string) =>
    (await t.db.query(`SELECT l.email_normalized AS email, e.via FROM enrollments e JOIN leads l ON l.id = e.lead_id WHERE e.program_id = $1 ORDER BY 1`, [programId])) as {
      email: string;
      via: string;
    }[];

  it('enrolls new leads from one channel when they are created', async () => {
    const programId = await createProgram(t, { name: 'Nieuw via Meta', trigger: { type: 'lead_created', where: { 'source.channel': 'meta_ads' } }, steps: oneEmail() });
    await createLead(t, 'meta@example.be', { source: { channel: 'meta_ads' } });
    await createLead(t, 'google@example.be', { source: { channel: 'google_ads' } });
    await createLead(t, 'meta@example.be', { firstName: 'Updated' }); // an update is not a creation
    expect(await enrollmentsOf(programId)).toEqual([{ email: 'meta@example.be', via: 'lead_created' }]);
  });

  it('enrolls a lead that enters a stage, here MQL after a quote request', async () => {
    const programId = await createProgram(t, { name: 'Nieuwe MQL', trigger: { type: 'stage_entered', stage: 'mql' }, goal: { anyOf: [{ stageAtLeast: 'sql' }] }, steps: oneEmail() });
    await sendEvent(t, { email: 'offerte@example.be', type: 'quote_requested' });
    await sendEvent(t, { email: 'lezer@example.be', type: 'page_viewed', properties: { url: 'https://example.be/blog' } });
    await eventually(async () => (await enrollmentsOf(programId)).length === 1);
    await eventually(async () => (await t.db.query(`SELECT 1 FROM scoring_queue`)).length === 0);
    expect(await enrollmentsOf(programId)).toEqual([{ email: 'offerte@example.be', via: 'stage_entered' }]);
  });

  it('an event trigger reacts to a live event only: a quote request imported from last year scores and counts as a past event, but enrolls nobody', async () => {
    const weSawIt = await createProgram(t, {
      name: 'We zagen je aanvraag',
      trigger: { type: 'event', eventType: 'quote_requested' },
      goal: { anyOf: [{ stageAtLeast: 'sql' }] },
      steps: oneEmail(),
    });
    const askedBefore = await createProgram(t, {
      name: 'Vroeger al gevraagd',
      trigger: { type: 'segment', where: { event: { type: 'quote_requested' } } },
      steps: oneEmail(),
    });
    const leadId = await createLead(t, 'import@example.be');
    const imported = await t.api('post', '/api/v1/events').send({ leadId, type: 'quote_requested', occurredAt: '2025-04-01T10:00:00Z' });
    expect(imported.body.items[0]).toMatchObject({ status: 'accepted', historical: true });
    expect((await enrollmentsOf(weSawIt)).map((e) => e.email)).toEqual([]);
    expect(await enrollmentsOf(askedBefore)).toEqual([{ email: 'import@example.be', via: 'segment' }]);

    // Sent a day late, but within EVENT_LIVE_WINDOW_HOURS (24 by default) of happening: live.
    const late = await t.api('post', '/api/v1/events').send({ leadId, type: 'quote_requested', occurredAt: new Date(clock.now().getTime() - 23 * 3_600_000).toISOString() });
    expect(late.body.items[0]).not.toHaveProperty('historical');
    expect(await enrollmentsOf(weSawIt)).toEqual([{ email: 'import@example.be', via: 'event' }]);
  });

  it('enrolls leads that come to match a segment, through its entry filter', async () => {
    const programId = await createProgram(t, {
      name: 'Voeding',
      trigger: { type: 'segment', where: { field: 'attributes.industry', op: 'equals', value: 'food' } },
      entryFilter: { field: 'attributes.employees', op: 'gte', value: 10 },
      steps: oneEmail(),
    });
    await createLead(t, 'bakker@example.be', { attributes: { industry: 'retail', employees: 12 } });
    expect(await enrollmentsOf(programId)).toEqual([]);
    await createLead(t, 'bakker@example.be', { attributes: { industry: 'food' } });
    await createLead(t, 'klein@example.be', { attributes: { industry: 'food', employees: 2 } });
    expect(await enrollmentsOf(programId)).toEqual([{ email: 'bakker@example.be', via: 'segment' }]);
  });

  it('re-enrolls a lead only once the policy allows it, and never twice at the same time', async () => {
    const again = await createProgram(t, {
      name: 'Opnieuw na 30 dagen',
      trigger: { type: 'event', eventType: 'webinar_attended' },
      reenrollment: { policy: 'after', days: 30 },
      steps: oneEmail(),
    });
    const once = await createProgram(t, { name: 'Eenmalig', trigger: { type: 'event', eventType: 'webinar_attended' }, steps: oneEmail() });
    const attend = () => sendEvent(t, { email: 'webinar@example.be', type: 'webinar_attended' });
    const count = async (programId: string) =>
      (await t.db.query(`SELECT count(*)::int AS n FROM enrollments WHERE program_id = $1`, [programId]))[0].n as number;

    await createLead(t, 'webinar@example.be');
    await attend();
    await attend(); // while the first enrollment is still active
    await eventually(async () => (await count(again)) === 1 && (await count(once)) === 1);
    const leadId = await leadIdOf('webinar@example.be');
    await eventually(async () => (await enrollmentOf(t, again, leadId))?.status === 'completed');

    clock.advance(10 * DAY);
    await attend();
    await eventually(async () => (await t.db.query(`SELECT 1 FROM scoring_queue`)).length === 0);
    expect([await count(again), await count(once)]).toEqual([1, 1]);

    clock.advance(25 * DAY);
    await attend();
    await eventually(async () => (await count(again)) === 2);
    expect(await count(once)).toBe(1);
  });

  it('counts "re-enter after N days" from when the previous enrollment ended, so a long program is not restarted the day it ends', async () => {
    clock.set('2026-04-13T08:00:00Z'); // Monday 10:00 in Brussels (after the tests above)
    const programId = await createProgram(t, {
      name: 'Drie weken, dan 30 dagen rust',
      trigger: { type: 'event', eventType: 'content_downloaded', where: { 'properties.asset': 'rust' } },
      reenrollment: { policy: 'after', days: 30 },
      steps: [
        { id: 'welcome', type: 'email', templateId: tpl.welcome, next: 'rest' },
        { id: 'rest', type: 'wait', duration: 'P21D', next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    const leadId = await createLead(t, 'rust@example.be');
    const download = () => sendEvent(t, { leadId, type: 'content_downloaded', properties: { asset: 'rust' } });
    const enrollments = async () =>
      (await t.db.query(`SELECT status FROM enrollments WHERE program_id = $1 AND lead_id = $2 ORDER BY enrolled_at`, [programId, leadId])) as { status: string }[];
    await download();
    await eventually(async () => (await enrollmentOf(t, programId, leadId))?.current_step_id === 'rest');

    clock.advance(21 * DAY); // the program ends three weeks after entry
    await eventually(async () => (await enrollmentOf(t, programId, leadId))?.status === 'completed');

    clock.advance(14 * DAY); // 35 days after entry, but only 14 after the end
    await download();
    expect(await enrollments()).toEqual([{ status: 'completed' }]);
    const manual = await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadId });
    expect(manual.body).toMatchObject({ status: 409, reason: 'not_eligible' });

    clock.advance(16 * DAY + 60_000); // 30 days and a minute after the end
    await download();
    expect((await enrollments()).map((e) => e.status)).toEqual(['completed', 'active']);
  });

  it('updates the lead and asks sales to call from inside a program', async () => {
    const programId = await createProgram(t, {
      name: 'Bellen',
      trigger: { type: 'manual' },
      steps: [
        { id: 'tag', type: 'update_lead', set: { 'attributes.nurtureInterest': 'engaged', jobTitle: 'Zaakvoerder', 'qualification.need': 'website' }, next: 'call' },
        { id: 'call', type: 'handoff', priority: 'high', next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    const leadId = await createLead(t, 'bellen@example.be', { attributes: { industry: 'food' } });
    const res = await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadId });
    await eventually(async () => (await enrollmentOf(t, programId, leadId))?.status === 'completed');
    expect(await stepsRun(t, res.body.id)).toEqual(['tag:updated', 'call:requested', 'end:completed']);
    const [lead] = await t.db.query(`SELECT job_title, attributes, qualification FROM leads WHERE id = $1`, [leadId]);
    expect(lead).toEqual({ job_title: 'Zaakvoerder', attributes: { industry: 'food', nurtureInterest: 'engaged' }, qualification: { need: 'website' } });
    const requests = await t.db.query(`SELECT payload FROM outbox_events WHERE type = 'handoff.requested' AND lead_id = $1`, [leadId]);
    expect(requests).toEqual([{ payload: expect.objectContaining({ programId, enrollmentId: res.body.id, stepId: 'call', priority: 'high' }) }]);
  });
});
