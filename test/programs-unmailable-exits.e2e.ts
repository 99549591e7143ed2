import { randomUUID } from 'node:crypto';
import { LeadActivityHub } from '../src/lifecycle/lead-activity.js';
import { signToken } from '../src/tracking/domain/tracking-token.js';
import { createLead, createProgram, enroll, enrollmentOf, oneWaitSteps, programsWorld } from './programs-helpers.js';

/**
 * A lead that becomes unmailable leaves its nurture programs at once, saying why, whatever made it so: the
 * enrollment list and the program stats are right straight away, not at the enrollment's next step (days away
 * here). An API-only process runs no scheduler and no scoring, so nothing but the opt-out itself can end them.
 */
describe('a lead that becomes unmailable leaves its active enrollments at once', () => {
  const t = programsWorld({ role: 'api' });
  const { clock } = t;

  /** A lead (consent granted unless told otherwise) enrolled in two fresh programs that wait a week before their first email. */
  async function enrolledLead(email: string, extra: Record<string, unknown> = {}) {
    const leadId = await createLead(t, email, extra);
    const programIds: string[] = [];
    for (const name of ['eerste', 'tweede']) {
      const programId = await createProgram(t, { name: `${name} ${email}`, trigger: { type: 'manual' }, steps: oneWaitSteps('P7D', 'wait1') });
      await enroll(t, programId, leadId);
      programIds.push(programId);
    }
    return { leadId, programIds };
  }

  /** An email the lead was sent (its unsubscribe link or relay report names it). */
  async function sentMessage(leadId: string): Promise<string> {
    const [row] = await t.db.query(
      `INSERT INTO email_messages (idempotency_key, kind, lead_id, to_address, template_id, step_id, enrollment_id, status, sent_at)
       VALUES ($1, 'nurture', $2, (SELECT email FROM leads WHERE id = $2), $3, 'welcome', NULL, 'sent', $4) RETURNING id`,
      [randomUUID(), leadId, randomUUID(), clock.now().toISOString()],
    );
    return row.id;
  }

  async function enrollmentsOf(programIds: string[], leadId: string) {
    const rows = await Promise.all(programIds.map((p) => enrollmentOf(t, p, leadId)));
    return rows.map((e) => ({ status: e?.status, exit_reason: e?.exit_reason, next_run_at: e?.next_run_at ?? null }));
  }

  const exitedWith = (reason: string) => [
    { status: 'exited', exit_reason: reason, next_run_at: null },
    { status: 'exited', exit_reason: reason, next_run_at: null },
  ];
  const unsubscribeToken = (messageId: string) => signToken(t.config.trackingSecret, { k: 'u', m: messageId });

  it('unsubscribed by the one-click POST: reason unsubscribed, and the program stats say so', async () => {
    const { leadId, programIds } = await enrolledLead('een-klik@example.be');
    await t.http().post(`/u/${unsubscribeToken(await sentMessage(leadId))}`).type('form').send('List-Unsubscribe=One-Click').expect(200);
    expect(await enrollmentsOf(programIds, leadId)).toEqual(exitedWith('unsubscribed'));
    const { body: stats } = await t.api('get', `/api/v1/programs/${programIds[0]}/stats`).expect(200);
    expect(stats.enrollments).toMatchObject({ active: 0, exited: 1 });
    expect(stats.steps.find((s: { stepId: string }) => s.stepId === 'wait1').exited).toEqual({ unsubscribed: 1 });
  });

  it('unsubscribed from the page’s confirm form: reason unsubscribed', async () => {
    const { leadId, programIds } = await enrolledLead('pagina@example.be');
    await t.http().post(`/u/${unsubscribeToken(await sentMessage(leadId))}`).type('form').send('confirm=yes').expect(200);
    expect(await enrollmentsOf(programIds, leadId)).toEqual(exitedWith('unsubscribed'));
  });

  it('unsubscribed by email to the mailto address (inbound webhook): reason unsubscribed', async () => {
    const { leadId, programIds } = await enrolledLead('mailto@example.be');
    const subject = `unsubscribe:${unsubscribeToken(await sentMessage(leadId))}`;
    await t.api('post', '/api/v1/email/unsubscribes').send({ subject, from: 'mailto@example.be' }).expect(200);
    expect(await enrollmentsOf(programIds, leadId)).toEqual(exitedWith('unsubscribed'));
  });

  it('a hard bounce reported by the relay: reason hard_bounce, though the lead’s consent stands', async () => {
    const { leadId, programIds } = await enrolledLead('hard@example.be');
    await t.api('post', '/api/v1/email/bounces').send({ messageId: await sentMessage(leadId), type: 'hard' }).expect(201);
    expect((await t.db.query(`SELECT consent_status FROM leads WHERE id = $1`, [leadId]))[0].consent_status).toBe('granted');
    expect(await enrollmentsOf(programIds, leadId)).toEqual(exitedWith('hard_bounce'));
  });

  it('a complaint reported by the relay, by address: reason complaint (before the consent it withdrew)', async () => {
    const { leadId, programIds } = await enrolledLead('klacht@example.be');
    await t.api('post', '/api/v1/email/bounces').send({ email: 'KLACHT@example.be', type: 'complaint' }).expect(201);
    expect(await enrollmentsOf(programIds, leadId)).toEqual(exitedWith('complaint'));
  });

  it('a soft bounce changes nothing', async () => {
    const { leadId, programIds } = await enrolledLead('zacht@example.be');
    await t.api('post', '/api/v1/email/bounces').send({ messageId: await sentMessage(leadId), type: 'soft' }).expect(201);
    expect((await enrollmentsOf(programIds, leadId)).map((e) => e.status)).toEqual(['active', 'active']);
  });

  it('consent withdrawn by a lead upsert: reason consent_withdrawn', async () => {
    const { leadId, programIds } = await enrolledLead('intrekken@example.be');
    await createLead(t, 'intrekken@example.be', { consent: { status: 'withdrawn' } });
    expect(await enrollmentsOf(programIds, leadId)).toEqual(exitedWith('consent_withdrawn'));
  });

  it('an address suppressed by hand: reason manual', async () => {
    const { leadId, programIds } = await enrolledLead('hand@example.be');
    await t.api('post', '/api/v1/suppressions').send({ email: 'Hand@Example.be', reason: 'manual' }).expect(201);
    expect(await enrollmentsOf(programIds, leadId)).toEqual(exitedWith('manual'));
  });

  it('an erased lead: reason erased', async () => {
    const { leadId, programIds } = await enrolledLead('wis@example.be');
    await t.api('delete', `/api/v1/leads/${leadId}`).expect(204);
    expect(await enrollmentsOf(programIds, leadId)).toEqual(exitedWith('erased'));
  });

  it('only the lead concerned leaves: another lead in the same programs stays', async () => {
    const { leadId, programIds } = await enrolledLead('weg@example.be');
    const stayer = await createLead(t, 'blijf@example.be');
    for (const p of programIds) await enroll(t, p, stayer);
    await t.api('post', '/api/v1/suppressions').send({ email: 'weg@example.be', reason: 'manual' }).expect(201);
    expect(await enrollmentsOf(programIds, leadId)).toEqual(exitedWith('manual'));
    expect((await enrollmentsOf(programIds, stayer)).map((e) => e.status)).toEqual(['active', 'active']);
  });

  it('a lead that never gave consent (no lawful basis) has not opted out: it keeps its grace, and its enrollments stay', async () => {
    const { leadId, programIds } = await enrolledLead('nooit@example.be', { consent: undefined });
    expect((await t.db.query(`SELECT consent_status FROM leads WHERE id = $1`, [leadId]))[0].consent_status).not.toBe('granted');
    // Even told it became unmailable, the mechanism exits only an opt-out or a listing, never no_lawful_basis.
    await t.db.transaction((m) => t.app.get(LeadActivityHub).unmailable(m, [leadId], clock.now()));
    expect((await enrollmentsOf(programIds, leadId)).map((e) => e.status)).toEqual(['active', 'active']);
  });
});
