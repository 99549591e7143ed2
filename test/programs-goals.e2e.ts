import { ManualClock } from '../src/common/clock.js';
import { createLead, createProgram, createTemplate, emailsOf, enroll, enrollmentOf, sendEvent } from './programs-helpers.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

describe('program goals', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-03-02T09:00:00Z'); // Monday 10:00 in Brussels
  let welcome: string;

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { PROGRAMS_TICK_MS: '50' } });
    welcome = await createTemplate(t, 'welkom');
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => clock.set('2026-03-02T09:00:00Z'));

  const longWait = (name: string, extra: Record<string, unknown>) => ({
    name,
    trigger: { type: 'manual' },
    steps: [
      { id: 'welcome', type: 'email', templateId: welcome, next: 'rest' },
      { id: 'rest', type: 'wait', duration: 'P14D', next: 'end' },
      { id: 'end', type: 'exit' },
    ],
    ...extra,
  });

  /** A lead enrolled in the program, its welcome email sent, now waiting two weeks. */
  async function waiting(programId: string, email: string) {
    const leadId = await createLead(t, email);
    const enrollmentId = await enroll(t, programId, leadId);
    await eventually(async () => (await emailsOf(t, enrollmentId)).length === 1);
    await eventually(async () => (await enrollmentOf(t, programId, leadId))?.current_step_id === 'rest');
    return { leadId, enrollmentId };
  }

  describe('reached across several requests', () => {
    it('an allOf goal converts when its last event arrives, not at the next step two weeks later', async () => {
      const programId = await createProgram(t, longWait('Alles', { goal: { allOf: [{ event: 'webinar_attended' }, { event: 'content_downloaded' }] } }));
      const { leadId } = await waiting(programId, 'alles@example.be');
      await sendEvent(t, { leadId, type: 'webinar_attended' });
      expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'active' });
      await sendEvent(t, { leadId, type: 'content_downloaded', properties: { asset: 'gids' } });
      // Decided in the transaction that recorded the event: no scheduler tick, no clock moving.
      expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'converted', exit_reason: 'goal', current_step_id: 'rest' });
    });

    it('an allOf goal does not count an event from before the lead entered the program', async () => {
      const programId = await createProgram(t, longWait('Alles sinds', { goal: { allOf: [{ event: 'webinar_attended' }, { event: 'content_downloaded' }] } }));
      const leadId = await createLead(t, 'eerder@example.be');
      await sendEvent(t, { leadId, type: 'webinar_attended' });
      clock.advance(60_000);
      const enrollmentId = await enroll(t, programId, leadId);
      await eventually(async () => (await emailsOf(t, enrollmentId)).length === 1);
      await sendEvent(t, { leadId, type: 'content_downloaded' });
      expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'active' });
    });

    it('an allOf goal of an event and a lead field converts on the lead update that completes it', async () => {
      const programId = await createProgram(
        t,
        longWait('Fase en veld', { goal: { allOf: [{ event: 'webinar_attended' }, { field: 'attributes.budgetKnown', op: 'equals', value: true }] } }),
      );
      const { leadId } = await waiting(programId, 'veld@example.be');
      await sendEvent(t, { leadId, type: 'webinar_attended' });
      expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'active' });
      await createLead(t, 'veld@example.be', { attributes: { budgetKnown: true } });
      expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'converted', exit_reason: 'goal' });
    });

    it('a goal on a past event within a period converts when that event arrives', async () => {
      const programId = await createProgram(
        t,
        longWait('Prijzen', { goal: { anyOf: [{ and: [{ event: { type: 'webinar_attended', within: 'P30D' } }, { event: { type: 'quote_requested' } }] }] } }),
      );
      const { leadId } = await waiting(programId, 'prijzen@example.be');
      await sendEvent(t, { leadId, type: 'webinar_attended' });
      expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'active' });
      await sendEvent(t, { leadId, type: 'quote_requested' });
      expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'converted', exit_reason: 'goal' });
    });
  });
});
