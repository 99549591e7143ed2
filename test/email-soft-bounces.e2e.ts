import { ManualClock } from '../src/common/clock.js';
import { EmailService } from '../src/email/email.service.js';
import { emailHash } from '../src/suppression/email-hash.js';
import { createLead, createTemplate } from './support/email-fixtures.js';
import { SmtpSink } from './support/smtp-sink.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

/**
 * Our own SMTP delivery gives a message up after EMAIL_MAX_ATTEMPTS temporary failures; when the server kept
 * answering its recipient with a 4xx, that is one soft bounce of the address, and SOFT_BOUNCE_LIMIT (3) of them
 * on distinct messages suppress it (reason soft_bounces).
 */
describe('soft bounces at delivery', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let email: EmailService;
  let templateId: string;
  const clock = new ManualClock('2026-03-02T10:00:00Z');

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({
      clock,
      env: {
        SMTP_URL: sink.url,
        EMAIL_RATE_PER_SECOND: '0',
        EMAIL_RETRY_BASE_MS: '50',
        EMAIL_MAX_ATTEMPTS: '3',
        EMAIL_SWEEP_MS: '100',
        EMAIL_REDISPATCH_AFTER_MS: '60000',
        EMAIL_SENDING_TIMEOUT_MS: '600000',
      },
    });
    email = t.app.get(EmailService);
    templateId = await createTemplate(t);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const message = async (id: string) => (await t.db.query(`SELECT status, status_reason, attempts FROM email_messages WHERE id = $1`, [id]))[0];
  const settled = (id: string, status: string) => eventually(async () => ((await message(id)).status === status ? message(id) : null), 15_000);
  const listed = async (address: string) => (await t.db.query(`SELECT reason, source, lead_id FROM suppressions WHERE email_hash = $1`, [emailHash(address)]))[0];
  const softBounces = (address: string) =>
    t.db.query(`SELECT message_id FROM email_bounces WHERE email_hash = $1 AND type = 'soft' ORDER BY received_at, message_id`, [emailHash(address)]);

  /** Sends the lead an email and waits until delivery gives it up. */
  async function givenUp(leadId: string, key: string): Promise<string> {
    const { messageId, status } = await email.sendToLead(leadId, templateId, key);
    expect(status).toBe('queued');
    expect(await settled(messageId, 'failed')).toEqual({ status: 'failed', status_reason: 'retries_exhausted', attempts: 3 });
    clock.advance(86_400_000);
    return messageId;
  }

  it('a mailbox answering "452 mailbox full" to every attempt of three messages is suppressed, and is mailed nothing more', async () => {
    const address = 'altijd-vol@example.be';
    sink.refuse = (to) => (to === address ? { code: 452, message: '4.2.2 Mailbox full' } : null);
    const leadId = await createLead(t, { email: address });

    const first = await givenUp(leadId, 'full:1');
    const second = await givenUp(leadId, 'full:2');
    // Once per message, not once per attempt.
    expect(await softBounces(address)).toEqual([{ message_id: first }, { message_id: second }]);
    expect(await listed(address)).toBeUndefined();
    const third = await givenUp(leadId, 'full:3');

    expect(await listed(address)).toEqual({ reason: 'soft_bounces', source: `smtp:${third}`, lead_id: leadId });
    expect(await softBounces(address)).toHaveLength(3);
    const { body: lead } = await t.api('get', `/api/v1/leads/${leadId}`).expect(200);
    expect(lead).toMatchObject({ mailable: false, suppression: { reason: 'soft_bounces' } });

    const offered = sink.offers(address);
    expect(offered).toBe(9);
    const next = await email.sendToLead(leadId, templateId, 'full:4');
    expect(next).toMatchObject({ status: 'suppressed', reason: 'soft_bounces' });
    expect(sink.offers(address)).toBe(offered);
    expect(sink.to(address)).toHaveLength(0);
  });

  it('a server closing the connection (421) to every attempt says nothing about the address: it stays mailable', async () => {
    const address = 'relay-storing@example.be';
    sink.refuse = (to) => (to === address ? { code: 421, message: '4.3.2 Service not available, closing channel' } : null);
    const leadId = await createLead(t, { email: address });
    for (let i = 1; i <= 3; i++) await givenUp(leadId, `closing:${i}`);
    expect(await softBounces(address)).toEqual([]);
    expect(await listed(address)).toBeUndefined();
    const { body: lead } = await t.api('get', `/api/v1/leads/${leadId}`).expect(200);
    expect(lead.mailable).toBe(true);
  });
});
