import { createLead, createProgram, DAY, enroll, enrollmentOf, programsWorld, sendEvent, stepsRun } from './programs-helpers.js';
import { eventually } from './support/test-app.js';

describe('wait_until: an awaited event and its timeout', () => {
  const t = programsWorld({ resetClock: true });
  const { clock } = t;

  const awaitWebinar = (name: string) => ({
    name,
    trigger: { type: 'manual' },
    steps: [
      { id: 'await', type: 'wait_until', event: { type: 'webinar_attended' }, timeout: 'P1D', then: 'yes', else: 'no' },
      { id: 'yes', type: 'update_lead', set: { 'attributes.path': 'yes' }, next: 'end' },
      { id: 'no', type: 'update_lead', set: { 'attributes.path': 'no' }, next: 'end' },
      { id: 'end', type: 'exit' },
    ],
  });

  /** Enrolls a lead, pauses the program once it waits, lets `advance` pass, sends the event, resumes; the steps run. */
  async function eventWhilePaused(name: string, advance: number): Promise<string[]> {
    const programId = await createProgram(t, awaitWebinar(name));
    const leadId = await createLead(t, `${name}@example.be`);
    const id = await enroll(t, programId, leadId);
    await eventually(async () => (await stepsRun(t, id)).length === 1);
    expect((await t.api('post', `/api/v1/programs/${programId}/pause`)).status).toBe(200);
    clock.advance(advance);
    await sendEvent(t, { leadId, type: 'webinar_attended' });
    expect((await t.api('post', `/api/v1/programs/${programId}/resume`)).status).toBe(200);
    await eventually(async () => (await enrollmentOf(t, programId, leadId))?.status === 'completed');
    return stepsRun(t, id);
  }

  it('takes the then path for an event before the timeout, even when the program was paused meanwhile', async () => {
    expect(await eventWhilePaused('in-time', DAY - 1000)).toEqual(['await:event', 'yes:updated', 'end:completed']);
  });

  it('takes the else path for an event that came after the timeout passed while the program was paused', async () => {
    expect(await eventWhilePaused('too-late', 2 * DAY)).toEqual(['await:timeout', 'no:updated', 'end:completed']);
  });

  it('takes the else path for an event at the very instant of the timeout, as the simulation does', async () => {
    expect(await eventWhilePaused('at-timeout', DAY)).toEqual(['await:timeout', 'no:updated', 'end:completed']);
  });
});
