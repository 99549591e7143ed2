import type { Response } from 'supertest';
import { ManualClock } from '../src/common/clock.js';
import type { CompiledTemplate, TemplateVariant } from '../src/email/domain/template-compiler.js';
import { EmailService } from '../src/email/email.service.js';
import { TemplateCompilerService } from '../src/email/template-compiler.service.js';
import { SmtpSink } from './support/smtp-sink.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

const section = (content: string) => `<mj-section><mj-column><mj-text>${content}</mj-text></mj-column></mj-section>`;
/**
 * Sections in the shared layout, whose footer has the unsubscribe link and the postal address: sendable. MARKER is
 * where a version written straight to the database puts Handlebars that fails (see FAILS_FOR_SAMPLE_LEAD).
 */
const GOOD: Record<string, TemplateVariant> = {
  nl: { subject: 'Nieuws, {{fallback firstName "daar"}}', mjml: section('<p>Hallo {{fallback firstName "daar"}}, ons nieuws. MARKER</p>') },
  en: { subject: 'News, {{fallback firstName "there"}}', mjml: section('<p>Hello {{fallback firstName "there"}}, our news.</p>') },
};
/** A whole <mjml> document without the footer, as saves took it before they checked the footer. */
const WITHOUT_FOOTER: TemplateVariant = {
  subject: 'News without a footer',
  mjml: `<mjml>\n<mj-body>\n${section('Hello {{fallback firstName "there"}}, our news.')}\n</mj-body>\n</mjml>`,
};
/**
 * Handlebars that renders without data (as the save's trial render and the footer check's lead of whom nothing is
 * known do) and throws for a lead with a first name, as the sample lead of a test send has: `{{#each}}` without a list.
 * Saves refuse it (each takes a list), so it reaches a version only written straight to the database.
 */
const FAILS_FOR_SAMPLE_LEAD = '{{#if firstName}}{{#each}}x{{/each}}{{/if}}';

