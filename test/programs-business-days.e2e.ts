import { ProgramScheduler } from '../src/programs/scheduler/program-scheduler.service.js';
import { createLead, createProgram, DAY, emailsOf, enroll, enrollmentOf, programsWorld, stepsRun } from './programs-helpers.js';
import { eventually } from './support/test-app.js';

describe('waits in business days skip the configured holidays', () => {
  // Easter Monday 2026 is a public holiday (HOLIDAYS, the office week's holidays, local dates).
  const t = programsWorld({ templates: { welcome: 'welkom' }, env: { HOLIDAYS: '2026-04-06,2026-05-14' } });
  const { clock, templates: tpl } = t;
  const THURSDAY = '2026-04-02T08:00:00Z'; // 10:00 in Brussels, inside the send window
  const TUESDAY_AFTER_EASTER = '2026-04-07T08:00:00.000Z'; // Friday is day one, Easter Monday does not count

  const twoBusinessDays = (name: string) => ({
    name,
    trigger: { type: 'manual' },
    steps: [
      { id: 'welcome', type: 'email', templateId: tpl.welcome, next: 'pause' },
      { id: 'pause', type: 'wait', duration: 'P2D', businessDays: true, next: 'follow-up' },
      { id: 'follow-up', type: 'email', templateId: tpl.welcome, next: 'end' },
      { id: 'end', type: 'exit' },
    ],
  });

  it('a lead enrolled on the Thursday before Easter gets its follow-up on Tuesday, as the simulation shows, not on Easter Monday', async () => {
    clock.set(THURSDAY);
    const programId = await createProgram(t, twoBusinessDays('Offerte opvolging'));

    const simulated = await t.api('post', `/api/v1/programs/${programId}/simulate`).send({ lead: { timezone: 'Europe/Brussels' }, from: THURSDAY });
    expect(simulated.status).toBe(200);
    const when = (stepId: string, action: string) => simulated.body.timeline.find((e: { stepId: string; action: string }) => e.stepId === stepId && e.action === action);
    expect(when('pause', 'wait').detail.until).toBe(TUESDAY_AFTER_EASTER);
    expect(when('follow-up', 'email').at).toBe(TUESDAY_AFTER_EASTER);

    const leadId = await createLead(t, 'an@bakkerij.example.be');
    const id = await enroll(t, programId, leadId);
    await eventually(async () => (await stepsRun(t, id)).length === 2);
    expect((await enrollmentOf(t, programId, leadId))?.next_run_at?.toISOString()).toBe(TUESDAY_AFTER_EASTER);

    clock.advance(4 * DAY); // Easter Monday, 10:00: not due yet
    expect(await t.app.get(ProgramScheduler).runBatch([id])).toBe(0);
    expect(await emailsOf(t, id)).toEqual(['welcome']);
    clock.advance(DAY);
    await eventually(async () => (await enrollmentOf(t, programId, leadId))?.status === 'completed');
    expect(await emailsOf(t, id)).toEqual(['welcome', 'follow-up']);
    const [sent] = await t.db.query(`SELECT created_at FROM email_messages WHERE enrollment_id = $1 AND step_id = 'follow-up'`, [id]);
    expect(sent.created_at.toISOString()).toBe(TUESDAY_AFTER_EASTER);
  });
});
