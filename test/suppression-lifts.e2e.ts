import { EmailService } from '../src/email/email.service.js';
import { emailHash } from '../src/suppression/email-hash.js';
import { signToken } from '../src/tracking/domain/tracking-token.js';
import { apiKey } from './handoffs-helpers.js';
import { createLead, createProgram, DAY, emailsOf, enroll, oneEmailSteps, programsWorld } from './programs-helpers.js';
import { eventually } from './support/test-app.js';

/**
 * Suppressions can be lifted: by DELETE /api/v1/suppressions (audited, a complaint only when named, an erased
 * address never), and an unsubscribe by a fresh opt-in dated after it. GET /leads/{id} says whether the lead is mailable.
 */
describe('lifting suppressions', () => {
  const t = programsWorld({ templates: { welcome: 'welkom' }, resetClock: true });
  const { clock, templates: tpl } = t;
  let programs = 0;

  const lead = async (id: string) => (await t.api('get', `/api/v1/leads/${id}`).expect(200)).body;
  const lift = (query: string, key?: string) => t.api('delete', `/api/v1/suppressions${query}`, key);
  const bounce = (email: string, type: 'hard' | 'complaint') => t.api('post', '/api/v1/email/bounces').send({ email, type }).expect(201);

  /** Enrolls the lead in a fresh one-email program and waits for its email: the lead is mailable again. */
  async function firstStepSends(leadId: string): Promise<void> {
    const programId = await createProgram(t, { name: `Welkom ${++programs}`, trigger: { type: 'manual' }, steps: oneEmailSteps(tpl.welcome) });
    const enrollmentId = await enroll(t, programId, leadId);
    await eventually(async () => (await emailsOf(t, enrollmentId)).length === 1);
  }

  /** Enrolling the lead in a fresh program is refused with `reason`: it may not be mailed. */
  async function enrollmentRefused(leadId: string, reason: string): Promise<void> {
    const programId = await createProgram(t, { name: `Geweigerd ${++programs}`, trigger: { type: 'manual' }, steps: oneEmailSteps(tpl.welcome) });
    const res = await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadId });
    expect([res.status, res.body.reason]).toEqual([409, reason]);
  }

  /** Unsubscribes the lead by the one-click link of an email sent to it; returns when. */
  async function unsubscribe(leadId: string): Promise<string> {
    const [message] = await t.db.query(
      `INSERT INTO email_messages (idempotency_key, kind, lead_id, to_address, template_id, step_id, status, sent_at)
       VALUES (gen_random_uuid()::text, 'nurture', $1, (SELECT email FROM leads WHERE id = $1), $2, 'welcome', 'sent', $3) RETURNING id`,
      [leadId, tpl.welcome, clock.now().toISOString()],
    );
    const token = signToken(t.config.trackingSecret, { k: 'u', m: message.id });
    await t.http().post(`/u/${token}`).type('form').send('List-Unsubscribe=One-Click').expect(200);
    return clock.now().toISOString();
  }

  it('lifts a hard bounce by address: the lead is mailable again, its first step sends, and the lift is audited', async () => {
    const leadId = await createLead(t, 'bounced@example.be');
    const bouncedAt = clock.now().toISOString();
    await bounce('bounced@example.be', 'hard');
    expect(await lead(leadId)).toMatchObject({ mailable: false, suppression: { reason: 'hard_bounce', since: bouncedAt }, consent: { status: 'granted' } });
    await enrollmentRefused(leadId, 'hard_bounce');
    // A fresh opt-in does not lift it: the address itself failed.
    clock.advance(DAY);
    await createLead(t, 'bounced@example.be', { consent: { status: 'granted', basis: 'consent', capturedAt: clock.now().toISOString() } });
    expect(await lead(leadId)).toMatchObject({ mailable: false, suppression: { reason: 'hard_bounce' } });

    const res = await lift('?email=Bounced@Example.be&note=mailbox%20exists%20again').expect(200);
    expect(res.body).toEqual({
      emailHash: emailHash('bounced@example.be'),
      leadId,
      reason: 'hard_bounce',
      source: 'relay:hard',
      suppressedAt: bouncedAt,
      liftedAt: clock.now().toISOString(),
      liftedBy: 'api-key:ADMIN_API_KEY',
      note: 'mailbox exists again',
    });
    expect(await lead(leadId)).toMatchObject({ mailable: true, suppression: null });
    await firstStepSends(leadId);
    const outcome = await t.app.get(EmailService).sendToLead(leadId, tpl.welcome, 'after-lift:1');
    expect(outcome.status).not.toBe('suppressed');
    const { body: exported } = await t.api('get', `/api/v1/leads/${leadId}/export`).expect(200);
    expect(exported.suppressions).toEqual([]);
    expect(exported.suppressionLifts).toEqual([
      { reason: 'hard_bounce', source: 'relay:hard', suppressedAt: bouncedAt, liftedAt: res.body.liftedAt, liftedBy: 'api-key:ADMIN_API_KEY', note: 'mailbox exists again' },
    ]);
    // Gone: a second lift finds nothing.
    await lift('?email=bounced@example.be&note=again').expect(404);
  });

  it('lifts a mistaken manual entry by its hash, for marketers and admins only, with a note', async () => {
    const leadId = await createLead(t, 'hand@example.be');
    await t.api('post', '/api/v1/suppressions').send({ email: 'hand@example.be', reason: 'manual' }).expect(201);
    const hash = emailHash('hand@example.be');
    for (const role of ['sales', 'ingest'] as const) expect((await lift(`/${hash}?note=x`, await apiKey(t, `k-${role}`, role))).status).toBe(403);
    const missing = await lift(`/${hash}`).expect(422);
    expect(new Set(missing.body.errors.map((e: { field: string }) => e.field))).toEqual(new Set(['note']));
    const badHash = await lift(`/${'z'.repeat(64)}?note=x`).expect(422);
    expect(badHash.body.errors).toEqual([{ field: 'emailHash', message: expect.any(String) }]);
    await lift(`/${'a'.repeat(64)}?note=x`).expect(404);
    // Naming another reason than the entry's lifts nothing.
    const mismatch = await lift(`/${hash}?note=x&reason=hard_bounce`).expect(409);
    expect(mismatch.body).toMatchObject({ reason: 'reason_mismatch', errors: [{ field: 'reason', message: expect.stringContaining('manual') }] });

    const marketer = await apiKey(t, 'Marie', 'marketer');
    const res = await lift(`/${hash.toUpperCase()}?note=wrong%20address%20listed&reason=manual`, marketer).expect(200);
    expect(res.body).toMatchObject({ reason: 'manual', leadId, liftedBy: 'api-key:Marie', note: 'wrong address listed' });
    expect(await lead(leadId)).toMatchObject({ mailable: true, suppression: null });
    await firstStepSends(leadId);
  });

  it('lifts a complaint only when named; the withdrawn consent stays until the lead opts in again', async () => {
    const leadId = await createLead(t, 'klacht@example.be');
    const complainedAt = clock.now().toISOString();
    await bounce('klacht@example.be', 'complaint');
    const hash = emailHash('klacht@example.be');
    const refused = await lift(`/${hash}?note=sorry`).expect(409);
    expect(refused.body).toMatchObject({ reason: 'complaint_not_named', errors: [{ field: 'reason', message: expect.stringContaining('reason=complaint') }] });
    // An opt-in alone does not lift a complaint either.
    clock.advance(DAY);
    await createLead(t, 'klacht@example.be', { consent: { status: 'granted', basis: 'consent', capturedAt: clock.now().toISOString() } });
    expect(await lead(leadId)).toMatchObject({ mailable: false, suppression: { reason: 'complaint', since: complainedAt } });
    await createLead(t, 'klacht@example.be', { consent: { status: 'withdrawn' } });
    const withdrawnAt = clock.now().toISOString();

    await lift(`/${hash}?note=complained%20by%20mistake&reason=complaint`).expect(200);
    expect(await lead(leadId)).toMatchObject({ mailable: false, suppression: { reason: 'consent_withdrawn', since: withdrawnAt } });
    await enrollmentRefused(leadId, 'consent_withdrawn');
    clock.advance(DAY);
    await createLead(t, 'klacht@example.be', { consent: { status: 'granted', basis: 'consent', capturedAt: clock.now().toISOString() } });
    expect(await lead(leadId)).toMatchObject({ mailable: true, suppression: null });
    await firstStepSends(leadId);
  });

  it('never lifts an erased lead’s address, whatever its entry’s reason, by DELETE or by a new opt-in', async () => {
    const unsubscribedFirst = await createLead(t, 'weg-na-uitschrijven@example.be');
    await unsubscribe(unsubscribedFirst);
    const erasedOnly = await createLead(t, 'weg@example.be');
    for (const id of [unsubscribedFirst, erasedOnly]) await t.api('delete', `/api/v1/leads/${id}`).expect(204);
    const entries = await t.db.query(`SELECT reason FROM suppressions WHERE email_hash = ANY($1) ORDER BY reason`, [
      [emailHash('weg-na-uitschrijven@example.be'), emailHash('weg@example.be')],
    ]);
    expect(entries).toEqual([{ reason: 'erased' }, { reason: 'unsubscribed' }]);

    for (const email of ['weg-na-uitschrijven@example.be', 'weg@example.be']) {
      for (const query of [`/${emailHash(email)}?note=x`, `?email=${email}&note=x`, `?email=${email}&note=x&reason=unsubscribed`]) {
        const res = await lift(query);
        expect([email, query, res.status]).toEqual([email, query, 409]);
      }
      // The person comes back as a new lead with a fresh opt-in: the address stays listed.
      clock.advance(DAY);
      const again = await createLead(t, email, { consent: { status: 'granted', basis: 'consent', capturedAt: clock.now().toISOString() } });
      expect(await lead(again)).toMatchObject({ mailable: false, consent: { status: 'granted' } });
    }
    expect(await t.db.query(`SELECT email_hash FROM suppression_lifts WHERE email_hash = ANY($1)`, [[emailHash('weg-na-uitschrijven@example.be'), emailHash('weg@example.be')]])).toEqual(
      [],
    );
  });

  describe('a fresh opt-in after an unsubscribe', () => {
    it('makes the lead mailable again, and its first step sends', async () => {
      const leadId = await createLead(t, 'terug@example.be');
      const unsubscribedAt = await unsubscribe(leadId);
      expect(await lead(leadId)).toMatchObject({ mailable: false, suppression: { reason: 'unsubscribed', since: unsubscribedAt }, consent: { status: 'withdrawn' } });
      await enrollmentRefused(leadId, 'unsubscribed');

      clock.advance(DAY);
      const optIn = { status: 'granted', basis: 'consent', text: 'Ja, opnieuw', capturedAt: clock.now().toISOString(), source: 'form:newsletter' };
      const res = await t.api('post', '/api/v1/leads').send({ email: 'terug@example.be', consent: optIn }).expect(200);
      expect(res.body).toMatchObject({ mailable: true, suppression: null, consent: { status: 'granted', capturedAt: optIn.capturedAt } });
      expect(await lead(leadId)).toMatchObject({ mailable: true, suppression: null });
      const [record] = await t.db.query(`SELECT reason, lifted_by, note FROM suppression_lifts WHERE lead_id = $1`, [leadId]);
      expect(record).toEqual({ reason: 'unsubscribed', lifted_by: 'api-key:ADMIN_API_KEY', note: expect.stringContaining('form:newsletter') });
      await firstStepSends(leadId);
    });

    it('is not made by an old grant replayed, a grant without its own capturedAt, or one on legitimate interest', async () => {
      const leadId = await createLead(t, 'crm@example.be', { consent: { status: 'granted', basis: 'consent', capturedAt: clock.now().toISOString() } });
      const before = clock.now().toISOString();
      clock.advance(DAY);
      const unsubscribedAt = await unsubscribe(leadId);
      clock.advance(DAY);
      const grants = [
        { status: 'granted', basis: 'consent', capturedAt: before },
        { status: 'granted', basis: 'consent' },
        { status: 'granted', basis: 'legitimate_interest', capturedAt: clock.now().toISOString() },
      ];
      for (const consent of grants) {
        const res = await t.api('post', '/api/v1/leads').send({ email: 'crm@example.be', consent }).expect(200);
        expect([consent, res.body.mailable, res.body.suppression]).toEqual([consent, false, { reason: 'unsubscribed', since: unsubscribedAt }]);
      }
      await enrollmentRefused(leadId, 'unsubscribed');
    });

    it('lifts an address unsubscribed before its lead existed when the new lead opts in later, not one unsubscribed after', async () => {
      // The address unsubscribed (by a relay's mailto:, say) while no lead had it.
      await t.db.query(`INSERT INTO suppressions (email_hash, reason, source, created_at) VALUES ($1, 'unsubscribed', 'mailto', $2)`, [
        emailHash('nieuw@example.be'),
        clock.now().toISOString(),
      ]);
      const capturedBefore = new Date(clock.now().getTime() - 60_000).toISOString();
      const stale = await createLead(t, 'nieuw@example.be', { consent: { status: 'granted', basis: 'consent', capturedAt: capturedBefore } });
      expect(await lead(stale)).toMatchObject({ mailable: false, suppression: { reason: 'unsubscribed' } });
      clock.advance(60_000);
      await createLead(t, 'nieuw@example.be', { consent: { status: 'granted', basis: 'consent', capturedAt: clock.now().toISOString() } });
      expect(await lead(stale)).toMatchObject({ mailable: true, suppression: null });
    });
  });

  it('shows a lead without any lawful basis as not mailable, with no date', async () => {
    const leadId = await createLead(t, 'onbekend@example.be', { consent: undefined });
    expect(await lead(leadId)).toMatchObject({ mailable: false, suppression: { reason: 'no_lawful_basis', since: null } });
    const { body: page } = await t.api('get', '/api/v1/leads?email=onbekend@example.be').expect(200);
    expect(page.items[0]).toMatchObject({ mailable: false, suppression: { reason: 'no_lawful_basis', since: null } });
  });
});
