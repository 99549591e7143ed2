import { LeadEmailHash1764006500000 } from '../migrations/1764006500000-LeadEmailHash.js';
import { EmailService } from '../src/email/email.service.js';
import { optOutOfLeadSql } from '../src/programs/enrollment-writer.js';
import { emailHash } from '../src/suppression/email-hash.js';
import { optOutReason, optOutReasonSql, sendBlock, sendBlockSql } from '../src/suppression/lawful-basis.js';
import { SUPPRESSION_REASONS } from '../src/suppression/suppression.types.js';
import { SuppressionService } from '../src/suppression/suppression.service.js';
import { createLead, createProgram, DAY, emailsOf, enroll, enrollmentOf, oneEmailSteps, programsWorld, sendEvent, twoEmailSteps } from './programs-helpers.js';
import { eventually } from './support/test-app.js';

describe('a lead who must not be mailed leaves its programs saying why', () => {
  const t = programsWorld({ templates: { welcome: 'welkom', reminder: 'herinnering' }, resetClock: true });
  const { clock, templates: tpl } = t;

  const twoEmails = (name: string) => ({ name, trigger: { type: 'manual' }, steps: twoEmailSteps(tpl.welcome, tpl.reminder) });

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
    const outcome = await t.app.get(EmailService).sendToLead(leadId, tpl.welcome, 'complained:1');
    expect(outcome).toMatchObject({ status: 'suppressed', reason: 'complaint' });
    const reason = await t.db.transaction((m) => t.app.get(SuppressionService).suppressionReason(m, leadId));
    expect(reason).toBe('complaint');
  });

  it('an address an operator listed by hand, of a lead who withdrew consent, is reported as consent_withdrawn everywhere', async () => {
    const leadId = await createLead(t, 'hand@example.be');
    await t.api('post', '/api/v1/suppressions').send({ email: 'hand@example.be', reason: 'manual' }).expect(201);
    const listed = await t.app.get(EmailService).sendToLead(leadId, tpl.welcome, 'manual:1');
    expect(listed).toMatchObject({ status: 'suppressed', reason: 'manual' });
    await createLead(t, 'hand@example.be', { consent: { status: 'withdrawn' } });
    const both = await t.app.get(EmailService).sendToLead(leadId, tpl.welcome, 'manual:2');
    expect(both).toMatchObject({ status: 'suppressed', reason: 'consent_withdrawn' });
    const service = t.app.get(SuppressionService);
    expect(await t.db.transaction((m) => service.suppressionReason(m, leadId))).toBe('consent_withdrawn');
    expect(await t.db.transaction((m) => service.suppressionReason(m, 'hand@example.be'))).toBe('consent_withdrawn');
  });

  describe('a lead that may not be mailed is not enrolled at all, but recorded as skipped with the reason', () => {
    const oneEmail = (name: string, trigger: Record<string, unknown>) => ({ name, trigger, steps: oneEmailSteps(tpl.welcome) });
    const enrollmentsIn = async (programId: string) =>
      (await t.db.query(`SELECT lead_id, status FROM enrollments WHERE program_id = $1 ORDER BY lead_id`, [programId])) as { lead_id: string; status: string }[];
    const skipsOf = async (programId: string) =>
      (await t.db.query(`SELECT lead_id, reason, via FROM enrollment_skips WHERE program_id = $1 ORDER BY reason`, [programId])) as {
        lead_id: string;
        reason: string;
        via: string;
      }[];
    const hardBounce = (email: string) => t.api('post', '/api/v1/email/bounces').send({ email, type: 'hard' }).expect(201);
    const listByHand = (email: string) => t.api('post', '/api/v1/suppressions').send({ email, reason: 'manual' }).expect(201);
    const complainAbout = (email: string) => t.api('post', '/api/v1/email/bounces').send({ email, type: 'complaint' }).expect(201);

    it('an event trigger skips a hard-bounced, a listed and a complained lead, and the stats and the lead export say why', async () => {
      const programId = await createProgram(t, oneEmail('Webinar opvolging', { type: 'event', eventType: 'webinar_attended' }));
      const [bounced, listed, complained, fine] = [
        await createLead(t, 'bounced-trigger@example.be'),
        await createLead(t, 'listed-trigger@example.be'),
        await createLead(t, 'complained-trigger@example.be'),
        await createLead(t, 'fine-trigger@example.be'),
      ];
      await hardBounce('bounced-trigger@example.be');
      await listByHand('listed-trigger@example.be');
      await complainAbout('complained-trigger@example.be');
      // A hard bounce and a hand listing leave the consent granted: only the list keeps these leads out.
      const consent = await t.db.query(`SELECT consent_status FROM leads WHERE id = ANY($1::uuid[]) ORDER BY consent_status`, [[bounced, listed]]);
      expect(consent.map((r: { consent_status: string }) => r.consent_status)).toEqual(['granted', 'granted']);

      for (const leadId of [bounced, listed, complained, fine]) await sendEvent(t, { leadId, type: 'webinar_attended' });
      expect(await enrollmentsIn(programId)).toEqual([{ lead_id: fine, status: 'active' }]);
      expect(await skipsOf(programId)).toEqual([
        { lead_id: complained, reason: 'complaint', via: 'event' },
        { lead_id: bounced, reason: 'hard_bounce', via: 'event' },
        { lead_id: listed, reason: 'manual', via: 'event' },
      ]);
      const { body: stats } = await t.api('get', `/api/v1/programs/${programId}/stats`).expect(200);
      expect(stats.enrollments).toMatchObject({ total: 1, exited: 0 });
      expect(stats.skipped).toEqual({ complaint: 1, hard_bounce: 1, manual: 1 });
      const { body: exported } = await t.api('get', `/api/v1/leads/${bounced}/export`).expect(200);
      expect(exported.enrollmentSkips).toEqual([expect.objectContaining({ programId, reason: 'hard_bounce', via: 'event', attempts: 1 })]);
      expect(exported.enrollments).toEqual([]);
    });

    it('lead_created and stage_entered triggers skip a lead whose address is on the list, with the list’s reason', async () => {
      const created = await createProgram(t, oneEmail('Nieuw', { type: 'lead_created', where: { 'source.channel': 'beurs' } }));
      const recycled = await createProgram(t, oneEmail('Terug naar nurture', { type: 'stage_entered', stage: 'recycled' }));
      // The address was listed before the lead existed (by its hash): the new lead is on the list from its first moment.
      await listByHand('al-gelijst@example.be');
      const leadId = await createLead(t, 'al-gelijst@example.be', { source: { channel: 'beurs' } });
      expect(await enrollmentsIn(created)).toEqual([]);
      expect(await skipsOf(created)).toEqual([{ lead_id: leadId, reason: 'manual', via: 'lead_created' }]);

      const bounced = await createLead(t, 'terug-gebounced@example.be');
      await hardBounce('terug-gebounced@example.be');
      await sendEvent(t, { leadId: bounced, type: 'quote_requested' }); // an MQL at once, handed to sales
      const handoff = await eventually(async () => (await t.db.query(`SELECT id FROM handoffs WHERE lead_id = $1`, [bounced]))[0]?.id as string | undefined);
      await t.api('post', `/api/v1/handoffs/${handoff}/reject`).send({ reason: 'not_now' }).expect(200);
      expect(await enrollmentsIn(recycled)).toEqual([]);
      expect(await skipsOf(recycled)).toEqual([{ lead_id: bounced, reason: 'hard_bounce', via: 'stage_entered' }]);
    });

    it('API enrollment agrees: one lead is refused with 409 naming the reason, a list and a segment count the suppressed', async () => {
      const programId = await createProgram(t, oneEmail('Handmatig', { type: 'manual' }));
      const bounced = await createLead(t, 'api-bounced@example.be', { attributes: { batch: 'api-suppressed' } });
      const withdrawn = await createLead(t, 'api-withdrawn@example.be', { attributes: { batch: 'api-suppressed' } });
      const fine = await createLead(t, 'api-fine@example.be', { attributes: { batch: 'api-suppressed' } });
      await hardBounce('api-bounced@example.be');
      await createLead(t, 'api-withdrawn@example.be', { consent: { status: 'withdrawn' } });

      const one = await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadId: bounced });
      expect(one.status).toBe(409);
      expect(one.body).toMatchObject({ status: 409, reason: 'hard_bounce' });
      expect(one.body.detail).toContain('hard_bounce');
      expect(await enrollmentsIn(programId)).toEqual([]);
      expect(await skipsOf(programId)).toEqual([{ lead_id: bounced, reason: 'hard_bounce', via: 'manual' }]);

      const list = await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadIds: [bounced, withdrawn, fine] });
      expect(list.body).toEqual({ requested: 3, enrolled: 1, skipped: 2, goalAlreadyMet: 0, suppressed: 2 });
      expect(await enrollmentsIn(programId)).toEqual([{ lead_id: fine, status: 'active' }]);
      expect(await skipsOf(programId)).toEqual([
        { lead_id: withdrawn, reason: 'consent_withdrawn', via: 'bulk' },
        { lead_id: bounced, reason: 'hard_bounce', via: 'bulk' },
      ]);

      const segmentProgram = await createProgram(t, oneEmail('Segment', { type: 'manual' }));
      const segment = await t.api('post', `/api/v1/programs/${segmentProgram}/enrollments`).send({ segment: { where: { field: 'attributes.batch', op: 'equals', value: 'api-suppressed' } } });
      expect(segment.body).toEqual({ requested: null, enrolled: 1, skipped: null, goalAlreadyMet: 0, suppressed: 2 });
      expect((await t.api('get', `/api/v1/programs/${segmentProgram}/stats`)).body.skipped).toEqual({ consent_withdrawn: 1, hard_bounce: 1 });
    });

    /**
     * Enrolls `skipped` and `fine` (both with `attributes.batch`) in a program by their ids and in another by that
     * segment: both take `fine` alone, whose welcome email goes out in both, and record `skipped` as skipped with
     * reason hard_bounce, sending it nothing.
     */
    async function expectBouncedSkippedByListAndSegment(name: string, skipped: string, fine: string, batch: string) {
      const byList = await createProgram(t, oneEmail(`${name} (lijst)`, { type: 'manual' }));
      const bySegment = await createProgram(t, oneEmail(`${name} (segment)`, { type: 'manual' }));
      const list = await t.api('post', `/api/v1/programs/${byList}/enrollments`).send({ leadIds: [skipped, fine] });
      const segment = await t.api('post', `/api/v1/programs/${bySegment}/enrollments`).send({ segment: { where: { field: 'attributes.batch', op: 'equals', value: batch } } });
      expect([list.body, segment.body]).toEqual([
        { requested: 2, enrolled: 1, skipped: 1, goalAlreadyMet: 0, suppressed: 1 },
        { requested: null, enrolled: 1, skipped: null, goalAlreadyMet: 0, suppressed: 1 },
      ]);
      await eventually(async () => (await t.db.query(`SELECT 1 FROM email_messages WHERE lead_id = $1`, [fine])).length === 2);
      expect([await enrollmentsIn(byList), await enrollmentsIn(bySegment)].map((rows) => rows.map((e) => e.lead_id))).toEqual([[fine], [fine]]);
      expect([await skipsOf(byList), await skipsOf(bySegment)]).toEqual([
        [{ lead_id: skipped, reason: 'hard_bounce', via: 'bulk' }],
        [{ lead_id: skipped, reason: 'hard_bounce', via: 'segment' }],
      ]);
      expect(await t.db.query(`SELECT id FROM email_messages WHERE lead_id = $1`, [skipped])).toEqual([]);
    }

    it('a list and a segment skip a lead whose address the relay bounced before the lead existed, with reason hard_bounce', async () => {
      await hardBounce('eerst-gebounced@example.be');
      // No lead had the address: the entry is the address's alone.
      expect(await t.db.query(`SELECT lead_id, reason FROM suppressions WHERE email_hash = $1`, [emailHash('eerst-gebounced@example.be')])).toEqual([
        { lead_id: null, reason: 'hard_bounce' },
      ]);
      const bounced = await createLead(t, 'eerst-gebounced@example.be', { attributes: { batch: 'bounced-before' } });
      const fine = await createLead(t, 'eerst-goed@example.be', { attributes: { batch: 'bounced-before' } });
      await expectBouncedSkippedByListAndSegment('Eerst gebounced', bounced, fine, 'bounced-before');
    });

    it('a list and a segment skip a lead whose address was changed to a bounced one, with reason hard_bounce', async () => {
      await hardBounce('nieuw-gebounced@example.be');
      const moved = await createLead(t, 'oud-adres@example.be', { attributes: { batch: 'changed-address' } });
      const fine = await createLead(t, 'blijft-goed@example.be', { attributes: { batch: 'changed-address' } });
      // No endpoint changes a lead's address (the API finds a lead by it); an import writing it in SQL is caught all the same.
      await t.db.query(`UPDATE leads SET email = $2, email_normalized = $2 WHERE id = $1`, [moved, 'nieuw-gebounced@example.be']);
      await expectBouncedSkippedByListAndSegment('Nieuw adres', moved, fine, 'changed-address');
    });

    it('a list skips a lead an event created at a bounced address, and a new lead at an erased lead’s address (reason erased)', async () => {
      await hardBounce('event-gebounced@example.be');
      await sendEvent(t, { email: 'event-gebounced@example.be', type: 'page_viewed' });
      const [{ id: fromEvent }] = await t.db.query(`SELECT id FROM leads WHERE email_normalized = 'event-gebounced@example.be'`);
      const gone = await createLead(t, 'terug-na-wissen@example.be');
      await t.api('delete', `/api/v1/leads/${gone}`).expect(204);
      // The erased row's key is its placeholder's: it no longer points at the entry of the address it had.
      expect((await t.db.query(`SELECT email_hash FROM leads WHERE id = $1`, [gone]))[0].email_hash).toBe(emailHash(`erased-${gone}@erased.invalid`));
      const back = await createLead(t, 'terug-na-wissen@example.be');
      const fine = await createLead(t, 'event-goed@example.be');

      const programId = await createProgram(t, oneEmail('Event en gewist', { type: 'manual' }));
      const list = await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadIds: [fromEvent, back, fine] });
      expect(list.body).toEqual({ requested: 3, enrolled: 1, skipped: 2, goalAlreadyMet: 0, suppressed: 2 });
      expect(await enrollmentsIn(programId)).toEqual([{ lead_id: fine, status: 'active' }]);
      expect(Object.fromEntries((await skipsOf(programId)).map((s) => [s.lead_id, s.reason]))).toEqual({ [fromEvent]: 'hard_bounce', [back]: 'erased' });
    });

    it('leads from before leads.email_hash get their key from its migration: a list skips one whose address was listed first', async () => {
      await hardBounce('van-voor@example.be');
      const before = await createLead(t, 'van-voor@example.be');
      const fine = await createLead(t, 'van-voor-goed@example.be');
      // The column and its trigger made anew over the leads this file has (also erased ones), in one transaction.
      const runner = t.db.createQueryRunner();
      try {
        await runner.startTransaction();
        await new LeadEmailHash1764006500000().down(runner);
        await new LeadEmailHash1764006500000().up(runner);
        await runner.commitTransaction();
      } finally {
        await runner.release();
      }
      const keys: { email_normalized: string; email_hash: string }[] = await t.db.query(`SELECT email_normalized, email_hash FROM leads`);
      expect(keys.filter((k) => k.email_hash !== emailHash(k.email_normalized))).toEqual([]);

      const programId = await createProgram(t, oneEmail('Van voor', { type: 'manual' }));
      const list = await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadIds: [before, fine] });
      expect(list.body).toEqual({ requested: 2, enrolled: 1, skipped: 1, goalAlreadyMet: 0, suppressed: 1 });
      expect(await skipsOf(programId)).toEqual([{ lead_id: before, reason: 'hard_bounce', via: 'bulk' }]);
    });

    it('the reason enrollment skips with is the one the suppression check gives, for entries by address, by id or both', async () => {
      const [byAddress, byId, addressFirst, idFirst, withdrawnListed, withdrawn, clean] = [
        await createLead(t, 'twin-address@example.be'),
        await createLead(t, 'twin-id@example.be'),
        await createLead(t, 'twin-address-first@example.be'),
        await createLead(t, 'twin-id-first@example.be'),
        await createLead(t, 'twin-withdrawn-listed@example.be'),
        await createLead(t, 'twin-withdrawn@example.be', { consent: { status: 'withdrawn' } }),
        await createLead(t, 'twin-clean@example.be'),
      ];
      await createLead(t, 'twin-withdrawn-listed@example.be', { consent: { status: 'withdrawn' } });
      const entry = (email: string, leadId: string | null, reason: string, at: string) =>
        t.db.query(`INSERT INTO suppressions (email_hash, lead_id, reason, source, created_at) VALUES ($1, $2, $3, 'test', $4)`, [emailHash(email), leadId, reason, at]);
      await entry('twin-address@example.be', null, 'hard_bounce', '2026-01-02T00:00:00Z');
      await entry('old-address@example.be', byId, 'unsubscribed', '2026-01-02T00:00:00Z');
      await entry('twin-address-first@example.be', null, 'complaint', '2026-01-01T00:00:00Z');
      await entry('other-1@example.be', addressFirst, 'manual', '2026-01-03T00:00:00Z');
      await entry('twin-id-first@example.be', null, 'complaint', '2026-01-03T00:00:00Z');
      await entry('other-2@example.be', idFirst, 'unsubscribed', '2026-01-01T00:00:00Z');
      await entry('twin-withdrawn-listed@example.be', null, 'manual', '2026-01-01T00:00:00Z');
      const ids = [byAddress, byId, addressFirst, idFirst, withdrawnListed, withdrawn, clean];
      const optOut = optOutOfLeadSql('l');
      const rows: { id: string; reason: string | null }[] = await t.db.query(
        `SELECT l.id, ${optOut.reason} AS reason FROM leads l ${optOut.join} WHERE l.id = ANY($1::uuid[])`,
        [ids],
      );
      const expected = await t.db.transaction((m) => t.app.get(SuppressionService).suppressedAmong(m, ids));
      expect(Object.fromEntries(rows.map((r) => [r.id, r.reason]))).toEqual(Object.fromEntries(ids.map((id) => [id, expected.get(id) ?? null])));
      expect(expected.size).toBe(6);
      expect(expected.get(addressFirst)).toBe('complaint');
      expect(expected.get(idFirst)).toBe('unsubscribed');
    });

    it('a lead with no lawful basis recorded yet is still enrolled: its enrollment waits for the consent', async () => {
      const programId = await createProgram(t, oneEmail('Zonder basis', { type: 'manual' }));
      const leadId = await createLead(t, 'nog-geen-basis@example.be', { consent: undefined });
      expect((await t.api('post', `/api/v1/programs/${programId}/enrollments`).send({ leadId })).status).toBe(201);
      expect(await skipsOf(programId)).toEqual([]);
    });
  });

  it('the SQL twins of sendBlock and optOutReason answer as they do for every consent status and list reason', async () => {
    const consents = ['granted', 'withdrawn', 'unknown', null];
    const listed = [null, ...SUPPRESSION_REASONS];
    const pairs = consents.flatMap((c) => listed.map((l) => [c, l] as const));
    const rows: { i: number; block: string | null; opt_out: string | null }[] = await t.db.query(
      `SELECT v.i::int AS i, ${sendBlockSql('v.c', 'v.l')} AS block, ${optOutReasonSql('v.c', 'v.l')} AS opt_out
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS v(c, l, i) ORDER BY v.i`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    );
    expect(rows.map((r) => r.block)).toEqual(pairs.map(([c, l]) => sendBlock(c, l)));
    expect(rows.map((r) => r.opt_out)).toEqual(pairs.map(([c, l]) => optOutReason(c, l)));
  });
});
