import { ProgramScheduler } from '../src/programs/scheduler/program-scheduler.service.js';
import { emailHash } from '../src/suppression/email-hash.js';
import { createLead, createProgram, DAY, emailsOf, enroll, enrollmentOf, programsWorld, sendEvent, stepsRun } from './programs-helpers.js';
import { eventually } from './support/test-app.js';

describe('nurture programs, run by the scheduler', () => {
  const t = programsWorld({ templates: { welcome: 'welcome', reminder: 'reminder', case: 'case', second: 'second' }, resetClock: true });
  const { clock, templates: tpl } = t;
  let scheduler: ProgramScheduler;

  beforeAll(() => {
    scheduler = t.app.get(ProgramScheduler);
  });

  const guide = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    trigger: { type: 'manual' },
    steps: [
      { id: 'welcome', type: 'email', templateId: tpl.welcome, next: 'wait1' },
      { id: 'wait1', type: 'wait', duration: 'P3D', next: 'clicked' },
      { id: 'clicked', type: 'branch', if: { clicked: { step: 'welcome' } }, then: 'case', else: 'reminder' },
      { id: 'reminder', type: 'email', templateId: tpl.reminder, next: 'end' },
      { id: 'case', type: 'email', templateId: tpl.case, next: 'end' },
      { id: 'end', type: 'exit' },
    ],
    ...extra,
  });

  it('takes a lead from a content download to the goal: enrolled by the trigger, mailed, converted by a booked meeting', async () => {
    const programId = await createProgram(t, {
      name: 'Website-gids opvolging',
      trigger: { type: 'event', eventType: 'content_downloaded', where: { 'properties.asset': 'gids-website-kosten' } },
      goal: { anyOf: [{ stageAtLeast: 'mql' }, { event: 'meeting_booked' }] },
      steps: [
        { id: 'welcome', type: 'email', templateId: tpl.welcome, next: 'wait1' },
        { id: 'wait1', type: 'wait', duration: 'P2D', next: 'second' },
        { id: 'second', type: 'email', templateId: tpl.second, next: 'wait2' },
        { id: 'wait2', type: 'wait', duration: 'P7D', next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    await createLead(t, 'an@bakkerij.example.be'); // with consent: a lawful basis to mail her
    await sendEvent(t, { email: 'an@bakkerij.example.be', type: 'content_downloaded', properties: { asset: 'gids-website-kosten' } });
    await sendEvent(t, { email: 'bart@other.example.be', type: 'content_downloaded', properties: { asset: 'iets-anders' } });
    const [{ id: leadId }] = await t.db.query(`SELECT id FROM leads WHERE email_normalized = 'an@bakkerij.example.be'`);

    const enrollment = await eventually(() => enrollmentOf(t, programId, leadId));
    expect(enrollment.program_version).toBe(1);
    await eventually(async () => (await emailsOf(t, enrollment.id)).length === 1);
    expect(await stepsRun(t, enrollment.id)).toEqual(['welcome:sent', 'wait1:waiting']);
    const [{ n: others }] = await t.db.query(`SELECT count(*)::int AS n FROM enrollments WHERE program_id = $1`, [programId]);
    expect(others).toBe(1); // the other asset does not match the trigger's filter

    // A lead known only from its events has no lawful basis recorded: its enrollment waits a while for the consent
    // (a form's event can arrive just before the lead's upsert), sends nothing meanwhile, and exits without it.
    const enrolledFrom = async (email: string) => {
      await sendEvent(t, { email, type: 'content_downloaded', properties: { asset: 'gids-website-kosten' } });
      const [{ id }] = await t.db.query(`SELECT id FROM leads WHERE email_normalized = $1`, [email]);
      const enrollment = await eventually(async () => {
        const e = await enrollmentOf(t, programId, id);
        return e && (await stepsRun(t, e.id)).length === 0 && e.next_run_at !== null && e.next_run_at > clock.now() ? e : null; // looked at, and held
      });
      return { ...enrollment, leadId: id as string };
    };
    const noBasis = await enrolledFrom('zonder@basis.example.be');
    const consentLater = await enrolledFrom('later@basis.example.be');
    await createLead(t, 'later@basis.example.be'); // the consent arrives after the event
    clock.advance(61_000);
    // The worker's own scheduler tick runs in this app too and may hold a due row (SKIP LOCKED): either runs it.
    await scheduler.runBatch([noBasis.id, consentLater.id]);
    await eventually(async () => (await emailsOf(t, consentLater.id)).length === 1);
    expect(await emailsOf(t, consentLater.id)).toEqual(['welcome']);
    expect(await enrollmentOf(t, programId, noBasis.leadId)).toMatchObject({ status: 'active' });
    clock.advance(15 * 60_000);
    await scheduler.runBatch([noBasis.id]);
    await eventually(async () => (await enrollmentOf(t, programId, noBasis.leadId))?.status === 'exited');
    expect(await enrollmentOf(t, programId, noBasis.leadId)).toMatchObject({ status: 'exited', exit_reason: 'no_lawful_basis' });
    expect(await emailsOf(t, noBasis.id)).toEqual([]);

    clock.advance(2 * DAY);
    await eventually(async () => (await emailsOf(t, enrollment.id)).length === 2);
    expect(await emailsOf(t, enrollment.id)).toEqual(['welcome', 'second']);

    await sendEvent(t, { leadId, type: 'meeting_booked' });
    const converted = await eventually(async () => {
      const e = await enrollmentOf(t, programId, leadId);
      return e?.status === 'converted' ? e : undefined;
    });
    expect(converted).toMatchObject({ exit_reason: 'goal', next_run_at: null, current_step_id: 'wait2' });
    clock.advance(8 * DAY);
    expect(await scheduler.runBatch([enrollment.id])).toBe(0);
    expect(await stepsRun(t, enrollment.id)).toEqual(['welcome:sent', 'wait1:elapsed', 'second:sent', 'wait2:waiting']);
  });

  it('gives a lead who clicked the welcome email the case study, and one whose click was a link scanner the reminder', async () => {
    const programId = await createProgram(t, guide('Klik-splitsing'));
    const human = await enroll(t, programId, await createLead(t, 'klikker@example.be'));
    const scanner = await enroll(t, programId, await createLead(t, 'scanner@example.be'));
    await eventually(async () => (await emailsOf(t, human)).length === 1 && (await emailsOf(t, scanner)).length === 1);
    const click = `INSERT INTO email_interactions (message_id, lead_id, kind, machine, reason, occurred_at)
                   SELECT id, lead_id, 'click', $2, $3, $4 FROM email_messages WHERE enrollment_id = $1 AND step_id = 'welcome'`;
    await t.db.query(click, [human, false, 'human', '2026-03-02T10:00:00Z']);
    await t.db.query(click, [scanner, true, 'scanner_window', '2026-03-02T09:00:05Z']);

    clock.advance(3 * DAY);
    await eventually(async () => (await emailsOf(t, human)).length === 2 && (await emailsOf(t, scanner)).length === 2);
    expect(await emailsOf(t, human)).toEqual(['welcome', 'case']);
    expect(await emailsOf(t, scanner)).toEqual(['welcome', 'reminder']);
    expect(await stepsRun(t, human)).toEqual(['welcome:sent', 'wait1:elapsed', 'clicked:then', 'case:sent', 'end:completed']);
  });

  it('wakes a wait_until step the moment the awaited click arrives as an email_clicked event', async () => {
    const programId = await createProgram(t, {
      name: 'Wachten op een klik',
      trigger: { type: 'manual' },
      steps: [
        { id: 'welcome', type: 'email', templateId: tpl.welcome, next: 'await' },
        { id: 'await', type: 'wait_until', event: { type: 'email_clicked', step: 'welcome' }, timeout: 'P7D', then: 'case', else: 'end' },
        { id: 'case', type: 'email', templateId: tpl.case, next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    const leadId = await createLead(t, 'wachter@example.be');
    const enrollmentId = await enroll(t, programId, leadId);
    await eventually(async () => (await enrollmentOf(t, programId, leadId))?.current_step_id === 'await');
    const [message] = await t.db.query(`SELECT id FROM email_messages WHERE enrollment_id = $1`, [enrollmentId]);
    await sendEvent(t, { leadId, type: 'email_clicked', properties: { messageId: message.id, enrollmentId, stepId: 'welcome' } });
    await eventually(async () => (await emailsOf(t, enrollmentId)).length === 2);
    expect(await stepsRun(t, enrollmentId)).toEqual(['welcome:sent', 'await:event', 'case:sent', 'end:completed']);
  });

  it('holds due steps while a program is paused and runs them after resume', async () => {
    const programId = await createProgram(t, guide('Pauzeerbaar'));
    const enrollmentId = await enroll(t, programId, await createLead(t, 'pauze@example.be'));
    await eventually(async () => (await emailsOf(t, enrollmentId)).length === 1);
    expect((await t.api('post', `/api/v1/programs/${programId}/pause`)).body.status).toBe('paused');

    clock.advance(4 * DAY);
    expect(await scheduler.runBatch([enrollmentId])).toBe(0); // due, but held
    const [held] = await t.db.query(`SELECT current_step_id, next_run_at <= $2 AS due FROM enrollments WHERE id = $1`, [enrollmentId, clock.now()]);
    expect(held).toEqual({ current_step_id: 'wait1', due: true });
    expect(await emailsOf(t, enrollmentId)).toEqual(['welcome']);

    expect((await t.api('post', `/api/v1/programs/${programId}/resume`)).body.status).toBe('active');
    await eventually(async () => (await emailsOf(t, enrollmentId)).length === 2);
    expect(await emailsOf(t, enrollmentId)).toEqual(['welcome', 'reminder']);
  });

  it('lets enrolled leads finish on their version when a new version is published', async () => {
    const programId = await createProgram(t, guide('Versies'));
    const early = await enroll(t, programId, await createLead(t, 'vroeg@example.be'));
    await eventually(async () => (await emailsOf(t, early)).length === 1);

    const v2 = { ...guide('Versies'), steps: [{ id: 'only', type: 'email', templateId: tpl.second, next: 'stop' }, { id: 'stop', type: 'exit' }] };
    expect((await t.api('put', `/api/v1/programs/${programId}`).send(v2)).status).toBe(200);
    const published = await t.api('post', `/api/v1/programs/${programId}/publish`);
    expect(published.body).toMatchObject({ currentVersion: 2, status: 'active' });
    const late = await enroll(t, programId, await createLead(t, 'laat@example.be'));
    await eventually(async () => (await emailsOf(t, late)).length === 1);

    clock.advance(3 * DAY);
    await eventually(async () => (await emailsOf(t, early)).length === 2);
    expect(await emailsOf(t, early)).toEqual(['welcome', 'reminder']);
    expect(await emailsOf(t, late)).toEqual(['only']);
    const versions = await t.db.query(`SELECT id, program_version FROM enrollments WHERE id = ANY($1::uuid[]) ORDER BY program_version`, [[early, late]]);
    expect(versions).toEqual([{ id: early, program_version: 1 }, { id: late, program_version: 2 }]);
  });

  it('ends the enrollment of a lead who unsubscribed, and of one who withdrew consent, without another email', async () => {
    const programId = await createProgram(t, guide('Afmelden'));
    const suppressedLead = await createLead(t, 'weg@example.be');
    const unsubscribed = await enroll(t, programId, suppressedLead);
    const withdrawnLead = await createLead(t, 'stop@example.be');
    const withdrawn = await enroll(t, programId, withdrawnLead);
    await eventually(async () => (await emailsOf(t, unsubscribed)).length === 1 && (await emailsOf(t, withdrawn)).length === 1);

    await t.db.query(`INSERT INTO suppressions (email_hash, lead_id, reason, source) VALUES ($1, $2, 'unsubscribed', 'test')`, [
      emailHash('weg@example.be'),
      suppressedLead,
    ]);
    await createLead(t, 'stop@example.be', { consent: { status: 'withdrawn' } });
    // Withdrawing consent ends the enrollment at once (the lead upsert's own transaction).
    expect(await enrollmentOf(t, programId, withdrawnLead)).toMatchObject({ status: 'exited', exit_reason: 'consent_withdrawn' });

    clock.advance(3 * DAY);
    const exited = await eventually(async () => {
      const e = await enrollmentOf(t, programId, suppressedLead);
      return e?.status === 'exited' ? e : undefined;
    });
    expect(exited.exit_reason).toBe('unsubscribed');
    expect(await emailsOf(t, unsubscribed)).toEqual(['welcome']);
    expect(await emailsOf(t, withdrawn)).toEqual(['welcome']);
  });

  it('holds an email due Friday 17:30 in Brussels until Monday 09:00', async () => {
    clock.set('2026-03-06T16:30:00Z'); // Friday 17:30 in Brussels
    const programId = await createProgram(t, guide('Venster'));
    const enrollmentId = await enroll(t, programId, await createLead(t, 'vrijdag@example.be'));
    const deferred = await eventually(async () => {
      const [e] = await t.db.query(`SELECT next_run_at FROM enrollments WHERE id = $1`, [enrollmentId]);
      return e.next_run_at.getTime() !== clock.now().getTime() && e;
    });
    expect(deferred.next_run_at.toISOString()).toBe('2026-03-09T08:00:00.000Z');
    expect(await emailsOf(t, enrollmentId)).toEqual([]);
    expect(await stepsRun(t, enrollmentId)).toEqual([]);

    clock.set('2026-03-09T08:00:00Z');
    await eventually(async () => (await emailsOf(t, enrollmentId)).length === 1);
  });

  it('defers a fourth nurture email in seven days until the oldest leaves the window, never dropping it', async () => {
    const leadId = await createLead(t, 'vol@example.be');
    for (const [i, at] of ['2026-02-25T10:00:00Z', '2026-02-27T10:00:00Z', '2026-03-01T10:00:00Z'].entries()) {
      await t.db.query(
        `INSERT INTO email_messages (idempotency_key, kind, lead_id, status, created_at, sent_at) VALUES ($1, 'nurture', $2, 'sent', $3, $3)`,
        [`other-program-${i}`, leadId, at],
      );
    }
    const programId = await createProgram(t, guide('Plafond'));
    const enrollmentId = await enroll(t, programId, leadId);
    const deferred = await eventually(async () => {
      const [e] = await t.db.query(`SELECT next_run_at FROM enrollments WHERE id = $1`, [enrollmentId]);
      return e.next_run_at.getTime() !== clock.now().getTime() && e;
    });
    // The first of the three leaves the rolling week on Wednesday 4 March at 10:00 UTC (11:00 in Brussels).
    expect(deferred.next_run_at.toISOString()).toBe('2026-03-04T10:00:00.000Z');
    expect(await emailsOf(t, enrollmentId)).toEqual([]);

    clock.set('2026-03-04T10:00:00Z');
    await eventually(async () => (await emailsOf(t, enrollmentId)).length === 1);
  });
});
