import { randomUUID } from 'node:crypto';
import { createLead, createProgram, DAY, emailsOf, enroll, oneEmailSteps, programsWorld } from './programs-helpers.js';
import { eventually } from './support/test-app.js';

/**
 * The frequency cap (3 nurture emails per lead per 7 days, across programs) counts what may reach the lead:
 * sent emails, emails still waiting for delivery (whenever they go out, it is from now on), and held ones
 * (their worker stopped mid-send, so they most likely went out when the send began).
 */
describe('the frequency cap counts every email that may reach the lead', () => {
  const t = programsWorld({ templates: { welcome: 'welkom' }, resetClock: true });
  const { clock, templates: tpl } = t;

  const oneEmail = (name: string) => ({ name, trigger: { type: 'manual' }, steps: oneEmailSteps(tpl.welcome) });

  /** A nurture email of another program, in the state given (times as ISO strings). */
  async function otherEmail(leadId: string, status: string, times: { created: string; sending?: string; sent?: string; next?: string }) {
    await t.db.query(
      `INSERT INTO email_messages (idempotency_key, kind, lead_id, status, status_reason, created_at, sending_at, sent_at, next_attempt_at)
       VALUES ($1, 'nurture', $2, $3, $4, $5, $6, $7, $8)`,
      [
        `other-${randomUUID()}`,
        leadId,
        status,
        status === 'held' ? 'ambiguous_after_crash' : null,
        times.created,
        times.sending ?? null,
        times.sent ?? null,
        times.next ?? times.created,
      ],
    );
  }

  /** Enrolls the lead in a one-email program and waits until the scheduler has looked at it: the email queued or deferred. */
  async function enrollAndLook(leadId: string, extra: Record<string, unknown> = {}) {
    const programId = await createProgram(t, { ...oneEmail(`Programma ${randomUUID()}`), ...extra });
    const enrollmentId = await enroll(t, programId, leadId);
    return eventually(async () => {
      const [e] = await t.db.query(`SELECT status, next_run_at FROM enrollments WHERE id = $1`, [enrollmentId]);
      const emails = await emailsOf(t, enrollmentId);
      if (emails.length) return { enrollmentId, sent: true as const, nextRunAt: null };
      return e.next_run_at && e.next_run_at.getTime() > clock.now().getTime() ? { enrollmentId, sent: false as const, nextRunAt: e.next_run_at as Date } : null;
    });
  }

  it('defers an email while a held one (its worker stopped mid-send) would make four in the week, until the held one leaves the window', async () => {
    const leadId = await createLead(t, 'held@example.be');
    await otherEmail(leadId, 'sent', { created: '2026-02-27T10:00:00Z', sent: '2026-02-27T10:00:00Z' });
    await otherEmail(leadId, 'sent', { created: '2026-02-28T10:00:00Z', sent: '2026-02-28T10:00:00Z' });
    await otherEmail(leadId, 'held', { created: '2026-02-26T10:00:00Z', sending: '2026-02-26T10:00:05Z' });
    const look = await enrollAndLook(leadId);
    expect(look.sent).toBe(false);
    // Counted from when its send began: it leaves the rolling week on Thursday 5 March 10:00:05 UTC.
    expect(look.nextRunAt?.toISOString()).toBe('2026-03-05T10:00:05.000Z');
  });

  it('holds for a program whose goal tests no event (the batch then reads only the recent sends)', async () => {
    const leadId = await createLead(t, 'zonder-gebeurtenis@example.be');
    for (const day of ['2026-02-27', '2026-02-28', '2026-03-01']) await otherEmail(leadId, 'sent', { created: `${day}T10:00:00Z`, sent: `${day}T10:00:00Z` });
    const look = await enrollAndLook(leadId, { goal: { anyOf: [{ stageAtLeast: 'sql' }] } });
    expect(look.sent).toBe(false);
    expect(look.nextRunAt?.toISOString()).toBe('2026-03-06T10:00:00.000Z');
  });

  it('defers an email while three others still wait for delivery, even ones queued more than a week ago', async () => {
    const leadId = await createLead(t, 'wachtrij@example.be');
    // Queued long ago (a delivery outage, or a held email an operator released): it goes out from now on, not back then.
    for (const created of ['2026-02-20T10:00:00Z', '2026-02-21T10:00:00Z', '2026-02-22T10:00:00Z']) {
      await otherEmail(leadId, 'queued', { created, next: '2026-03-09T09:00:00Z' });
    }
    const look = await enrollAndLook(leadId);
    expect(look.sent).toBe(false);
    expect(look.nextRunAt!.getTime()).toBeGreaterThanOrEqual(clock.now().getTime() + 7 * DAY);
  });

  it('does not let failed or suppressed emails, nor held ones from before the window, take a place under the cap', async () => {
    const leadId = await createLead(t, 'mislukt@example.be');
    await otherEmail(leadId, 'failed', { created: '2026-03-01T10:00:00Z' });
    await otherEmail(leadId, 'suppressed', { created: '2026-03-01T11:00:00Z' });
    await otherEmail(leadId, 'held', { created: '2026-02-20T10:00:00Z', sending: '2026-02-20T10:00:00Z' });
    await otherEmail(leadId, 'sent', { created: '2026-02-28T10:00:00Z', sent: '2026-02-28T10:00:00Z' });
    await otherEmail(leadId, 'sent', { created: '2026-03-01T10:00:00Z', sent: '2026-03-01T10:00:00Z' });
    expect((await enrollAndLook(leadId)).sent).toBe(true);
  });

  it('an operator cannot release a held email (checked: it never arrived) while sending it now would exceed the cap; later it can', async () => {
    const leadId = await createLead(t, 'vrijgeven@example.be');
    const [held] = await t.db.query(
      `INSERT INTO email_messages (idempotency_key, kind, lead_id, to_address, template_id, template_version, status, status_reason,
                                   created_at, sending_at, next_attempt_at)
       VALUES ($1, 'nurture', $2, 'vrijgeven@example.be', $3, 1, 'held', 'ambiguous_after_crash', $4, $4, $4) RETURNING id`,
      [`held-${randomUUID()}`, leadId, tpl.welcome, '2026-02-20T10:00:00Z'],
    );
    // Since it was held (and counted from then), three emails went out: a fourth now would make four in a week.
    for (const sent of ['2026-02-26T10:00:00Z', '2026-02-28T10:00:00Z', '2026-03-01T10:00:00Z']) await otherEmail(leadId, 'sent', { created: sent, sent });
    const refused = await t.api('post', `/api/v1/email/messages/${held.id}/release`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('2026-03-05T10:00:00.000Z');
    expect((await t.db.query(`SELECT status FROM email_messages WHERE id = $1`, [held.id]))[0].status).toBe('held');

    clock.set('2026-03-05T10:00:00Z');
    const released = await t.api('post', `/api/v1/email/messages/${held.id}/release`);
    expect(released.status).toBe(202);
    expect((await t.db.query(`SELECT status FROM email_messages WHERE id = $1`, [held.id]))[0].status).not.toBe('held');
  });

  it('two programs starting together for one lead with two recent emails send one email now and defer the other', async () => {
    const leadId = await createLead(t, 'twee@example.be');
    await otherEmail(leadId, 'sent', { created: '2026-02-28T10:00:00Z', sent: '2026-02-28T10:00:00Z' });
    await otherEmail(leadId, 'queued', { created: '2026-02-20T10:00:00Z', next: '2026-03-09T09:00:00Z' });
    const [a, b] = await Promise.all([enrollAndLook(leadId), enrollAndLook(leadId)]);
    expect([a.sent, b.sent].sort()).toEqual([false, true]);
  });
});
