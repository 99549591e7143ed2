import { ManualClock } from '../src/common/clock.js';
import type { TemplateVariant } from '../src/email/domain/template-compiler.js';
import { EmailService } from '../src/email/email.service.js';
import { TemplateCompilerService } from '../src/email/template-compiler.service.js';
import { createLead, createProgram, enroll, enrollmentOf, MONDAY_MORNING, oneEmailSteps } from './programs-helpers.js';
import { SmtpSink } from './support/smtp-sink.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

const section = (content: string) => `<mj-section><mj-column><mj-text>${content}</mj-text></mj-column></mj-section>`;
const document = (...sections: string[]) => `<mjml>\n<mj-body>\n${sections.join('\n')}\n</mj-body>\n</mjml>`;
/** A whole <mjml> document as saves took it before they checked the footer: no unsubscribe link, no postal address. */
const WITHOUT_FOOTER: TemplateVariant = { subject: 'Nieuws, {{fallback firstName "daar"}}', mjml: document(section('Hallo {{fallback firstName "daar"}}, ons nieuws.')) };
/** The same document with its own footer, as a save requires now. */
const WITH_FOOTER: TemplateVariant = {
  subject: WITHOUT_FOOTER.subject,
  mjml: document(section('Hallo {{fallback firstName "daar"}}, ons nieuws.'), section('{{sender.name}} · {{sender.address}}<br /><a href="{{unsubscribeUrl}}">Uitschrijven</a>')),
};

