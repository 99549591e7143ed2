import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QUEUES } from '../src/infra/queue/queue-names.js';
import { createLead, createProgram, createTemplate, enroll, enrollmentOf, sendEvent } from './programs-helpers.js';
import { greylistedProgramsWorld, type QueuedMessageRow } from './support/greylisted-world.js';
import { eventually } from './support/test-app.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * An enrollment the scheduler ends early when it runs a due step — its goal met at step time, its lead no longer
 * mailable or disqualified, a step its program does not have, a step failing until it gives up — cancels its emails
 * still queued in the batch's own transaction, as the exits decided on an event do (programs-exit-cancels-emails):
 * they are `cancelled` the moment the enrollment is seen ended, not when a delivery worker comes to claim them.
 * Deliveries are paused for the exit (a job already running finishes first), so nothing but the exit itself can
 * have changed the message. Real SMTP: a sink answering the addresses in `down` with a 451 keeps an email queued.
 */
describe('an enrollment the scheduler ends early cancels its queued emails in the same transaction', () => {
  const world = greylistedProgramsWorld({ welcome: 'welkom', reminder: 'herinnering' });
  const { t, down, messageOf, refusedOnce } = world;
  const { clock, templates: tpl } = t;

  const deliveries = (): Queue => t.app.get(getQueueToken(QUEUES.emailDelivery));
  afterEach(() => deliveries().resume());

  /** Pauses email delivery once the attempt running (if any) is over; returns the message as it then stands. */
  async function deliveriesPaused(enrollmentId: string): Promise<QueuedMessageRow> {
    await deliveries().pause();
    await eventually(async () => (await deliveries().getActiveCount()) === 0, 10_000);
    const message = await messageOf(enrollmentId);
    expect(message).toMatchObject({ status: 'queued' });
    return message!;
  }

  /** The scheduler's tick (every 50 ms) runs the steps now due: waits until the enrollment has left `active`. */
  async function endedByScheduler(programId: string, leadId: string) {
    return eventually(async () => {
      const e = await enrollmentOf(t, programId, leadId);
      return e && e.status !== 'active' ? e : null;
    }, 15_000);
  }

  /** The message was cancelled with `reason` by the exit itself: no delivery attempt since, nothing more offered. */
  async function cancelledByTheExit(before: QueuedMessageRow, address: string, offered: number, reason: string): Promise<void> {
    const [after]: QueuedMessageRow[] = await t.db.query(`SELECT id, status, status_reason, attempts FROM email_messages WHERE id = $1`, [before.id]);
    expect(after).toEqual({ ...before, status: 'cancelled', status_reason: reason });
    expect(world.sink().offers(address)).toBe(offered);
  }

  /** A program that mails (welcome), waits an hour and ends: the scheduler looks at its enrollments again then. */
  const welcomeThenHour = (name: string) =>
    createProgram(t, {
      name,
      trigger: { type: 'manual' },
      steps: [
        { id: 'welcome', type: 'email', templateId: tpl.welcome, next: 'rest' },
        { id: 'rest', type: 'wait', duration: 'PT1H', next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });

  /** Welcome, a minute's wait, a reminder, an hour's rest: two emails of one enrollment, the second queued a minute later. */
  const welcomeThenReminder = () => [
    { id: 'welcome', type: 'email', templateId: tpl.welcome, next: 'pause' },
    { id: 'pause', type: 'wait', duration: 'PT1M', next: 'reminder' },
    { id: 'reminder', type: 'email', templateId: tpl.reminder, next: 'rest' },
    { id: 'rest', type: 'wait', duration: 'PT1H', next: 'end' },
    { id: 'end', type: 'exit' },
  ];

  // Changes the scheduler finds when it runs the next step, written where no event tells the enrollment (the event
  // paths end it at once and are covered elsewhere): what it decides then is what is tested.
  const atStepTime: [string, string, (ids: { leadId: string; enrollmentId: string }) => Promise<unknown>][] = [
    ['the lead disqualified', 'disqualified', ({ leadId }) => t.db.query(`UPDATE leads SET stage = 'disqualified' WHERE id = $1`, [leadId])],
    ['the lead’s consent withdrawn', 'consent_withdrawn', ({ leadId }) => t.db.query(`UPDATE leads SET consent_status = 'withdrawn' WHERE id = $1`, [leadId])],
    [
      'no lawful basis recorded any more, past the grace',
      'no_lawful_basis',
      ({ leadId }) => t.db.query(`UPDATE leads SET consent_status = 'unknown' WHERE id = $1`, [leadId]),
    ],
    [
      'its step gone from the program',
      'unknown_step',
      ({ enrollmentId }) => t.db.query(`UPDATE enrollments SET current_step_id = 'gone' WHERE id = $1`, [enrollmentId]),
    ],
  ];

  it.each(atStepTime)('%s at step time: its queued email is cancelled (%s) by the exit, before any delivery attempt', async (label, reason, change) => {
    const programId = await welcomeThenHour(`Bij de stap: ${label}`);
    const address = `${reason.replace(/_/g, '-')}@scheduler.example.be`;
    const { leadId, enrollmentId } = await refusedOnce(programId, address);
    const before = await deliveriesPaused(enrollmentId);
    const offered = world.sink().offers(address);

    await change({ leadId, enrollmentId });
    clock.advance(HOUR);
    expect(await endedByScheduler(programId, leadId)).toMatchObject({ status: 'exited', exit_reason: reason });
    await cancelledByTheExit(before, address, offered, reason);
  });

  it('an enrollment ended early cancels its email, one of the same program completing at the same step time keeps its own, which is sent once the server is back', async () => {
    const programId = await welcomeThenHour('Samen in één batch');
    const [early, done] = ['vroeg@scheduler.example.be', 'klaar@scheduler.example.be'];
    const ended = await refusedOnce(programId, early);
    const completed = await refusedOnce(programId, done);
    const before = await deliveriesPaused(ended.enrollmentId);
    expect(await messageOf(completed.enrollmentId)).toMatchObject({ status: 'queued' });
    const offered = world.sink().offers(early);

    await t.db.query(`UPDATE leads SET stage = 'disqualified' WHERE id = $1`, [ended.leadId]);
    clock.advance(HOUR);
    expect(await endedByScheduler(programId, ended.leadId)).toMatchObject({ status: 'exited', exit_reason: 'disqualified' });
    expect(await endedByScheduler(programId, completed.leadId)).toMatchObject({ status: 'completed' });
    await cancelledByTheExit(before, early, offered, 'disqualified');
    // Completed normally: its last email still goes out.
    expect(await messageOf(completed.enrollmentId)).toMatchObject({ status: 'queued' });

    down.delete(done);
    down.delete(early);
    await deliveries().resume();
    await eventually(async () => (await messageOf(completed.enrollmentId))?.status === 'sent', 20_000);
    expect(world.sink().to(done)).toHaveLength(1);
    expect(await messageOf(ended.enrollmentId)).toMatchObject({ status: 'cancelled', status_reason: 'disqualified' });
    expect(world.sink().to(early)).toHaveLength(0);
  });

  it('the goal met at step time (the welcome email clicked, which only the scheduler decides): the reminder waiting for a retry is cancelled (converted)', async () => {
    const programId = await createProgram(t, {
      name: 'Geklikt op de intro',
      trigger: { type: 'manual' },
      goal: { anyOf: [{ clicked: { step: 'welcome' } }] }, // no event: the batch reads interactions first
      steps: welcomeThenReminder(),
    });
    const address = 'klik@scheduler.example.be';
    const leadId = await createLead(t, address);
    const enrollmentId = await enroll(t, programId, leadId);
    const welcome = await eventually(async () => {
      const [m]: { id: string; status: string }[] = await t.db.query(`SELECT id, status FROM email_messages WHERE enrollment_id = $1 AND step_id = 'welcome'`, [
        enrollmentId,
      ]);
      return m?.status === 'sent' ? m : null;
    }, 15_000);
    down.add(address);
    clock.advance(MINUTE);
    const reminderOf = async (): Promise<QueuedMessageRow | undefined> =>
      (await t.db.query(`SELECT id, status, status_reason, attempts FROM email_messages WHERE enrollment_id = $1 AND step_id = 'reminder'`, [enrollmentId]))[0];
    await eventually(async () => {
      const m = await reminderOf();
      return m?.status === 'queued' && m.attempts >= 1;
    }, 15_000);
    await deliveries().pause();
    await eventually(async () => (await deliveries().getActiveCount()) === 0, 10_000);
    const before = (await reminderOf())!;
    expect(before.status).toBe('queued');
    const offered = world.sink().offers(address);

    // The click arrives as the tracking records it; a goal on clicks is left to the scheduler's next step.
    await sendEvent(t, { leadId, type: 'email_clicked', properties: { messageId: welcome.id, enrollmentId, stepId: 'welcome' } });
    expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'active' });
    expect((await reminderOf())?.status).toBe('queued');

    clock.advance(HOUR);
    expect(await endedByScheduler(programId, leadId)).toMatchObject({ status: 'converted', exit_reason: 'goal' });
    await cancelledByTheExit(before, address, offered, 'converted');
    const { body: queued } = await t.api('get', '/api/v1/email/messages?status=queued&limit=500').expect(200);
    expect(queued.items.map((m: { id: string }) => m.id)).not.toContain(before.id);
    const { body: cancelled } = await t.api('get', '/api/v1/email/messages?status=cancelled&limit=500').expect(200);
    expect(cancelled.items.map((m: { id: string }) => m.id)).toContain(before.id);
  });

  it('a step that keeps failing until the enrollment gives up (error): its earlier email still queued is cancelled with it', async () => {
    const doomed = await createTemplate(t, 'verdwijnt');
    const programId = await createProgram(t, {
      name: 'Stuk na de wachttijd',
      trigger: { type: 'manual' },
      steps: [
        { id: 'welcome', type: 'email', templateId: tpl.welcome, next: 'pause' },
        { id: 'pause', type: 'wait', duration: 'PT1M', next: 'broken' },
        { id: 'broken', type: 'email', templateId: doomed, next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    const address = 'fout@scheduler.example.be';
    const { leadId, enrollmentId } = await refusedOnce(programId, address);
    const before = await deliveriesPaused(enrollmentId);
    const offered = world.sink().offers(address);
    // Its next step's template is gone (it fails every time), and it has failed all but once already.
    await t.db.query(`UPDATE templates SET archived_at = $2 WHERE id = $1`, [doomed, clock.now()]);
    await t.db.query(`UPDATE enrollments SET failures = 9 WHERE id = $1`, [enrollmentId]);

    clock.advance(MINUTE);
    expect(await endedByScheduler(programId, leadId)).toMatchObject({ status: 'exited', exit_reason: 'error' });
    await cancelledByTheExit(before, address, offered, 'error');
  });

  it('an email already being sent is left to its delivery, while the same enrollment’s queued one is cancelled', async () => {
    const programId = await createProgram(t, {
      name: 'Een mail onderweg',
      trigger: { type: 'manual' },
      steps: welcomeThenReminder(),
    });
    const address = 'onderweg@scheduler.example.be';
    const { leadId, enrollmentId, messageId: welcomeId } = await refusedOnce(programId, address);
    await deliveriesPaused(enrollmentId);
    clock.advance(MINUTE);
    const reminder = await eventually(async () => {
      const [m]: QueuedMessageRow[] = await t.db.query(
        `SELECT id, status, status_reason, attempts FROM email_messages WHERE enrollment_id = $1 AND step_id = 'reminder'`,
        [enrollmentId],
      );
      return m?.status === 'queued' ? m : null;
    }, 15_000);
    const exitAt = new Date(clock.now().getTime() + HOUR);
    // A delivery worker has claimed the welcome email and is talking to the server.
    await t.db.query(`UPDATE email_messages SET status = 'sending', sending_at = $2 WHERE id = $1`, [welcomeId, exitAt]);
    const offered = world.sink().offers(address);

    await t.db.query(`UPDATE leads SET stage = 'disqualified' WHERE id = $1`, [leadId]);
    clock.set(exitAt);
    expect(await endedByScheduler(programId, leadId)).toMatchObject({ status: 'exited', exit_reason: 'disqualified' });
    await cancelledByTheExit(reminder, address, offered, 'disqualified');
    const [welcome] = await t.db.query(`SELECT status, status_reason FROM email_messages WHERE id = $1`, [welcomeId]);
    expect(welcome).toEqual({ status: 'sending', status_reason: null });
  });
});
