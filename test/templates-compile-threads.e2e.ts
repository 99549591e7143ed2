import { jest } from '@jest/globals';
import { once } from 'node:events';
import { MAX_MJML_CHARS } from '../src/email/domain/template-limits.js';
import { loadTemplateLibrary } from '../src/email/domain/template-loader.js';
import { TemplateCompilePool } from '../src/email/template-compile-pool.js';
import { createTemplate, WELCOME_VARIANTS } from './support/email-fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const templateCount = async (t: TestApp, name: string) => (await t.db.query(`SELECT count(*)::int AS n FROM templates WHERE name = $1`, [name]))[0].n as number;

describe('saving templates compiles in worker threads of the API', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('compiles a save in a thread, answers 503 with Retry-After (not 422) when that thread dies, saves again after, and stops its threads on shutdown', async () => {
    t = await startTestApp({ role: 'api', env: { TEMPLATE_COMPILE_THREADS: '1' } });
    const pool = t.app.get(TemplateCompilePool);
    expect(pool.runningThreads()).toEqual([]); // started by the first compile, not with the app

    const id = await createTemplate(t);
    const [thread] = pool.runningThreads();
    expect(pool.runningThreads()).toHaveLength(1);
    const preview = await t.api('post', `/api/v1/templates/${id}/preview`).send({ data: { firstName: 'An' }, locale: 'nl' });
    expect(preview.status).toBe(200);
    expect(preview.body.html).toContain('Hallo An');

    // The thread dies while it compiles the next save (as if MJML crashed it): not the author's fault.
    const run = pool.run.bind(pool);
    jest.spyOn(pool, 'run').mockImplementationOnce((request) => {
      const outcome = run(request);
      setImmediate(() => void thread.terminate());
      return outcome;
    });
    const failed = await t.api('post', '/api/v1/templates').send({ name: 'Tijdens een crash', variants: { nl: WELCOME_VARIANTS.nl } });
    expect(failed.status).toBe(503);
    expect(failed.headers['retry-after']).toBeDefined();
    expect(failed.headers['content-type']).toContain('application/problem+json');
    expect(failed.body).toMatchObject({ type: 'urn:nurture:problem:try_again', detail: expect.stringContaining('Try again') });
    expect(await templateCount(t, 'Tijdens een crash')).toBe(0);

    const again = await t.api('post', '/api/v1/templates').send({ name: 'Na de crash', variants: { nl: WELCOME_VARIANTS.nl } });
    expect(again.status).toBe(201);
    const bad = await t.api('post', '/api/v1/templates').send({
      name: 'Kapot',
      variants: { nl: { subject: 'Hoi', mjml: '<mj-section>\n  <mj-column>\n    <mj-txt>Hallo</mj-txt>\n  </mj-column>\n</mj-section>' } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual(expect.arrayContaining([{ field: 'variants.nl.mjml', message: expect.stringMatching(/^line 3: invalid MJML/) }]));

    const [replacement] = pool.runningThreads();
    expect(replacement).not.toBe(thread);
    const exited = once(replacement, 'exit');
    const app = t;
    t = undefined;
    await app.close();
    await exited;
    expect(pool.runningThreads()).toEqual([]);
  }, 60_000);

  it('refuses with 422 a template whose partials inline past the limit, at once and on every retry, keeping the compile thread; the starters save', async () => {
    t = await startTestApp({ role: 'api' });
    const pool = t.app.get(TemplateCompilePool);
    await createTemplate(t, { nl: WELCOME_VARIANTS.nl }, 'Eerst');
    const [thread] = pool.runningThreads();

    // Within the size limit, but each line inlines a partial: 1.8 million characters of MJML, 9.6 MB of HTML and
    // about 33 s of compiling, which used to end in 503 try_again from the heap limit or the timeout every time.
    const hostile = '{{>proof}}\n'.repeat(Math.floor(MAX_MJML_CHARS / '{{>proof}}\n'.length));
    for (let attempt = 0; attempt < 2; attempt++) {
      const started = Date.now();
      const refused = await t.api('post', '/api/v1/templates').send({ name: 'Te zwaar', variants: { nl: { subject: 'Hoi', mjml: hostile } } });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(refused.status).toBe(422);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.headers['retry-after']).toBeUndefined();
      expect(refused.body.errors).toEqual([
        {
          field: 'variants.nl.mjml',
          message: expect.stringMatching(/^line \d{3}: with its partials and the layout inlined this MJML grows past the limit of 100,000 characters here, at \{\{> proof\}\} .*include fewer partials/),
        },
      ]);
      expect(refused.body.detail).toMatch(/^variants\.nl\.mjml line \d{3}: /);
    }
    expect(await templateCount(t, 'Te zwaar')).toBe(0);
    expect(pool.runningThreads()).toEqual([thread]); // nothing crashed or was replaced

    const library = await loadTemplateLibrary();
    for (const starter of Object.values(library.starters)) {
      const saved = await t.api('post', '/api/v1/templates').send({ name: `Starter ${starter.name}`, variants: starter.variants });
      expect(saved.status).toBe(201);
      expect(saved.body.locales).toEqual(Object.keys(starter.variants).sort());
    }
    expect(pool.runningThreads()).toEqual([thread]);
  }, 60_000);
});