describe('a template version saved before saves checked the footer', () => {
  let t: TestApp;
  let sink: SmtpSink;
  const clock = new ManualClock(MONDAY_MORNING); // inside the default send window

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ clock, env: { SMTP_URL: sink.url, EMAIL_RATE_PER_SECOND: '0', PROGRAMS_TICK_MS: '50' } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  /**
   * A template whose current version is a footer-less whole document written straight to the database, as an old
   * install holds it: stored with its compiled form (compiled as a stored version is, without the save's checks), or
   * without it (compiled on first use). Version 1 is a proper save, with the footer; `whileItHadTheFooter` runs while
   * it is current (a program published then: a publish now refuses a template whose current version lacks it).
   */
  async function oldTemplate(name: string, storeCompiled: boolean, whileItHadTheFooter?: (templateId: string) => Promise<unknown>): Promise<string> {
    const res = await t.api('post', '/api/v1/templates').send({ name, defaultLocale: 'nl', variants: { nl: WITH_FOOTER } });
    expect(res.status).toBe(201);
    await whileItHadTheFooter?.(res.body.id);
    const compiled = storeCompiled ? { nl: await t.app.get(TemplateCompilerService).compileVariant('nl', WITHOUT_FOOTER) } : {};
    await t.db.query(
      `INSERT INTO template_versions (template_id, version, variants, compiled, default_locale, created_at, created_by)
       VALUES ($1, 2, $2::jsonb, $3::jsonb, 'nl', $4, 'old-install')`,
      [res.body.id, JSON.stringify({ nl: WITHOUT_FOOTER }), JSON.stringify(compiled), clock.now().toISOString()],
    );
    await t.db.query(`UPDATE templates SET current_version = 2 WHERE id = $1`, [res.body.id]);
    return res.body.id;
  }

  const messageOf = async (id: string) =>
    (await t.db.query(`SELECT status, status_reason, last_error, template_version FROM email_messages WHERE id = $1`, [id]))[0];
  const settled = (id: string) => eventually(async () => ['sent', 'failed'].includes((await messageOf(id))?.status) && messageOf(id), 15_000);

  it('is not sent by a program step: the message fails with template_without_footer, saying which template, version and locale to publish again', async () => {
    let programId = '';
    const templateId = await oldTemplate('Oud nieuws', true, async (id) => {
      programId = await createProgram(t, { name: 'Nieuws', trigger: { type: 'manual' }, steps: oneEmailSteps(id) });
    });
    const leadId = await createLead(t, 'an@bakkerij.example.be', { firstName: 'An' });
    await enroll(t, programId, leadId);
    const enrollment = await eventually(() => enrollmentOf(t, programId, leadId));
    const [{ id: messageId }] = await eventually(async () => {
      const rows: { id: string }[] = await t.db.query(`SELECT id FROM email_messages WHERE enrollment_id = $1`, [enrollment.id]);
      return rows.length ? rows : null;
    });

    const failed = await settled(messageId);
    expect(failed).toMatchObject({ status: 'failed', status_reason: 'template_without_footer', template_version: 2 });
    expect(failed.last_error).toContain(`template ${templateId} version 2 (nl) is not sent`);
    expect(failed.last_error).toMatch(/has no unsubscribe link .*postal address.*Publish a new version/);
    expect(sink.to('an@bakkerij.example.be')).toHaveLength(0);
    // What a marketer sees of it.
    const shown = await t.api('get', `/api/v1/email/messages/${messageId}`);
    expect(shown.body).toMatchObject({ status: 'failed', statusReason: 'template_without_footer', lastError: failed.last_error });

    // Published again with the footer, the template's next email goes out.
    const fixed = await t.api('put', `/api/v1/templates/${templateId}`).send({ variants: { nl: WITH_FOOTER } });
    expect(fixed.body.version).toBe(3);
    const bart = await createLead(t, 'bart@bakkerij.example.be', { firstName: 'Bart' });
    await enroll(t, programId, bart);
    const mail = await eventually(async () => sink.to('bart@bakkerij.example.be')[0], 15_000);
    expect(mail.parsed.text).toContain('Hallo Bart, ons nieuws.');
    expect(mail.parsed.text).toContain(t.config.email.sender.address);
    expect(sink.to('an@bakkerij.example.be')).toHaveLength(0);
  });

  it('is refused by a program publish naming the step (422), as its every email would fail; a draft may still be saved, and publishes once the template has a version with the footer', async () => {
    const templateId = await oldTemplate('Oud nieuws voor een programma', false);
    const draft = await t.api('post', '/api/v1/programs').send({ name: 'Nieuw programma', trigger: { type: 'manual' }, steps: oneEmailSteps(templateId) });
    expect(draft.status).toBe(201);
    const refused = await t.api('post', `/api/v1/programs/${draft.body.id}/publish`);
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([
      { field: 'steps[welcome].templateId', message: expect.stringContaining(`template ${templateId} version 2 (nl) has no unsubscribe link or postal address`) },
    ]);
    expect((await t.api('get', `/api/v1/programs/${draft.body.id}`)).body).toMatchObject({ status: 'draft', currentVersion: null });

    expect((await t.api('put', `/api/v1/templates/${templateId}`).send({ variants: { nl: WITH_FOOTER } })).status).toBe(200);
    const published = await t.api('post', `/api/v1/programs/${draft.body.id}/publish`);
    expect([published.status, published.body.status]).toEqual([200, 'active']);
  });

  it('is not sent by a test send either, also when compiled on first use: refused at once (422), or failed by the worker when queued anyway; the version before it, with the footer, still is', async () => {
    const templateId = await oldTemplate('Oud nieuws zonder compiled', false);
    const res = await t.api('post', `/api/v1/templates/${templateId}/test-send`).send({ to: 'marketeer@studio.example.be' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ reason: 'template_without_footer', errors: [{ field: 'variants.nl.mjml', message: expect.stringContaining(`template ${templateId} version 2 (nl) is not sent`) }] });
    expect(await t.db.query(`SELECT 1 FROM email_messages WHERE template_id = $1`, [templateId])).toEqual([]);

    // Queued anyway (as one queued before the version was current would be), the worker fails it.
    const [{ id: queued }] = await t.db.query(
      `INSERT INTO email_messages (idempotency_key, kind, to_address, template_id, template_version, status, created_at, next_attempt_at)
       VALUES ('test:v2', 'test', 'marketeer@studio.example.be', $1, 2, 'queued', $2, $2) RETURNING id`,
      [templateId, clock.now().toISOString()],
    );
    await t.app.get(EmailService).dispatch([queued]);
    expect(await settled(queued)).toMatchObject({ status: 'failed', status_reason: 'template_without_footer' });
    expect(sink.to('marketeer@studio.example.be')).toHaveLength(0);

    // Version 1 (a save, with the footer) is sent as before, to the same address.
    const [{ id: old }] = await t.db.query(
      `INSERT INTO email_messages (idempotency_key, kind, to_address, template_id, template_version, status, created_at, next_attempt_at)
       VALUES ('test:v1', 'test', 'marketeer@studio.example.be', $1, 1, 'queued', $2, $2) RETURNING id`,
      [templateId, clock.now().toISOString()],
    );
    await t.app.get(EmailService).dispatch([old]);
    expect(await settled(old)).toMatchObject({ status: 'sent', status_reason: null });
    expect(sink.to('marketeer@studio.example.be')).toHaveLength(1);
  });

  it('still previews, with the problem a send has with it named by its variant field', async () => {
    const templateId = await oldTemplate('Oud nieuws voorbeeld', true);
    const preview = await t.api('post', `/api/v1/templates/${templateId}/preview`).send({ data: { firstName: 'An' }, locale: 'nl' });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ version: 2, locale: 'nl', subject: 'Nieuws, An' });
    expect(preview.body.text).toContain('Hallo An, ons nieuws.');
    expect(preview.body.problems).toEqual([
      { field: 'variants.nl.mjml', message: expect.stringMatching(/^has no unsubscribe link for a lead of whom nothing is known/) },
      { field: 'variants.nl.mjml', message: expect.stringMatching(/^does not show the sender's postal address/) },
    ]);

    const fixed = await t.api('put', `/api/v1/templates/${templateId}`).send({ variants: { nl: WITH_FOOTER } });
    expect(fixed.status).toBe(200);
    const after = await t.api('post', `/api/v1/templates/${templateId}/preview`).send({ data: { firstName: 'An' }, locale: 'nl' });
    expect(after.body).toMatchObject({ version: 3, problems: [] });
  });
});
