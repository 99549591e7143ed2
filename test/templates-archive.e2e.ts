import type { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { QueryRunner } from 'typeorm';
import { EmailService } from '../src/email/email.service.js';
import { apiKey } from './handoffs-helpers.js';
import { createLead, createProgram, enroll, oneEmailSteps } from './programs-helpers.js';
import { createTemplate, WELCOME_VARIANTS } from './support/email-fixtures.js';
import { SmtpSink } from './support/smtp-sink.js';
import { eventually, startTestApp, startTestWorker, type TestApp } from './support/test-app.js';

/**
 * A marketer archives a template (DELETE /api/v1/templates/{id}): it leaves the list and the API, unless a program
 * that is not archived may still send it. An API-only app (no worker): enrollments stay where the API put them, and
 * emails queued stay queued until the last test starts a worker.
 */
describe('archiving a template', () => {
  let t: TestApp;
  let sink: SmtpSink;
  const workers: INestApplicationContext[] = [];

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ role: 'api', env: { SMTP_URL: sink.url, EMAIL_RATE_PER_SECOND: '0' } });
  });
  afterAll(async () => {
    for (const w of workers) await w.close();
    await t?.close();
    await sink?.close();
  });

  const archive = (id: string) => t.api('delete', `/api/v1/templates/${id}`);
  const listed = async (id: string) => {
    const res = await t.api('get', '/api/v1/templates?limit=500');
    expect(res.status).toBe(200);
    return res.body.items.some((item: { id: string }) => item.id === id);
  };
  const manual = (name: string, steps: unknown[]) => ({ name, trigger: { type: 'manual' }, steps });

  it('takes an unused template out of the list and the API (204); its versions stay readable by number', async () => {
    const id = await createTemplate(t, WELCOME_VARIANTS, 'Oude actie');
    const res = await archive(id);
    expect([res.status, res.text]).toEqual([204, '']);
    const [row] = await t.db.query(`SELECT archived_at FROM templates WHERE id = $1`, [id]);
    expect(row.archived_at).toBeInstanceOf(Date);
    expect(await listed(id)).toBe(false);

    for (const [method, path, body] of [
      ['get', `/api/v1/templates/${id}`, undefined],
      ['put', `/api/v1/templates/${id}`, { variants: WELCOME_VARIANTS }],
      ['post', `/api/v1/templates/${id}/preview`, { data: { firstName: 'Jonas' }, locale: 'nl' }],
      ['post', `/api/v1/templates/${id}/test-send`, { to: 'marketing@example.be' }],
      ['delete', `/api/v1/templates/${id}`, undefined],
    ] as const) {
      const req = t.api(method, path);
      const answer = body ? await req.send(body) : await req;
      expect([method, path, answer.status, answer.headers['content-type']]).toEqual([method, path, 404, expect.stringContaining('application/problem+json')]);
    }
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM email_messages WHERE template_id = $1`, [id]);
    expect(n).toBe(0); // the refused test send queued nothing
    const [{ versions }] = await t.db.query(`SELECT current_version AS versions FROM templates WHERE id = $1`, [id]);
    expect(versions).toBe(1); // the refused save made no version

    const v1 = await t.api('get', `/api/v1/templates/${id}/versions/1`);
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ templateId: id, version: 1 });
  });

  it('is for marketers (and admins): a sales key is refused (403), a marketer key archives', async () => {
    const id = await createTemplate(t, WELCOME_VARIANTS, 'Per rol');
    const refused = await t.api('delete', `/api/v1/templates/${id}`, await apiKey(t, 'Verkoop', 'sales'));
    expect(refused.status).toBe(403);
    expect(await listed(id)).toBe(true);
    expect((await t.api('delete', `/api/v1/templates/${id}`, await apiKey(t, 'Marketing', 'marketer'))).status).toBe(204);
  });

  it('answers 404 for a template that never existed', async () => {
    const res = await archive(randomUUID());
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('replays a retried DELETE with the same Idempotency-Key (204 again); a new request is 404', async () => {
    const id = await createTemplate(t, WELCOME_VARIANTS, 'Twee keer');
    const first = await archive(id).set('idempotency-key', `archive-${id}`);
    expect(first.status).toBe(204);
    const retry = await archive(id).set('idempotency-key', `archive-${id}`);
    expect([retry.status, retry.headers['idempotent-replayed']]).toEqual([204, 'true']);
    expect((await archive(id)).status).toBe(404);
  });

  it('refuses (409) while a live program sends it, naming the program and what sends it, and changes nothing', async () => {
    const id = await createTemplate(t, WELCOME_VARIANTS, 'Welkom in gebruik');
    const program = await createProgram(t, manual('Welkomstreeks', oneEmailSteps(id)));
    const res = await archive(id);
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ reason: 'template_in_use', detail: expect.stringContaining(`"Welkomstreeks" (${program})`) });
    expect(res.body.errors).toEqual([{ field: 'id', message: `program ${program} "Welkomstreeks" sends it: its draft, published version 1 (current)` }]);
    expect(await listed(id)).toBe(true);
    expect((await t.api('get', `/api/v1/templates/${id}`)).status).toBe(200);
  });

  it('allows it once the program that sent it is archived; a program naming it is then refused (422 naming the step)', async () => {
    const id = await createTemplate(t, WELCOME_VARIANTS, 'Na archiveren');
    const program = await createProgram(t, manual('Tijdelijke actie', oneEmailSteps(id)));
    expect((await archive(id)).status).toBe(409);
    expect((await t.api('post', `/api/v1/programs/${program}/archive`)).status).toBe(200);
    expect((await archive(id)).status).toBe(204);

    const created = await t.api('post', '/api/v1/programs').send(manual('Nieuwe actie', oneEmailSteps(id)));
    expect(created.status).toBe(422);
    expect(created.body.errors).toEqual([{ field: 'steps[welcome].templateId', message: `template "${id}" is archived; choose another template` }]);
  });

  it('finds every way a program may still send it: a draft (also by an A/B variant, whatever the case of the id), an older version with leads still enrolled', async () => {
    const id = await createTemplate(t, WELCOME_VARIANTS, 'Overal');
    const other = await createTemplate(t, WELCOME_VARIANTS, 'Ander');
    // A draft never published, naming the template (upper case) only in an A/B variant of its step.
    const variantSteps = [{ id: 'welcome', type: 'email', templateId: other, variants: [{ weight: 1 }, { templateId: id.toUpperCase(), weight: 1 }], next: 'end' }, { id: 'end', type: 'exit' }];
    const draft = await createProgram(t, manual('Concept met variant', variantSteps), false);
    const refused = await archive(id);
    expect(refused.status).toBe(409);
    expect(refused.body.errors).toEqual([{ field: 'id', message: `program ${draft} "Concept met variant" sends it: its draft` }]);
    expect((await t.api('post', `/api/v1/programs/${draft}/archive`)).status).toBe(200);

    // Version 1 sends it and a lead is still in version 1; version 2 (current) and the draft no longer send it.
    const program = await createProgram(t, manual('Oude versie', oneEmailSteps(id)));
    const lead = await createLead(t, 'nog-bezig@example.be');
    await enroll(t, program, lead);
    expect((await t.api('put', `/api/v1/programs/${program}`).send(manual('Oude versie', oneEmailSteps(other)))).status).toBe(200);
    expect((await t.api('post', `/api/v1/programs/${program}/publish`)).status).toBe(200);
    const stillEnrolled = await archive(id);
    expect(stillEnrolled.status).toBe(409);
    expect(stillEnrolled.body.errors).toEqual([{ field: 'id', message: `program ${program} "Oude versie" sends it: version 1 (leads still enrolled)` }]);

    // Once the lead has left version 1, nothing can send the template any more.
    expect((await t.api('delete', `/api/v1/programs/${program}/enrollments/${lead}`)).status).toBe(200);
    expect((await archive(id)).status).toBe(204);
    expect((await t.api('get', `/api/v1/programs/${program}`)).body).toMatchObject({ status: 'active', currentVersion: 2 });
  });

  it('reinstalling the starters after a starter program and its template were archived installs both again', async () => {
    const installed = await t.api('post', '/api/v1/programs/starters').send({});
    expect(installed.status).toBe(200);
    const welcome = installed.body.templates.find((x: { name: string }) => x.name === 'welcome-guide').templateId as string;
    const program = installed.body.programs.find((x: { key: string }) => x.key === 'welcome-and-qualify').program.id as string;
    const refused = await archive(welcome);
    expect(refused.status).toBe(409);
    expect(refused.body.errors).toEqual([expect.objectContaining({ message: expect.stringContaining(program) })]);
    expect((await t.api('post', `/api/v1/programs/${program}/archive`)).status).toBe(200);
    expect((await archive(welcome)).status).toBe(204);

    const again = await t.api('post', '/api/v1/programs/starters').send({});
    expect(again.status).toBe(200);
    const reinstalled = again.body.templates.find((x: { name: string }) => x.name === 'welcome-guide');
    expect(reinstalled).toEqual({ name: 'welcome-guide', templateId: expect.any(String), created: true });
    expect(reinstalled.templateId).not.toBe(welcome);
    expect(again.body.templates.filter((x: { created: boolean }) => x.created)).toHaveLength(1); // the others were kept
    expect(await listed(reinstalled.templateId)).toBe(true);
    // The archived starter program stays archived; a new one is created from the starter, sending the new template.
    const reinstalledProgram = again.body.programs.find((x: { key: string }) => x.key === 'welcome-and-qualify');
    expect(reinstalledProgram).toMatchObject({ created: true, program: { status: 'draft', starter: 'welcome-and-qualify' } });
    expect(reinstalledProgram.program.id).not.toBe(program);
    expect(reinstalledProgram.program.definition.steps.find((s: { id: string }) => s.id === 'welcome').templateId).toBe(reinstalled.templateId);
    expect((await t.api('get', `/api/v1/programs/${program}`)).body).toMatchObject({ status: 'archived', starter: 'welcome-and-qualify' });
    expect(again.body.programs.filter((x: { created: boolean }) => x.created)).toHaveLength(1); // the others were kept
  });

  describe('against programs saved at the same time', () => {
    /** A transaction of the test's own on its own connection, holding locks as the API's requests would. */
    async function transaction(): Promise<QueryRunner> {
      const qr = t.db.createQueryRunner();
      await qr.connect();
      await qr.startTransaction();
      return qr;
    }
    const waitingOnLocks = async () =>
      (await t.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`))[0].n as number;

    it('a program saved while the template is being archived waits, then is refused naming the step', async () => {
      const id = await createTemplate(t, WELCOME_VARIANTS, 'Gelijktijdig 1');
      // The archive's first step: the template row locked.
      const archiving = await transaction();
      try {
        await archiving.query(`SELECT 1 FROM templates WHERE id = $1 FOR UPDATE`, [id]);
        const saving = t.api('post', '/api/v1/programs').send(manual('Tegelijk opgeslagen', oneEmailSteps(id))).then((r) => r);
        await eventually(async () => (await waitingOnLocks()) >= 1, 5_000);
        await archiving.query(`UPDATE templates SET archived_at = now() WHERE id = $1`, [id]);
        await archiving.commitTransaction();
        const res = await saving;
        expect(res.status).toBe(422);
        expect(res.body.errors).toEqual([expect.objectContaining({ field: 'steps[welcome].templateId' })]);
      } finally {
        if (archiving.isTransactionActive) await archiving.rollbackTransaction();
        await archiving.release();
      }
    });

    it('an archive while a program naming the template is being created waits for it, then is refused (409)', async () => {
      const id = await createTemplate(t, WELCOME_VARIANTS, 'Gelijktijdig 2');
      // Holds the creation between its check of the templates and its insert (SHARE conflicts with the insert only).
      const holding = await transaction();
      try {
        await holding.query(`LOCK TABLE programs IN SHARE MODE`);
        const creating = t.api('post', '/api/v1/programs').send(manual('Net aangemaakt', oneEmailSteps(id))).then((r) => r);
        await eventually(async () => (await waitingOnLocks()) >= 1, 5_000);
        let archived: { status: number; body: { reason?: string } } | undefined;
        const archiving = archive(id).then((r) => (archived = r));
        // The archive waits for the creation's transaction (or, were the template not locked by it, answers at once).
        await eventually(async () => archived !== undefined || (await waitingOnLocks()) >= 2, 5_000);
        await holding.commitTransaction();
        expect((await creating).status).toBe(201);
        await archiving;
        expect([archived!.status, archived!.body.reason]).toEqual([409, 'template_in_use']);
      } finally {
        if (holding.isTransactionActive) await holding.rollbackTransaction();
        await holding.release();
      }
    });

    it('a program saved while its template gets a new version waits, then is saved with the new version (not refused as unknown)', async () => {
      const id = await createTemplate(t, WELCOME_VARIANTS, 'Gelijktijdig 3');
      // What a template save does in its transaction: the row to the next version, and that version's row.
      const saving = await transaction();
      try {
        const [{ current_version: next }] = await saving.query(
          `WITH u AS (UPDATE templates SET current_version = current_version + 1, updated_at = now() WHERE id = $1 RETURNING current_version) SELECT current_version FROM u`,
          [id],
        );
        await saving.query(
          `INSERT INTO template_versions (template_id, version, variants, compiled, default_locale, created_at, created_by)
           SELECT template_id, $2::int, variants, compiled, default_locale, now(), created_by FROM template_versions WHERE template_id = $1 AND version = $2::int - 1`,
          [id, next],
        );
        expect((await saving.query(`SELECT count(*)::int AS n FROM template_versions WHERE template_id = $1 AND version = $2`, [id, next]))[0].n).toBe(1);
        const creating = t.api('post', '/api/v1/programs').send(manual('Tijdens een nieuwe versie', oneEmailSteps(id))).then((r) => r);
        await eventually(async () => (await waitingOnLocks()) >= 1, 5_000);
        await saving.commitTransaction();
        const res = await creating;
        expect([res.status, res.body.errors]).toEqual([201, undefined]);
      } finally {
        if (saving.isTransactionActive) await saving.rollbackTransaction();
        await saving.release();
      }
    });
  });

  it('a test send queued just as the template is archived (after the API checked it) is refused at the insert, not queued', async () => {
    const id = await createTemplate(t, WELCOME_VARIANTS, 'Net gearchiveerd');
    expect((await archive(id)).status).toBe(204);
    // The queueing step alone, as it runs after the check when an archive commits in between.
    await expect(t.app.get(EmailService).sendTest(id, 1, 'net@example.be', null)).rejects.toMatchObject({ code: 'not_found' });
    expect((await t.db.query(`SELECT count(*)::int AS n FROM email_messages WHERE template_id = $1`, [id]))[0].n).toBe(0);
  });

  it('an email queued before the template was archived still goes out', async () => {
    const id = await createTemplate(t, WELCOME_VARIANTS, 'Nog onderweg');
    const queued = await t.api('post', `/api/v1/templates/${id}/test-send`).send({ to: 'onderweg@example.be' });
    expect(queued.body).toMatchObject({ status: 'queued' });
    expect((await archive(id)).status).toBe(204);
    // No worker has run yet: the message waits. One starts now and sends it, from the version it was queued with.
    expect((await t.db.query(`SELECT status FROM email_messages WHERE id = $1`, [queued.body.messageId]))[0].status).toBe('queued');
    workers.push(await startTestWorker(t));
    await eventually(async () => (await t.db.query(`SELECT status FROM email_messages WHERE id = $1`, [queued.body.messageId]))[0].status === 'sent', 20_000);
    expect(sink.received.filter((m) => m.envelope.to.includes('onderweg@example.be'))).toHaveLength(1);
  });
});
