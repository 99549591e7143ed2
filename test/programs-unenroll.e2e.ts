import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DeliveryService } from '../src/email/delivery.service.js';
import { EmailDeliveryRepository } from '../src/email/email-delivery.repository.js';
import { QUEUES } from '../src/infra/queue/queue-names.js';
import { ProgramScheduler } from '../src/programs/scheduler/program-scheduler.service.js';
import { emailHash } from '../src/suppression/email-hash.js';
import { createLead, createProgram, DAY, enroll, enrollmentOf, oneWaitSteps, programsWorld, twoEmailSteps } from './programs-helpers.js';

/**
 * DELETE /api/v1/programs/{id}/enrollments/{leadId} takes one lead out of one program. An API-only process runs no
 * scheduler tick and delivers nothing: the tests run the program's steps and deliveries themselves, step by step.
 */
describe('taking one lead out of one program', () => {
  const t = programsWorld({ role: 'api', templates: { welcome: 'welkom' }, resetClock: true });
  const { clock, templates: tpl } = t;
  let marketerKey: string;

  beforeAll(async () => {
    marketerKey = (await t.api('post', '/api/v1/api-keys').send({ name: 'crm', role: 'marketer' }).expect(201)).body.key;
  });

  const unenroll = (programId: string, leadId: string, key = marketerKey) => t.api('delete', `/api/v1/programs/${programId}/enrollments/${leadId}`, key);

  /** A program that mails at once, waits three days and mails again. */
  const mailingProgram = (name: string) => createProgram(t, { name, trigger: { type: 'manual' }, steps: twoEmailSteps(tpl.welcome, tpl.welcome) });

  const messagesOf = async (enrollmentId: string): Promise<{ id: string; status: string; status_reason: string | null }[]> =>
    t.db.query(`SELECT id, status, status_reason FROM email_messages WHERE enrollment_id = $1 ORDER BY created_at`, [enrollmentId]);

  it("ends the lead's enrollment as unenrolled by the key, cancels its queued email and sends nothing; stats, export and timeline show it", async () => {
    const programId = await mailingProgram('Offerte opvolging');
    const other = await createProgram(t, { name: 'Nieuwsbrief', trigger: { type: 'manual' }, steps: oneWaitSteps('P7D') });
    const an = await createLead(t, 'an@unenroll.example.be');
    const bart = await createLead(t, 'bart@unenroll.example.be');
    const [anHere, bartHere, anThere] = [await enroll(t, programId, an), await enroll(t, programId, bart), await enroll(t, other, an)];
    expect(await t.app.get(ProgramScheduler).runBatch([anHere, bartHere])).toBe(2); // both welcome emails queued, not delivered yet

    // Two calls at once (a retried request, say): one ends it, the other answers with the same ended enrollment.
    const [first, second] = await Promise.all([unenroll(programId, an), unenroll(programId, an)]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.body).toMatchObject({ id: anHere, leadId: an, status: 'exited', exitReason: 'unenrolled', exitedBy: 'api-key:crm', nextRunAt: null });
    expect(first.body.finishedAt).toBe(clock.now().toISOString());
    expect(second.body).toEqual(first.body);

    const [cancelled] = await messagesOf(anHere);
    expect(cancelled).toMatchObject({ status: 'cancelled', status_reason: 'unenrolled' });
    expect(await t.app.get(DeliveryService).deliver(cancelled.id)).toBe('skipped'); // a delivery job already on the queue sends nothing
    expect(await messagesOf(bartHere)).toEqual([expect.objectContaining({ status: 'queued' })]);
    expect(await enrollmentOf(t, other, an)).toMatchObject({ id: anThere, status: 'active' });

    // Its wait would have ended now: nothing runs any more.
    clock.advance(3 * DAY);
    expect(await t.app.get(ProgramScheduler).runBatch([anHere])).toBe(0);
    expect(await messagesOf(anHere)).toHaveLength(1);

    clock.advance(DAY);
    const later = await unenroll(programId, an).expect(200);
    expect(later.body).toEqual(first.body); // a repeat changes nothing

    const { body: stats } = await t.api('get', `/api/v1/programs/${programId}/stats`).expect(200);
    expect(stats.enrollments).toMatchObject({ total: 2, active: 1, exited: 1 });
    expect(stats.steps.find((s: { stepId: string }) => s.stepId === 'wait1').exited).toEqual({ unenrolled: 1 });
    expect(stats.steps.find((s: { stepId: string }) => s.stepId === 'welcome').sent).toBe(1); // Bart's; An's was taken back

    const { body: exported } = await t.api('get', `/api/v1/leads/${an}/export`).expect(200);
    expect(exported.enrollments).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: anHere, status: 'exited', exitReason: 'unenrolled', exitedBy: 'api-key:crm' })]),
    );
    expect(exported.emails).toEqual([expect.objectContaining({ id: cancelled.id, status: 'cancelled', statusReason: 'unenrolled' })]);
    const { body: timeline } = await t.api('get', `/api/v1/leads/${an}/timeline`).expect(200);
    const email = timeline.items.find((i: { kind: string }) => i.kind === 'email');
    expect(email.data).toMatchObject({ status: 'cancelled', reason: 'unenrolled', enrollmentId: anHere, stepId: 'welcome' });
    const { body: listed } = await t.api('get', `/api/v1/programs/${programId}/enrollments?leadId=${an}`).expect(200);
    expect(listed.items).toEqual([first.body]);
  });

  it('a step running when the lead is taken out: the unenroll waits for it, then cancels the email it queued', async () => {
    const programId = await mailingProgram('Midden in een stap');
    const leadId = await createLead(t, 'midden@unenroll.example.be');
    const id = await enroll(t, programId, leadId);
    let answered: number | null = null;
    let response: Promise<unknown> = Promise.resolve();
    await t.db.transaction(async (m) => {
      expect((await t.app.get(ProgramScheduler).runBatchIn(m, [id])).messageIds).toHaveLength(1);
      response = unenroll(programId, leadId).then((res) => (answered = res.status));
      // The unenroll waits for the lead and the enrollment this batch holds.
      for (;;) {
        const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        if (n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(answered).toBeNull();
    });
    await response;
    expect(answered).toBe(200);
    const [message] = await messagesOf(id);
    expect(message).toMatchObject({ status: 'cancelled', status_reason: 'unenrolled' });
    expect(await t.app.get(DeliveryService).deliver(message.id)).toBe('skipped');
    expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'exited', exit_reason: 'unenrolled', current_step_id: 'wait1' });
  });

  it('an email already being sent is not taken back', async () => {
    const programId = await mailingProgram('Al onderweg');
    const leadId = await createLead(t, 'onderweg@unenroll.example.be');
    const id = await enroll(t, programId, leadId);
    await t.app.get(ProgramScheduler).runBatch([id]);
    const [queued] = await messagesOf(id);
    const claim = await t.app.get(EmailDeliveryRepository).claim(queued.id, clock.now(), emailHash('onderweg@unenroll.example.be'), null);
    expect(claim).toMatchObject({ status: 'sending' });
    await unenroll(programId, leadId).expect(200);
    expect(await messagesOf(id)).toEqual([expect.objectContaining({ status: 'sending', status_reason: null })]);
  });

  it('drops the wake-up job of an enrollment due soon', async () => {
    const programId = await createProgram(t, { name: 'Korte pauze', trigger: { type: 'manual' }, steps: oneWaitSteps('PT30S') });
    const leadId = await createLead(t, 'kort@unenroll.example.be');
    const id = await enroll(t, programId, leadId);
    await t.app.get(ProgramScheduler).runBatch([id]);
    const queue: Queue = t.app.get(getQueueToken(QUEUES.programs));
    const wakeUp = `wake-${id}-${clock.now().getTime() + 30_000}`;
    expect(await queue.getJob(wakeUp)).toBeDefined();
    await unenroll(programId, leadId).expect(200);
    expect(await queue.getJob(wakeUp)).toBeUndefined();
  });

  it('refuses what it cannot do: 404 never enrolled or unknown, 409 ended otherwise, 403 for sales, 422 a bad id', async () => {
    const programId = await mailingProgram('Weigeringen');
    const leadId = await createLead(t, 'weigering@unenroll.example.be');
    const never = await createLead(t, 'nooit@unenroll.example.be');
    await enroll(t, programId, leadId);

    const notFound = await unenroll(programId, never).expect(404);
    expect(notFound.headers['content-type']).toMatch(/application\/problem\+json/);
    await unenroll('00000000-0000-4000-8000-000000000000', leadId).expect(404);
    await unenroll(programId, '00000000-0000-4000-8000-000000000000').expect(404);
    const bad = await unenroll(programId, 'not-a-uuid').expect(422);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'leadId' })]);
    const { body: sales } = await t.api('post', '/api/v1/api-keys').send({ name: 'verkoop', role: 'sales' }).expect(201);
    await unenroll(programId, leadId, sales.key).expect(403);

    await t.api('post', `/api/v1/programs/${programId}/archive`).expect(200);
    const ended = await unenroll(programId, leadId).expect(409);
    expect(ended.body).toMatchObject({ reason: 'not_enrolled', detail: expect.stringContaining('exited (archived)') });
    expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'exited', exit_reason: 'archived' });
  });
});
