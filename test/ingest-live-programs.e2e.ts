import type { EntityManager } from 'typeorm';
import { LeadActivityHub } from '../src/lifecycle/lead-activity.js';
import { createLead, createProgram, enrollmentOf, oneWaitSteps, programsWorld, sendEvent } from './programs-helpers.js';

/**
 * Ingest reads which programs are live in its first statement and leaves that for the activity
 * listener of the same transaction (one round trip less per request). Each transaction reads afresh:
 * a program published between two events of a known lead triggers on the second.
 */
describe('event triggers through the known-lead ingest path', () => {
  const t = programsWorld();

  it('sees a program published after an earlier event of the same lead, in one request and in a batch', async () => {
    const leadId = await createLead(t, 'webinar@example.be');
    const other = await createLead(t, 'batch@example.be');
    await sendEvent(t, { leadId, type: 'webinar_attended' }); // nothing live yet
    // A first step that waits: the enrollment stays active whatever the scheduler does meanwhile.
    const programId = await createProgram(t, { name: 'Na het webinar', trigger: { type: 'event', eventType: 'webinar_attended' }, steps: oneWaitSteps('P7D') });
    expect(await enrollmentOf(t, programId, leadId)).toBeUndefined();

    await sendEvent(t, { leadId, type: 'webinar_attended' });
    expect((await enrollmentOf(t, programId, leadId))?.status).toBe('active');

    const res = await t.api('post', '/api/v1/events').send({ events: [{ leadId: other, type: 'webinar_attended' }, { leadId: other, type: 'page_viewed' }] });
    expect(res.body.accepted).toBe(2);
    expect((await enrollmentOf(t, programId, other))?.status).toBe('active');
  });

  it('lets the listeners after the write plan as usual (generic plans are forced only for the lock-and-read and the write)', async () => {
    const leadId = await createLead(t, 'plan-mode@example.be');
    const seen: string[] = [];
    t.app.get(LeadActivityHub).register({
      onLeadActivity: async (m: EntityManager) => {
        const [row] = await m.query(`SELECT current_setting('plan_cache_mode') AS mode`);
        seen.push(row.mode);
      },
    });
    await sendEvent(t, { leadId, type: 'page_viewed' });
    await sendEvent(t, { email: 'plan-mode@example.be', type: 'page_viewed', idempotencyKey: 'plan-mode-1' });
    expect(seen).toEqual(['auto', 'auto']);
  });
});
