import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QUEUES } from '../src/infra/queue/queue-names.js';
import { createProgram, enrollmentOf, oneEmailSteps, sendEvent } from './programs-helpers.js';
import { greylistedProgramsWorld, type QueuedMessageRow } from './support/greylisted-world.js';
import { eventually } from './support/test-app.js';

/**
 * An enrollment that ended early sends nothing more: the email it queued and that waits for delivery (here behind
 * an SMTP server answering "try again later") is cancelled at once when the enrollment ends (goal, archive, an exit:
 * see also programs-exit-cancels-emails.e2e.ts), else when its delivery claims it. One whose enrollment completed
 * normally after queuing it still goes out. Real SMTP: a sink that
 * refuses the addresses in `down` with a 451 until they are taken out.
 */
describe('emails of an enrollment that ended early', () => {
  const world = greylistedProgramsWorld({ welcome: 'welkom' });
  const { t, down, messageOf, refusedOnce } = world;
  const { clock, templates: tpl } = t;
  /** Once the server is back, the message's next delivery decides: it leaves 'queued'. */
  async function recovered(address: string, enrollmentId: string): Promise<QueuedMessageRow> {
    down.delete(address);
    return eventually(async () => {
      const m = await messageOf(enrollmentId);
      return m && m.status !== 'queued' && m.status !== 'sending' ? m : null;
    }, 20_000);
  }

  const welcomeThenWait = (name: string, duration: string, extra: Record<string, unknown> = {}) =>
    createProgram(t, {
      name,
      trigger: { type: 'manual' },
      steps: [
        { id: 'welcome', type: 'email', templateId: tpl.welcome, next: 'rest' },
        { id: 'rest', type: 'wait', duration, next: 'end' },
        { id: 'end', type: 'exit' },
      ],
      ...extra,
    });

  it('the goal met while the email waits for a retry: it is cancelled (converted), never delivered', async () => {
    const programId = await welcomeThenWait('Offerte gevraagd', 'P14D', { goal: { anyOf: [{ event: 'quote_requested' }] } });
    const address = 'offerte@ended.example.be';
    const { leadId, enrollmentId } = await refusedOnce(programId, address);

    await sendEvent(t, { leadId, type: 'quote_requested' });
    expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'converted', exit_reason: 'goal' });

    expect(await recovered(address, enrollmentId)).toMatchObject({ status: 'cancelled', status_reason: 'converted' });
    expect(world.sink().to(address)).toHaveLength(0);
    const { body: stats } = await t.api('get', '/api/v1/email/stats').expect(200);
    expect(stats.messages.cancelled).toBeGreaterThanOrEqual(1);
  });

  it('archiving the program cancels its queued emails at once and drops the wake-ups; nothing is delivered', async () => {
    const programId = await welcomeThenWait('Gearchiveerd', 'PT30S');
    const address = 'archief@ended.example.be';
    const { leadId, enrollmentId } = await refusedOnce(programId, address);
    const programs: Queue = t.app.get(getQueueToken(QUEUES.programs));
    const wakeUp = `wake-${enrollmentId}-${clock.now().getTime() + 30_000}`;
    expect(await programs.getJob(wakeUp)).toBeDefined();

    await t.api('post', `/api/v1/programs/${programId}/archive`).expect(200);
    expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'exited', exit_reason: 'archived' });
    expect(await messageOf(enrollmentId)).toMatchObject({ status: 'cancelled', status_reason: 'archived' });
    expect(await programs.getJob(wakeUp)).toBeUndefined();

    // The retry already on the delivery queue runs and finds nothing to send.
    down.delete(address);
    const deliveries: Queue = t.app.get(getQueueToken(QUEUES.emailDelivery));
    await eventually(async () => Object.values(await deliveries.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).every((n) => n === 0), 15_000);
    expect(await messageOf(enrollmentId)).toMatchObject({ status: 'cancelled', status_reason: 'archived' });
    expect(world.sink().to(address)).toHaveLength(0);
  });

  it('an enrollment that completed after queuing its last email still sends it', async () => {
    const programId = await createProgram(t, { name: 'Eén mail', trigger: { type: 'manual' }, steps: oneEmailSteps(tpl.welcome) });
    const address = 'voltooid@ended.example.be';
    const { leadId, enrollmentId } = await refusedOnce(programId, address);
    expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'completed' });

    expect(await recovered(address, enrollmentId)).toMatchObject({ status: 'sent', status_reason: null });
    expect(world.sink().to(address)).toHaveLength(1);
  });

  it('a held email of an enrollment that ended early is not released (409 enrollment_ended) and stays held', async () => {
    const programId = await welcomeThenWait('Vastgehouden', 'P14D', { goal: { anyOf: [{ event: 'quote_requested' }] } });
    const address = 'vast@ended.example.be';
    const { leadId, enrollmentId, messageId } = await refusedOnce(programId, address);
    await t.db.query(`UPDATE email_messages SET status = 'held', status_reason = 'ambiguous_after_crash' WHERE id = $1`, [messageId]);
    await sendEvent(t, { leadId, type: 'quote_requested' });

    const refused = await t.api('post', `/api/v1/email/messages/${messageId}/release`).expect(409);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body).toMatchObject({ reason: 'enrollment_ended', detail: expect.stringContaining(`${enrollmentId} ended early (converted)`) });
    expect(await messageOf(enrollmentId)).toMatchObject({ status: 'held', status_reason: 'ambiguous_after_crash' });
  });
});
