import { loadTemplateLibrary } from '../src/email/domain/template-loader.js';
import { createLead, createTemplate, WELCOME_VARIANTS } from './support/email-fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** What a black-box probe of the template API found: each must be a clear 422 naming the field, quickly. */
describe('template validation over HTTP', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { EMAIL_RATE_PER_SECOND: '0' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const save = (name: string, mjml: string, subject = 'Bedankt') => t.api('post', '/api/v1/templates').send({ name, variants: { nl: { subject, mjml } } });
  const expectProblem = (res: { status: number; headers: Record<string, string>; body: any }, field: string, message: RegExp) => {
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.stringMatching(message) }]));
  };

  it('refuses 1,000 nested blocks at once, and the API stays responsive meanwhile', async () => {
    const mjml = `<mj-section><mj-column><mj-text>${'{{#if firstName}}'.repeat(1000)}x${'{{/if}}'.repeat(1000)}</mj-text></mj-column></mj-section>`;
    const [res, pixel] = await Promise.all([save('Diep', mjml), t.http().get('/t/o/not-a-token')]);
    expectProblem(res, 'variants.nl.mjml', /^line 1: blocks are nested more than 16 deep/);
    expect(pixel.status).toBeLessThan(500);
  });

  it('refuses a variant over 50,000 characters, naming it', async () => {
    const section = '<mj-section><mj-column><mj-text><p>Hallo {{firstName}}</p></mj-text></mj-column></mj-section>\n';
    const res = await save('Groot', section.repeat(Math.ceil(50_001 / section.length)));
    expectProblem(res, 'variants.nl.mjml', /50000 characters/);
  });

  it.each([
    ['a closing tag with a typo', '<mj-section><mj-column><mj-text><p>Bedankt voor je aanvraag.</p></mj-txt></mj-column></mj-section>', /^line 1: invalid MJML: <\/mj-txt> does not close <mj-text>/],
    ['a missing </mj-text>', '<mj-section>\n<mj-column>\n<mj-text><p>Bedankt</p>\n</mj-column>\n</mj-section>', /^line 4: invalid MJML: <\/mj-column> does not close <mj-text> \(line 3\)/],
    ['bare text', 'Bedankt voor je aanvraag.', /^line 1: invalid MJML: the text "Bedankt voor je aanvraag\." is outside any content element/],
    ['a section partial inside <mj-text>', '<mj-section>\n<mj-column>\n<mj-text>\n{{> button url="https://example.be" label="Kijk"}}\n</mj-text>\n</mj-column>\n</mj-section>', /^line 4: invalid MJML from the partial included here: <mj-section> cannot be inside <mj-text>/],
  ])('refuses MJML that would send an empty or broken body: %s', async (_, mjml, message) => {
    expectProblem(await save('Kapot', mjml), 'variants.nl.mjml', message);
  });

  it.each([
    ['{{formatDate}}', /^line 2: "formatDate" takes 1 to 2 arguments, not 0/],
    ['{{#ifEq intent}}x{{/ifEq}}', /^line 2: "ifEq" takes 2 arguments, not 1/],
    ['{{upper}}', /^line 2: "upper" takes 1 argument, not 0/],
    ['{{#each}}x{{/each}}', /^line 2: "each" takes 1 argument, not 0/],
  ])('names the line of a helper called with the wrong number of arguments: %s', async (expression, message) => {
    const res = await save('Helpers', `<mj-section><mj-column><mj-text>Hallo\n${expression}</mj-text></mj-column></mj-section>`);
    expectProblem(res, 'variants.nl.mjml', message);
  });

  it('refuses a blank name, on create and on update', async () => {
    const created = await t.api('post', '/api/v1/templates').send({ name: '   ', variants: WELCOME_VARIANTS });
    expectProblem(created, 'name', /blank/);
    const id = await createTemplate(t);
    const updated = await t.api('put', `/api/v1/templates/${id}`).send({ name: ' \t ', variants: WELCOME_VARIANTS });
    expectProblem(updated, 'name', /blank/);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM templates WHERE btrim(name) = ''`);
    expect(n).toBe(0);
  });

  it('refuses a test-send to an address the sender would refuse, and queues nothing', async () => {
    const id = await createTemplate(t);
    for (const to of ['a@[127.0.0.1]', '"a b"@example.be', 'a(comment)@example.be']) {
      const res = await t.api('post', `/api/v1/templates/${id}/test-send`).send({ to });
      expectProblem(res, 'to', /email address/);
    }
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM email_messages WHERE kind = 'test'`);
    expect(n).toBe(0);
    const ok = await t.api('post', `/api/v1/templates/${id}/test-send`).send({ to: ' marketing@studio-noord.example.be ' });
    expect(ok.status).toBe(202);
  });

  it('refuses a whole <mjml> document (no shared layout) without unsubscribe link and postal address, on create and on update, naming what is missing; accepts one with its own', async () => {
    const FOOTER = '<p>{{sender.name}} · {{sender.address}}<br /><a href="{{unsubscribeUrl}}">Uitschrijven</a></p>';
    const document = (footer: string) =>
      `<mjml>\n<mj-body>\n<mj-section><mj-column><mj-text><p>Hallo {{fallback firstName "daar"}}</p>${footer}</mj-text></mj-column></mj-section>\n</mj-body>\n</mjml>`;
    const created = await save('Zonder voet', document(''));
    expectProblem(created, 'variants.nl.mjml', /^has no unsubscribe link .*\{\{unsubscribeUrl\}\}/);
    expectProblem(created, 'variants.nl.mjml', /^does not show the sender's postal address .*\{\{sender\.address\}\}/);
    expect(created.body.errors).toHaveLength(2);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM templates WHERE name = 'Zonder voet'`);
    expect(n).toBe(0);

    const id = await createTemplate(t);
    const variants = { ...WELCOME_VARIANTS, en: { subject: 'Hi', mjml: document('<p><a href="{{unsubscribeUrl}}">Unsubscribe</a></p>') } };
    const updated = await t.api('put', `/api/v1/templates/${id}`).send({ variants });
    expectProblem(updated, 'variants.en.mjml', /^does not show the sender's postal address/);
    expect(updated.body.errors).toHaveLength(1);
    const [{ version }] = await t.db.query(`SELECT current_version AS version FROM templates WHERE id = $1`, [id]);
    expect(version).toBe(1);

    // With a footer of its own it is saved, and its preview shows the postal address and the unsubscribe link.
    const res = await save('Eigen voet', document(FOOTER));
    expect(res.status).toBe(201);
    const preview = await t.api('post', `/api/v1/templates/${res.body.id}/preview`).send({ data: {} });
    expect(preview.status).toBe(200);
    expect(preview.body.html).toContain('Example Street 1, 1000 Brussels, Belgium'); // the development sender address
    expect(preview.body.html).toMatch(/<a href="https?:\/\/[^"]+\/u\/preview">Uitschrijven<\/a>/);
  });

  it('previews a starter for a lead with blank first name and company without stray spaces', async () => {
    const library = await loadTemplateLibrary();
    const starter = library.starters['quote-followup'];
    const res = await t.api('post', '/api/v1/templates').send({ name: 'Offerte', variants: starter.variants, defaultLocale: 'fr' });
    expect(res.status).toBe(201);
    const leadId = await createLead(t, { email: 'blank@example.be', firstName: '   ', company: '  ', locale: 'fr' });
    const preview = await t.api('post', `/api/v1/templates/${res.body.id}/preview`).send({ leadId });
    expect(preview.status).toBe(200);
    expect(preview.body.subject).toBe('Votre offre : tout est-il clair ?');
    expect(preview.body.text).toMatch(/Bonjour,/);
    expect(preview.body.text).not.toMatch(/Bonjour\s+,|pour\s+\./);
  });
});
