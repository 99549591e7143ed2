import { ManualClock } from '../src/common/clock.js';
import { createLead, createTemplate, WELCOME_VARIANTS } from './support/email-fixtures.js';
import { SmtpSink } from './support/smtp-sink.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

describe('email templates over HTTP', () => {
  let t: TestApp;
  let sink: SmtpSink;
  const clock = new ManualClock('2026-03-02T10:00:00Z');

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({
      clock,
      env: { SMTP_URL: sink.url, EMAIL_RATE_PER_SECOND: '0', MAIL_FROM: 'Studio Noord <tips@studio-noord.example.be>', SENDER_ADDRESS: 'Kerkstraat 1, 2000 Antwerpen' },
    });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  describe('saving', () => {
    it('creates a template as version 1, with its variants compiled once and stored', async () => {
      const res = await t.api('post', '/api/v1/templates').send({ name: 'Welkom', variants: WELCOME_VARIANTS });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name: 'Welkom', version: 1, defaultLocale: 'nl', locales: ['en', 'nl'] });
      expect(res.body.variants.nl.subject).toBe(WELCOME_VARIANTS.nl.subject);

      const [stored] = await t.db.query(`SELECT compiled FROM template_versions WHERE template_id = $1 AND version = 1`, [res.body.id]);
      expect(Object.keys(stored.compiled).sort()).toEqual(['en', 'nl']);
      expect(stored.compiled.nl.html).toContain('Hallo {{fallback firstName "daar"}}');
      expect(stored.compiled.nl.html).not.toContain('<mj-');
      expect(stored.compiled.nl.html).toContain('Uitschrijven'); // the Dutch layout's footer
      expect(stored.compiled.en.html).toContain('Unsubscribe');
    });

    it("gives a variant the footer in its own language, else English, never the default locale's (Dutch)", async () => {
      const body = (greeting: string) => `<mj-section><mj-column><mj-text><p>${greeting} {{fallback firstName ""}}</p></mj-text></mj-column></mj-section>`;
      const res = await t.api('post', '/api/v1/templates').send({
        name: 'Talen',
        defaultLocale: 'nl',
        variants: { nl: { subject: 'Hallo', mjml: body('Hallo') }, de: { subject: 'Hallo', mjml: body('Guten Tag') }, 'de-AT': { subject: 'Servus', mjml: body('Servus') }, 'fr-BE': { subject: 'Bonjour', mjml: body('Bonjour') } },
      });
      expect(res.status).toBe(201);
      const [{ compiled }] = await t.db.query(`SELECT compiled FROM template_versions WHERE template_id = $1`, [res.body.id]);
      for (const locale of ['de', 'de-AT']) {
        expect(compiled[locale].html).toContain('You are receiving this email because you requested information from us.');
        expect(compiled[locale].html).toContain('Unsubscribe');
        expect(compiled[locale].html).not.toContain('Uitschrijven');
        expect(compiled[locale].html).toContain(`lang="${locale}"`); // the body's language
      }
      expect(compiled['fr-BE'].html).toContain('Se désinscrire');
      expect(compiled.nl.html).toContain('Uitschrijven');

      const preview = await t.api('post', `/api/v1/templates/${res.body.id}/preview`).send({ data: { firstName: 'Jonas' }, locale: 'de' });
      expect(preview.body).toMatchObject({ locale: 'de', subject: 'Hallo' });
      expect(preview.body.text).toContain('Guten Tag Jonas');
      expect(preview.body.text).toMatch(/Prefer not to hear from us\? Unsubscribe/);
    });

    it('saves every change as a new immutable version and lists the versions', async () => {
      const id = await createTemplate(t);
      const changed = { ...WELCOME_VARIANTS, nl: { ...WELCOME_VARIANTS.nl, subject: 'Je gids staat klaar' } };
      const put = await t.api('put', `/api/v1/templates/${id}`).send({ variants: changed });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ id, version: 2, name: 'Welkom na download' });
      expect(put.body.variants.nl.subject).toBe('Je gids staat klaar');
      expect(put.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);

      const v1 = await t.api('get', `/api/v1/templates/${id}/versions/1`);
      expect(v1.status).toBe(200);
      expect(v1.body.variants.nl.subject).toBe(WELCOME_VARIANTS.nl.subject);
    });

    it('lists templates a page at a time', async () => {
      for (let i = 0; i < 3; i++) await createTemplate(t, WELCOME_VARIANTS, `Lijst ${i}`);
      const first = await t.api('get', '/api/v1/templates?limit=2');
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(2);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await t.api('get', `/api/v1/templates?limit=2&cursor=${first.body.nextCursor}`);
      const ids = [...first.body.items, ...second.body.items].map((i: { id: string }) => i.id);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('refuses invalid MJML with 422, naming the variant field and the line', async () => {
      const mjml = '<mj-section>\n  <mj-column>\n    <mj-txt>Hallo</mj-txt>\n  </mj-column>\n</mj-section>';
      const res = await t.api('post', '/api/v1/templates').send({ name: 'Kapot', variants: { nl: { subject: 'Hoi', mjml } } });
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.errors).toEqual(expect.arrayContaining([{ field: 'variants.nl.mjml', message: expect.stringMatching(/^line 3: invalid MJML/) }]));
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM templates WHERE name = 'Kapot'`);
      expect(n).toBe(0);
    });

    it('refuses broken Handlebars with 422 naming the line, in the subject too', async () => {
      const mjml = '<mj-section>\n  <mj-column>\n    <mj-text>{{#if firstName}}Hallo</mj-text>\n  </mj-column>\n</mj-section>';
      const res = await t.api('post', '/api/v1/templates').send({ name: 'Kapot', variants: { en: { subject: 'Hi {{firstName', mjml } } });
      expect(res.status).toBe(422);
      const fields = res.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['variants.en.subject', 'variants.en.mjml']));
      expect(res.body.errors.find((e: { field: string }) => e.field === 'variants.en.mjml').message).toMatch(/^line 3: /);
    });

    it('reports a variable a send cannot fill when the template is saved', async () => {
      const mjml = WELCOME_VARIANTS.nl.mjml.replace('{{fallback firstName "daar"}}', '{{fallback voornaam "daar"}}');
      const res = await t.api('post', '/api/v1/templates').send({ name: 'Typo', variants: { nl: { subject: 'Hoi', mjml } } });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([{ field: 'variants.nl.mjml', message: expect.stringMatching(/^line 4: unknown variable "voornaam"/) }]);
    });

    it('names bad variant fields and a default locale without a variant', async () => {
      const bad = await t.api('post', '/api/v1/templates').send({ name: 'X', variants: { dutch: { subject: 'a', mjml: 'b' }, en: { subject: '', mjml: 'x', extra: 1 } } });
      expect(bad.status).toBe(422);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['variants.dutch', 'variants.en.extra', 'variants.en.subject']);
      const noDefault = await t.api('post', '/api/v1/templates').send({ name: 'X', defaultLocale: 'fr', variants: WELCOME_VARIANTS });
      expect(noDefault.status).toBe(422);
      expect(noDefault.body.errors[0].field).toBe('defaultLocale');
    });

    it('is for marketers: a sales key gets 403, an unknown id 404', async () => {
      const key = (await t.api('post', '/api/v1/api-keys').send({ name: 'sales', role: 'sales' })).body.key;
      expect((await t.api('get', '/api/v1/templates', key)).status).toBe(403);
      expect((await t.api('get', '/api/v1/templates/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    });
  });

  describe('preview', () => {
    let id: string;
    beforeAll(async () => {
      id = await createTemplate(t);
    });

    it("renders for a lead, in the lead's language, with their data", async () => {
      const leadId = await createLead(t, { email: 'preview-en@example.be', firstName: 'Emma', locale: 'en-GB' });
      const res = await t.api('post', `/api/v1/templates/${id}/preview`).send({ leadId });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ subject: 'Thanks for downloading, Emma', locale: 'en', version: 1 });
      expect(res.body.html).toContain('Hello Emma,');
      expect(res.body.text).toContain('Hello Emma,');
      expect(res.body.html).toContain('href="https://studio-noord.example.be/en/guide"'); // previews track nothing
    });

    it("renders a lead's intent blocks: the highest tier of its recent human behaviour", async () => {
      const intentTemplate = await createTemplate(t, {
        nl: { subject: 'Intentie', mjml: '<mj-section><mj-column><mj-text>{{#ifEq intent "high"}}Bel ons{{else}}Lees verder ({{intent}}){{/ifEq}}</mj-text></mj-column></mj-section>' },
      }, 'Intentie');
      const leadId = await createLead(t, { email: 'preview-intent@example.be' });
      const preview = async () => (await t.api('post', `/api/v1/templates/${intentTemplate}/preview`).send({ leadId })).body.html as string;
      expect(await preview()).toContain('Lees verder (low)');
      await t.db.query(`INSERT INTO events (lead_id, type, occurred_at, properties) VALUES ($1, 'meeting_booked', $2, '{}')`, [leadId, clock.now()]);
      expect(await preview()).toContain('Bel ons');
    });

    it('renders sample data in the locale asked for, with fallbacks for what is missing', async () => {
      const res = await t.api('post', `/api/v1/templates/${id}/preview`).send({ data: { company: 'Bakkerij Peeters' }, locale: 'nl' });
      expect(res.status).toBe(200);
      expect(res.body.subject).toBe('Bedankt voor je download');
      expect(res.body.html).toContain('Hallo daar,');
      expect(res.body.html).toContain('https://studio-noord.example.be/cases/algemeen');
      expect(res.body.html).toContain('Kerkstraat 1, 2000 Antwerpen');
    });

    it("falls back to the template's default locale for a language it does not have", async () => {
      const res = await t.api('post', `/api/v1/templates/${id}/preview`).send({ data: { firstName: 'Jonas' }, locale: 'de' });
      expect(res.body).toMatchObject({ locale: 'nl', subject: 'Bedankt voor je download, Jonas' });
    });

    it('asks for either a lead or data', async () => {
      const res = await t.api('post', `/api/v1/templates/${id}/preview`).send({});
      expect(res.status).toBe(422);
      expect(res.body.errors[0].field).toBe('leadId');
    });
  });

  it('is described in the OpenAPI document', async () => {
    const res = await t.http().get('/docs-json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/templates', '/api/v1/templates/{id}', '/api/v1/templates/{id}/preview', '/api/v1/templates/{id}/test-send', '/api/v1/email/stats']),
    );
    expect(Object.keys(res.body.paths).some((p) => p.startsWith('/dev/'))).toBe(false);
  });

  it('test-sends a real email of the current version, personalised with sample data', async () => {
    const id = await createTemplate(t);
    const res = await t.api('post', `/api/v1/templates/${id}/test-send`).send({ to: 'marketing@studio-noord.example.be', locale: 'en' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ messageId: expect.any(String), status: 'queued' });
    const mail = await eventually(async () => sink.to('marketing@studio-noord.example.be')[0], 20_000);
    expect(mail.parsed.subject).toBe('Thanks for downloading, An');
    expect(mail.parsed.html).toContain('Hello An,');
    // The sink has the email; the worker records 'sent' right after the SMTP reply.
    const row = await eventually(async () => {
      const [r] = await t.db.query(`SELECT kind, status, lead_id FROM email_messages WHERE id = $1`, [res.body.messageId]);
      return r.status === 'sent' ? r : null;
    });
    expect(row).toEqual({ kind: 'test', status: 'sent', lead_id: null });
  });
});