describe('a test send that cannot go out', () => {
  let t: TestApp;
  let sink: SmtpSink;
  const clock = new ManualClock('2026-03-02T10:00:00Z');

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ clock, env: { SMTP_URL: sink.url, EMAIL_RATE_PER_SECOND: '0' } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  /** A template saved through the API (version 1, sendable), then given a version 2 written straight to the database. */
  async function withStoredVersion(name: string, version2: (v1: Record<string, CompiledTemplate>) => Promise<{ variants: object; compiled: object }>) {
    const res = await t.api('post', '/api/v1/templates').send({ name, defaultLocale: 'nl', variants: GOOD });
    expect(res.status).toBe(201);
    const [{ compiled }] = await t.db.query(`SELECT compiled FROM template_versions WHERE template_id = $1 AND version = 1`, [res.body.id]);
    const { variants, compiled: compiled2 } = await version2(compiled);
    await t.db.query(
      `INSERT INTO template_versions (template_id, version, variants, compiled, default_locale, created_at, created_by)
       VALUES ($1, 2, $2::jsonb, $3::jsonb, 'nl', $4, 'old-install')`,
      [res.body.id, JSON.stringify(variants), JSON.stringify(compiled2), clock.now().toISOString()],
    );
    await t.db.query(`UPDATE templates SET current_version = 2 WHERE id = $1`, [res.body.id]);
    return res.body.id as string;
  }

  const messagesOf = async (templateId: string) =>
    t.db.query(`SELECT id, status, status_reason, last_error, template_version FROM email_messages WHERE template_id = $1 ORDER BY created_at`, [templateId]);
  const settled = (id: string) =>
    eventually(async () => {
      const [m] = await t.db.query(`SELECT status, status_reason, last_error FROM email_messages WHERE id = $1`, [id]);
      return ['sent', 'failed'].includes(m?.status) && m;
    }, 15_000);
  const expectProblem = (res: Response, field: string) => {
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
    expect(res.body.errors.every((e: { field: string }) => e.field === field)).toBe(true);
  };

  it('answers 422 at once when the variant lacks the footer, naming variants.<locale>.mjml, and queues nothing; the variant with the footer is sent', async () => {
    const templateId = await withStoredVersion('Footer-less English', async (v1) => ({
      variants: { nl: GOOD.nl, en: WITHOUT_FOOTER },
      compiled: { nl: v1.nl, en: await t.app.get(TemplateCompilerService).compileVariant('en', WITHOUT_FOOTER) },
    }));

    const refused = await t.api('post', `/api/v1/templates/${templateId}/test-send`).send({ to: 'footerless@studio.example.be', locale: 'en-GB' });
    expectProblem(refused, 'variants.en.mjml');
    expect(refused.body.reason).toBe('template_without_footer');
    expect(refused.body.errors[0].message).toMatch(new RegExp(`^template ${templateId} version 2 \\(en\\) is not sent: .*has no unsubscribe link.*Publish a new version`));
    expect(await messagesOf(templateId)).toEqual([]);

    // The default (nl) variant of the same version has the layout's footer: queued and delivered as before.
    const sent = await t.api('post', `/api/v1/templates/${templateId}/test-send`).send({ to: 'footered@studio.example.be' });
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({ messageId: expect.any(String), status: 'queued' });
    expect(await settled(sent.body.messageId)).toMatchObject({ status: 'sent' });
    const mail = await eventually(async () => sink.to('footered@studio.example.be')[0]);
    expect(mail.parsed.subject).toBe('Nieuws, An');
    expect(await messagesOf(templateId)).toEqual([expect.objectContaining({ id: sent.body.messageId, template_version: 2 })]);
    expect(sink.to('footerless@studio.example.be')).toHaveLength(0);
  });

  it('answers 422 at once when the variant fails to render for the sample lead, naming the variant field, and queues nothing', async () => {
    const templateId = await withStoredVersion('Fails for a known lead', async (v1) => {
      const broken = (source: string | null) => source && source.split('MARKER').join(FAILS_FOR_SAMPLE_LEAD);
      expect(v1.nl.html).toContain('MARKER');
      return {
        variants: { ...GOOD, nl: { ...GOOD.nl, mjml: broken(GOOD.nl.mjml) } },
        compiled: { ...v1, nl: { ...v1.nl, html: broken(v1.nl.html), text: broken(v1.nl.text) } },
      };
    });

    const refused = await t.api('post', `/api/v1/templates/${templateId}/test-send`).send({ to: 'broken@studio.example.be' });
    expectProblem(refused, 'variants.nl.mjml');
    expect(refused.body.errors[0].message).toMatch(/^the template could not be rendered: .*each/);
    expect(refused.body.reason).toBe('render_failed'); // as the message would have failed: a client can tell it from a missing footer
    expect(await messagesOf(templateId)).toEqual([]);
    // A preview with such data names the same field.
    const preview = await t.api('post', `/api/v1/templates/${templateId}/preview`).send({ data: { firstName: 'An' }, locale: 'nl' });
    expectProblem(preview, 'variants.nl.mjml');

    // The English variant of the same version renders: sent.
    const sent = await t.api('post', `/api/v1/templates/${templateId}/test-send`).send({ to: 'english@studio.example.be', locale: 'en' });
    expect(sent.status).toBe(202);
    expect(await settled(sent.body.messageId)).toMatchObject({ status: 'sent' });

    // A message of that version queued anyway (as one queued before the version was current would be) still fails in the worker, naming the field.
    const [{ id: queued }] = await t.db.query(
      `INSERT INTO email_messages (idempotency_key, kind, to_address, template_id, template_version, status, created_at, next_attempt_at)
       VALUES ('test:queued-anyway', 'test', 'broken@studio.example.be', $1, 2, 'queued', $2, $2) RETURNING id`,
      [templateId, clock.now().toISOString()],
    );
    await t.app.get(EmailService).dispatch([queued]);
    const failed = await settled(queued);
    expect(failed).toMatchObject({ status: 'failed', status_reason: 'render_failed' });
    expect(failed.last_error).toMatch(/^variants\.nl\.mjml: the template could not be rendered/);
    expect(sink.to('broken@studio.example.be')).toHaveLength(0);
  });

  it('queues a test send of a good template (202) and the worker delivers it, personalised for the sample lead at that address', async () => {
    const res = await t.api('post', '/api/v1/templates').send({ name: 'Good', defaultLocale: 'nl', variants: GOOD });
    const sent = await t.api('post', `/api/v1/templates/${res.body.id}/test-send`).send({ to: ' good@studio.example.be ', locale: 'en' });
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({ messageId: expect.any(String), status: 'queued' });
    const mail = await eventually(async () => sink.to('good@studio.example.be')[0], 15_000);
    expect(mail.parsed.subject).toBe('News, An');
    expect(mail.parsed.text).toContain('Hello An, our news.');
    expect(await settled(sent.body.messageId)).toMatchObject({ status: 'sent', status_reason: null });
    expect(await messagesOf(res.body.id)).toEqual([expect.objectContaining({ id: sent.body.messageId, template_version: 1 })]);
  });
});
