import { ManualClock } from '../src/common/clock.js';
import { EmailService } from '../src/email/email.service.js';
import { sendBlock, sendBlockSql } from '../src/suppression/lawful-basis.js';
import { SUPPRESSION_REASONS } from '../src/suppression/suppression.types.js';
import { SuppressionService } from '../src/suppression/suppression.service.js';
import { createLead, createProgram, createTemplate, DAY, emailsOf, enroll, enrollmentOf, sendEvent } from './programs-helpers.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

describe('a lead who must not be mailed leaves its programs saying why', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-03-02T09:00:00Z'); // Monday 10:00 in Brussels
  let welcome: string;
  let reminder: string;

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { PROGRAMS_TICK_MS: '50' } });
    welcome = await createTemplate(t, 'welkom');
    reminder = await createTemplate(t, 'herinnering');
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => clock.set('2026-03-02T09:00:00Z'));

  const twoEmails = (name: string) => ({
    name,
    trigger: { type: 'manual' },
    steps: [
      { id: 'welcome', type: 'email', templateId: welcome, next: 'wait1' },
      { id: 'wait1', type: 'wait', duration: 'P3D', next: 'reminder' },
      { id: 'reminder', type: 'email', templateId: reminder, next: 'end' },
      { id: 'end', type: 'exit' },
    ],
  });

  /** A lead enrolled in a fresh program whose welcome email went out. */
  async function mailedLead(email: string) {
    const programId = await createProgram(t, twoEmails(`Programma ${email}`));
    const leadId = await createLead(t, email);
    const enrollmentId = await enroll(t, programId, leadId);
    await eventually(async () => (await emailsOf(t, enrollmentId)).length === 1);
    const [message] = await t.db.query(`SELECT id FROM email_messages WHERE enrollment_id = $1`, [enrollmentId]);
    return { programId, leadId, enrollmentId, messageId: message.id as string };
  }

  const complain = (messageId: string) => t.api('post', '/api/v1/email/bounces').send({ messageId, type: 'complaint' }).expect(201);

  it('a lead whose relay reported a complaint exits at once with reason complaint, without another email', async () => {
    const { programId, leadId, enrollmentId, messageId } = await mailedLead('klacht@example.be');
    await complain(messageId);
    // The complaint withdrew the lead's consent too; what the lead did is the reason that counts.
    expect((await t.db.query(`SELECT consent_status FROM leads WHERE id = $1`, [leadId]))[0].consent_status).toBe('withdrawn');
    // Not at its next step three days from now: the complaint ended it.
    expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'exited', exit_reason: 'complaint' });

    clock.advance(3 * DAY);
    await new Promise((r) => setTimeout(r, 300)); // a few scheduler ticks
    expect(await emailsOf(t, enrollmentId)).toEqual(['welcome']);
    const { body: stats } = await t.api('get', `/api/v1/programs/${programId}/stats`);
    expect(stats.steps.find((s: { stepId: string }) => s.stepId === 'wait1').exited).toEqual({ complaint: 1 });
  });

  it('a complained lead whose next activity arrives keeps the reason complaint', async () => {
    const { programId, leadId, messageId } = await mailedLead('klacht-bezoek@example.be');
    await complain(messageId);
    await sendEvent(t, { leadId, type: 'page_viewed', properties: { url: 'https://example.be/prijzen' } });
    const exited = await eventually(async () => {
      const e = await enrollmentOf(t, programId, leadId);
      return e?.status === 'exited' ? e : undefined;
    });
    expect(exited.exit_reason).toBe('complaint');
  });

  it('a lead who withdrew consent by the API (no list entry) still exits with consent_withdrawn', async () => {
    const { programId, leadId } = await mailedLead('intrekken@example.be');
    await createLead(t, 'intrekken@example.be', { consent: { status: 'withdrawn' } });
    expect(await enrollmentOf(t, programId, leadId)).toMatchObject({ status: 'exited', exit_reason: 'consent_withdrawn' });
  });

  it('an email to a complained lead is suppressed with reason complaint, and the suppression check says so too', async () => {
    const { leadId, messageId } = await mailedLead('klacht-mail@example.be');
    await complain(messageId);
    const outcome = await t.app.get(EmailService).sendToLead(leadId, welcome, 'complained:1');
    expect(outcome).toMatchObject({ status: 'suppressed', reason: 'complaint' });
    const reason = await t.db.transaction((m) => t.app.get(SuppressionService).suppressionReason(m, leadId));
    expect(reason).toBe('complaint');
  });

  it('an address an operator listed by hand, of a lead who withdrew consent, is reported as consent_withdrawn everywhere', async () => {
    const leadId = await createLead(t, 'hand@example.be');
    await t.api('post', '/api/v1/suppressions').send({ email: 'hand@example.be', reason: 'manual' }).expect(201);
    const listed = await t.app.get(EmailService).sendToLead(leadId, welcome, 'manual:1');
    expect(listed).toMatchObject({ status: 'suppressed', reason: 'manual' });
    await createLead(t, 'hand@example.be', { consent: { status: 'withdrawn' } });
    const both = await t.app.get(EmailService).sendToLead(leadId, welcome, 'manual:2');
    expect(both).toMatchObject({ status: 'suppressed', reason: 'consent_withdrawn' });
    const service = t.app.get(SuppressionService);
    expect(await t.db.transaction((m) => service.suppressionReason(m, leadId))).toBe('consent_withdrawn');
    expect(await t.db.transaction((m) => service.suppressionReason(m, 'hand@example.be'))).toBe('consent_withdrawn');
  });

  it('the SQL twin of sendBlock answers as sendBlock does for every consent status and list reason', async () => {
    const consents = ['granted', 'withdrawn', 'unknown', null];
    const listed = [null, ...SUPPRESSION_REASONS];
    const pairs = consents.flatMap((c) => listed.map((l) => [c, l] as const));
    const rows: { i: number; block: string | null }[] = await t.db.query(
      `SELECT v.i::int AS i, ${sendBlockSql('v.c', 'v.l')} AS block
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS v(c, l, i) ORDER BY v.i`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    );
    expect(rows.map((r) => r.block)).toEqual(pairs.map(([c, l]) => sendBlock(c, l)));
  });
});
