import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplicationContext } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { ManualClock } from '../src/common/clock.js';
import { emailHash } from '../src/suppression/email-hash.js';
import { EmailDeliveryRepository } from '../src/email/email-delivery.repository.js';
import { EmailService } from '../src/email/email.service.js';
import { EmailDeliverySweepCron } from '../src/email/email-delivery-sweep.cron.js';
import { deliveryJobId } from '../src/email/delivery-job.js';
import { QUEUES } from '../src/infra/queue/queue-names.js';
import { createLead, createTemplate } from './support/email-fixtures.js';
import { createProgram, enroll, enrollmentOf } from './programs-helpers.js';
import { SmtpSink } from './support/smtp-sink.js';
import { eventually, startTestApp, startTestWorker, type TestApp } from './support/test-app.js';

describe('email delivery when things go wrong', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let email: EmailService;
  let queue: Queue;
  let templateId: string;
  const clock = new ManualClock('2026-03-02T10:00:00Z');

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({
      clock,
      env: {
        SMTP_URL: sink.url,
        EMAIL_RATE_PER_SECOND: '0',
        EMAIL_RETRY_BASE_MS: '150',
        EMAIL_MAX_ATTEMPTS: '4',
        EMAIL_SWEEP_MS: '100',
        EMAIL_REDISPATCH_AFTER_MS: '60000',
        EMAIL_SENDING_TIMEOUT_MS: '600000',
      },
    });
    email = t.app.get(EmailService);
    queue = t.app.get(getQueueToken(QUEUES.emailDelivery));
    templateId = await createTemplate(t);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const message = async (id: string) => (await t.db.query(`SELECT * FROM email_messages WHERE id = $1`, [id]))[0];
  const settled = (id: string, status: string) => eventually(async () => (await message(id)).status === status && message(id), 15_000);
  async function queueIdle(): Promise<void> {
    await eventually(async () => {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(counts).every((n) => n === 0);
    }, 15_000);
  }

  it('retries after "451 try again later" and delivers exactly once, later', async () => {
    const address = 'greylisted@example.be';
    sink.refuse = (to, attempt) => (to === address && attempt <= 2 ? { code: 451, message: '4.7.1 Greylisted, try again later' } : null);
    const leadId = await createLead(t, { email: address, firstName: 'Greet' });
    const { messageId } = await email.sendToLead(leadId, templateId, 'grey:1');

    const sent = await settled(messageId, 'sent');
    expect(sent.attempts).toBe(3);
    expect(sink.offers(address)).toBe(3);
    await queueIdle();
    expect(sink.to(address)).toHaveLength(1);
    expect(sent.last_error).toBeNull();
  });

  it('gives up after the last attempt when the server keeps saying "try again"', async () => {
    const address = 'always-busy@example.be';
    sink.refuse = (to) => (to === address ? { code: 421, message: '4.3.2 Service not available' } : null);
    const leadId = await createLead(t, { email: address });
    const { messageId } = await email.sendToLead(leadId, templateId, 'busy:1');
    const failed = await settled(messageId, 'failed');
    expect(failed).toMatchObject({ attempts: 4, status_reason: 'retries_exhausted' });
    expect(failed.last_error).toMatch(/^421 4\.3\.2/);
    expect(sink.to(address)).toHaveLength(0);
  });

  it('fails a message to a mailbox that does not exist (550 5.1.1) and never mails that address again', async () => {
    const address = 'nobody@example.be';
    sink.refuse = (to) => (to === address ? { code: 550, message: '5.1.1 <nobody@example.be>: Recipient address rejected: User unknown' } : null);
    const leadId = await createLead(t, { email: address });
    const { messageId } = await email.sendToLead(leadId, templateId, 'bounce:1');

    const failed = await settled(messageId, 'failed');
    expect(failed).toMatchObject({ attempts: 1, status_reason: 'hard_bounce' });
    const [suppression] = await t.db.query(`SELECT reason, lead_id FROM suppressions WHERE email_hash = $1`, [emailHash(address)]);
    expect(suppression).toEqual({ reason: 'hard_bounce', lead_id: leadId });

    const next = await email.sendToLead(leadId, templateId, 'bounce:2');
    expect(next).toMatchObject({ status: 'suppressed', reason: 'hard_bounce' });
    expect(sink.offers(address)).toBe(1);
  });

  it('a hard bounce at delivery ends the lead’s nurture enrollments at once, with reason hard_bounce', async () => {
    const address = 'weg-adres@example.be';
    sink.refuse = (to) => (to === address ? { code: 550, message: '5.1.1 <weg-adres@example.be>: User unknown' } : null);
    const leadId = await createLead(t, { email: address });
    const programId = await createProgram(t, {
      name: 'Lange wacht',
      trigger: { type: 'manual' },
      steps: [
        { id: 'wait1', type: 'wait', duration: 'P7D', next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    await enroll(t, programId, leadId);
    const { messageId } = await email.sendToLead(leadId, templateId, 'bounce-enrolled:1');
    await settled(messageId, 'failed');
    // Committed with the failure: no waiting for the enrollment's next step, a week away.
    expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'exited', exit_reason: 'hard_bounce', next_run_at: null });
  });

  it('fails a message the server refuses for other reasons, without suppressing the address', async () => {
    const address = 'strict@example.be';
    sink.refuse = (to) => (to === address ? { code: 554, message: '5.7.1 Rejected by policy' } : null);
    const leadId = await createLead(t, { email: address });
    const { messageId } = await email.sendToLead(leadId, templateId, 'policy:1');
    expect(await settled(messageId, 'failed')).toMatchObject({ status_reason: 'rejected', attempts: 1 });
    expect(await t.db.query(`SELECT 1 FROM suppressions WHERE email_hash = $1`, [emailHash(address)])).toHaveLength(0);
  });

  describe('a lead who must not be mailed', () => {
    it('gets no email when they withdrew consent before the send was queued', async () => {
      const leadId = await createLead(t, { email: 'optout@example.be', consent: { status: 'withdrawn' } });
      const outcome = await email.sendToLead(leadId, templateId, 'optout:1');
      expect(outcome).toMatchObject({ status: 'suppressed', reason: 'consent_withdrawn' });
      expect((await message(outcome.messageId)).status).toBe('suppressed');
    });

    it('gets no nurture email once disqualified, even one queued before (checked again right before sending)', async () => {
      const address = 'disqualified@example.be';
      const leadId = await createLead(t, { email: address });
      const outcome = await t.db.transaction((m) => email.enqueue(m, { idempotencyKey: 'disqualified:1', leadId, templateId }));
      expect(outcome.status).toBe('queued');
      await t.db.query(`UPDATE leads SET stage = 'disqualified' WHERE id = $1`, [leadId]); // sales rejected it as a bad fit
      await email.dispatch([outcome.messageId]);
      expect(await settled(outcome.messageId, 'suppressed')).toMatchObject({ status_reason: 'disqualified' });
      expect(sink.offers(address)).toBe(0);
      expect(await email.sendToLead(leadId, templateId, 'disqualified:2')).toMatchObject({ status: 'suppressed', reason: 'disqualified' });
    });

    it('gets no email when they were suppressed after it was queued (checked again right before sending)', async () => {
      const address = 'late-optout@example.be';
      const leadId = await createLead(t, { email: address });
      const outcome = await t.db.transaction((m) => email.enqueue(m, { idempotencyKey: 'late:1', leadId, templateId }));
      expect(outcome.status).toBe('queued');
      await t.db.query(`INSERT INTO suppressions (email_hash, lead_id, reason, source) VALUES ($1, $2, 'unsubscribed', 'test')`, [
        emailHash(address),
        leadId,
      ]);
      await email.dispatch([outcome.messageId]);
      expect(await settled(outcome.messageId, 'suppressed')).toMatchObject({ status_reason: 'unsubscribed' });
      expect(sink.offers(address)).toBe(0);
    });
  });

  it('holds a message whose worker died mid-send, never sends it again, and counts it', async () => {
    const address = 'crashed@example.be';
    const leadId = await createLead(t, { email: address });
    const { messageId } = await t.db.transaction((m) => email.enqueue(m, { idempotencyKey: 'crash:1', leadId, templateId }));
    // A worker claimed it, maybe handed it to the server, then was killed: the row is left 'sending'.
    const claimedAt = new Date(clock.now().getTime() - 15 * 60_000);
    await t.db.query(`UPDATE email_messages SET status = 'sending', sending_at = $2, attempts = 1 WHERE id = $1`, [messageId, claimedAt]);

    const held = await settled(messageId, 'held');
    expect(held.status_reason).toBe('ambiguous_after_crash');

    await queue.add('deliver', { messageId }, { jobId: `again-${messageId}` }); // a late duplicate job
    await queueIdle();
    expect((await message(messageId)).status).toBe('held');
    expect(sink.offers(address)).toBe(0);

    const stats = await t.api('get', '/api/v1/email/stats');
    expect(stats.status).toBe(200);
    expect(stats.body.heldAfterCrash).toBeGreaterThanOrEqual(1);
    expect(stats.body.messages.held).toBe(stats.body.heldAfterCrash);
  });

  it('lets an operator release a held message once they know it never arrived', async () => {
    const address = 'released@example.be';
    const leadId = await createLead(t, { email: address });
    const { messageId } = await t.db.transaction((m) => email.enqueue(m, { idempotencyKey: 'release:1', leadId, templateId }));
    await t.db.query(`UPDATE email_messages SET status = 'held', status_reason = 'ambiguous_after_crash', attempts = 1 WHERE id = $1`, [messageId]);
    const res = await t.api('post', `/api/v1/email/messages/${messageId}/release`);
    expect(res.status).toBe(202);
    await settled(messageId, 'sent');
    expect(sink.to(address)).toHaveLength(1);
    expect((await t.api('post', `/api/v1/email/messages/${messageId}/release`)).status).toBe(409);
  });

  describe('with two workers', () => {
    let second: INestApplicationContext;
    beforeAll(async () => {
      second = await startTestWorker(t, clock);
    });
    afterAll(async () => {
      await second?.close();
    });

    it('sends exactly one email however many jobs name the message', async () => {
      const address = 'once@example.be';
      const leadId = await createLead(t, { email: address, firstName: 'Olga' });
      const { messageId } = await t.db.transaction((m) => email.enqueue(m, { idempotencyKey: 'once:1', leadId, templateId }));
      await queue.addBulk(Array.from({ length: 12 }, (_, i) => ({ name: 'deliver', data: { messageId }, opts: { jobId: `dup-${i}-${messageId}` } })));
      await email.dispatch([messageId, messageId]);

      await settled(messageId, 'sent');
      await queueIdle();
      expect(sink.to(address)).toHaveLength(1);
      expect((await message(messageId)).attempts).toBe(1);
    });
  });

  it('dispatches again a queued message whose job was lost with Redis, and sends it once', async () => {
    const address = 'lost-job@example.be';
    const leadId = await createLead(t, { email: address });
    // Enqueued and committed, but the job never reached Redis (or Redis lost it).
    const { messageId } = await t.db.transaction((m) => email.enqueue(m, { idempotencyKey: 'lost:1', leadId, templateId }));
    clock.advance(5 * 60_000);
    await settled(messageId, 'sent');
    await queueIdle();
    expect(sink.to(address)).toHaveLength(1);
  });

  it('delivers messages dispatched together in one job, each exactly once', async () => {
    const addresses = Array.from({ length: 7 }, (_, i) => `together-${i}@example.be`);
    const ids: string[] = [];
    for (const [i, address] of addresses.entries()) {
      const leadId = await createLead(t, { email: address });
      ids.push((await t.db.transaction((m) => email.enqueue(m, { idempotencyKey: `together:${i}`, leadId, templateId }))).messageId);
    }
    await email.dispatch(ids);
    for (const id of ids) await settled(id, 'sent');
    await queueIdle();
    for (const address of addresses) expect(sink.to(address)).toHaveLength(1);
  });

  it('does not dispatch again messages whose job names several, while that job is alive; does once it is gone', async () => {
    const addresses = ['batch-a@example.be', 'batch-b@example.be'];
    const ids: string[] = [];
    for (const [i, address] of addresses.entries()) {
      const leadId = await createLead(t, { email: address });
      ids.push((await t.db.transaction((m) => email.enqueue(m, { idempotencyKey: `batch-alive:${i}`, leadId, templateId }))).messageId);
    }
    // A job naming both, not due for an hour: the messages have a live job although none has their own id.
    const job = await queue.add('deliver', { messageIds: ids }, { jobId: `batch-alive-${ids[0]}`, delay: 3_600_000 });
    clock.advance(5 * 60_000);
    const sweep = t.app.get(EmailDeliverySweepCron);
    expect((await sweep.sweep()).redispatched).toBe(0);
    for (const id of ids) expect(await queue.getJob(deliveryJobId(id, 0))).toBeUndefined();

    await job.remove();
    for (const id of ids) await settled(id, 'sent');
    await queueIdle();
    for (const address of addresses) expect(sink.to(address)).toHaveLength(1);
  });

  it('gives a message to one claim only, when many claims of it share one statement', async () => {
    const leadId = await createLead(t, { email: 'claimed-once@example.be' });
    const { messageId } = await t.db.transaction((m) => email.enqueue(m, { idempotencyKey: 'claim-once:1', leadId, templateId }));
    // Not due for a day, so the sweep leaves it to this test.
    await t.db.query(`UPDATE email_messages SET next_attempt_at = now() + interval '1 day' WHERE id = $1`, [messageId]);
    const repository = t.app.get(EmailDeliveryRepository);
    const render = { to: 'claimed-once@example.be', subject: 'Hallo', locale: 'nl', links: [{ index: 0, url: 'https://example.be/a' }] };
    const claims = await Promise.all(
      Array.from({ length: 8 }, () => repository.claim(messageId, clock.now(), emailHash('claimed-once@example.be'), render)),
    );
    expect(claims.filter((c) => c?.status === 'sending')).toEqual([{ status: 'sending', attempts: 1 }]);
    expect(claims.filter((c) => c === null)).toHaveLength(7);
    const row = await message(messageId);
    expect(row).toMatchObject({ status: 'sending', attempts: 1, subject: 'Hallo', locale: 'nl' });
    expect(row.links).toEqual(render.links);
  });
});
