import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QUEUES } from '../src/infra/queue/queue-names.js';
import { createLead, createProgram, enroll, enrollmentOf, sendEvent } from './programs-helpers.js';
import { greylistedProgramsWorld } from './support/greylisted-world.js';
import { eventually } from './support/test-app.js';

/**
 * An enrollment that ends because its goal was reached, its lead was disqualified or its lead became unmailable
 * cancels its emails still queued in the same transaction, as archiving does: the message list and the stats say
 * `cancelled` straight away, and the delivery retry already on the queue finds nothing to send. Real SMTP: a sink
 * that answers the addresses in `down` with a 451 (so the first email waits for a retry) until they are taken out.
 */
describe('an enrollment ended by its goal, a disqualification or an opt-out cancels its queued emails at once', () => {
  const world = greylistedProgramsWorld({ welcome: 'welkom' });
  const { t, down, messageOf, refusedOnce } = world;
  const { templates: tpl } = t;

  /** A program that mails (welcome) and waits two weeks, with the goal `quote_requested`. */
  const program = (name: string) =>
    createProgram(t, {
      name,
      trigger: { type: 'manual' },
      goal: { anyOf: [{ event: 'quote_requested' }] },
      steps: [
        { id: 'welcome', type: 'email', templateId: tpl.welcome, next: 'rest' },
        { id: 'rest', type: 'wait', duration: 'P14D', next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });

  /** Enrolls a new lead of a new program whose mail server is down, and waits until its welcome email was offered and queued again. */
  async function queuedForRetry(name: string, address: string): Promise<{ programId: string; leadId: string; enrollmentId: string; messageId: string }> {
    const programId = await program(name);
    return { programId, ...(await refusedOnce(programId, address)) };
  }

  /** The message is cancelled with `reason`, and no longer listed as queued. */
  async function cancelledAtOnce(enrollmentId: string, messageId: string, reason: string): Promise<void> {
    expect(await messageOf(enrollmentId)).toMatchObject({ status: 'cancelled', status_reason: reason });
    const { body: queued } = await t.api('get', '/api/v1/email/messages?status=queued&limit=500').expect(200);
    expect(queued.items.map((m: { id: string }) => m.id)).not.toContain(messageId);
    const { body: cancelled } = await t.api('get', '/api/v1/email/messages?status=cancelled&limit=500').expect(200);
    expect(cancelled.items.map((m: { id: string }) => m.id)).toContain(messageId);
  }

  /** Once the server is back and the retry on the delivery queue has run, the message is still cancelled and nothing reached the server. */
  async function neverDelivered(address: string, enrollmentId: string, reason: string): Promise<void> {
    const offered = world.sink().offers(address);
    down.delete(address);
    const deliveries: Queue = t.app.get(getQueueToken(QUEUES.emailDelivery));
    await eventually(async () => Object.values(await deliveries.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).every((n) => n === 0), 15_000);
    expect(await messageOf(enrollmentId)).toMatchObject({ status: 'cancelled', status_reason: reason });
    expect(world.sink().offers(address)).toBe(offered);
    expect(world.sink().to(address)).toHaveLength(0);
  }

  it('the goal reached (a quote requested): the email waiting for a retry is cancelled (converted) in the same transaction', async () => {
    const address = 'doel@exit.example.be';
    const { programId, leadId, enrollmentId, messageId } = await queuedForRetry('Doel bereikt', address);

    await sendEvent(t, { leadId, type: 'quote_requested' });
    expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'converted', exit_reason: 'goal' });
    await cancelledAtOnce(enrollmentId, messageId, 'converted');
    const { body: stats } = await t.api('get', '/api/v1/email/stats').expect(200);
    expect(stats.messages.cancelled).toBeGreaterThanOrEqual(1);
    await neverDelivered(address, enrollmentId, 'converted');
  });

  it('the lead disqualified by hand: the email is cancelled (disqualified) at once', async () => {
    const address = 'concurrent@exit.example.be';
    const { programId, leadId, enrollmentId, messageId } = await queuedForRetry('Gediskwalificeerd', address);

    await t.api('patch', `/api/v1/leads/${leadId}`).send({ stage: 'disqualified', reason: 'competitor' }).expect(200);
    expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'exited', exit_reason: 'disqualified' });
    await cancelledAtOnce(enrollmentId, messageId, 'disqualified');
    await neverDelivered(address, enrollmentId, 'disqualified');
  });

  it('the lead made unmailable (its address suppressed by hand): the email is cancelled with the list’s reason at once', async () => {
    const address = 'lijst@exit.example.be';
    const { programId, leadId, enrollmentId, messageId } = await queuedForRetry('Onderdrukt', address);

    await t.api('post', '/api/v1/suppressions').send({ email: address, reason: 'manual' }).expect(201);
    expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'exited', exit_reason: 'manual' });
    await cancelledAtOnce(enrollmentId, messageId, 'manual');
    await neverDelivered(address, enrollmentId, 'manual');
  });

  it('a wait_until woken by its event cancels nothing: the email still goes out once the server is back', async () => {
    const address = 'wacht@exit.example.be';
    const programId = await createProgram(t, {
      name: 'Wachten op een klik',
      trigger: { type: 'manual' },
      steps: [
        { id: 'welcome', type: 'email', templateId: tpl.welcome, next: 'wait_download' },
        { id: 'wait_download', type: 'wait_until', event: { type: 'content_downloaded' }, timeout: 'P7D', then: 'end', else: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    down.add(address);
    const leadId = await createLead(t, address);
    const enrollmentId = await enroll(t, programId, leadId);
    await eventually(async () => ((await messageOf(enrollmentId))?.attempts ?? 0) >= 1, 15_000);
    await eventually(async () => (await enrollmentOf(t, programId, leadId))?.current_step_id === 'wait_download', 15_000);
    await sendEvent(t, { leadId, type: 'content_downloaded' });
    expect((await messageOf(enrollmentId))?.status).not.toBe('cancelled');
    await eventually(async () => (await enrollmentOf(t, programId, leadId))?.status === 'completed', 15_000);
    down.delete(address);
    await eventually(async () => (await messageOf(enrollmentId))?.status === 'sent', 20_000);
    expect(world.sink().to(address)).toHaveLength(1);
  });
});
