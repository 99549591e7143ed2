import { once } from 'node:events';
import { loadConfig } from '../config/app-config.js';
import { compactHtml } from './domain/compact-html.js';
import { compileTemplate, MJML_OPTIONS, type TemplateVariant } from './domain/template-compiler.js';
import { TemplateError } from './domain/template-error.js';
import { MAX_MJML_CHARS } from './domain/template-limits.js';
import { loadTemplateLibrary, type TemplateLibrary } from './domain/template-loader.js';
import { MjmlWorkerError, MjmlWorkerPool } from './mjml-worker-pool.js';
import { TemplateCompilerService } from './template-compiler.service.js';

// Real worker threads running the real mjml-worker.mjs: nothing here is a stand-in.

function section(content: string): string {
  return `<mj-section>\n  <mj-column>\n    <mj-text>${content}</mj-text>\n  </mj-column>\n</mj-section>\n`;
}

/** As much MJML as a variant may hold, in many small sections (the most work for MJML per character). */
function atTheLimit(): string {
  let mjml = '';
  for (let i = 1; mjml.length + section(`Hallo {{firstName}} ${i}`).length <= MAX_MJML_CHARS; i++) mjml += section(`Hallo {{firstName}} ${i}`);
  return mjml;
}

const document = (body: string) => `<mjml>\n<mj-body>\n${body}</mj-body>\n</mjml>`;
const SMALL = document(section('Hallo'));
const LARGE = document(atTheLimit().replaceAll('{{firstName}}', 'An'));

/** Resolves once the event loop has gone round once more (after the callbacks already due). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

let library: TemplateLibrary;
beforeAll(async () => {
  library = await loadTemplateLibrary();
});

describe('TemplateCompilerService with MJML in worker threads', () => {
  let pool: MjmlWorkerPool;
  let compiler: TemplateCompilerService;
  beforeAll(() => {
    pool = new MjmlWorkerPool({ threads: 1 });
    compiler = new TemplateCompilerService(loadConfig({}), pool);
  });
  afterAll(() => pool.close());

  it('compiles every starter to the same email as MJML in the calling thread', async () => {
    for (const starter of Object.values(library.starters)) {
      for (const [locale, variant] of Object.entries(starter.variants)) {
        const here = await compileTemplate(variant, { layout: library.layouts[locale], partials: library.partials });
        expect(await compiler.compileVariant(locale, variant)).toEqual({ ...here, html: compactHtml(here.html) });
      }
    }
    expect(pool.runningThreads()).toHaveLength(1);
  }, 60_000);

  it("reports MJML's problems as a TemplateError naming the author's lines, as in the calling thread", async () => {
    const variant: TemplateVariant = {
      subject: 'Hallo',
      mjml: '<mj-section>\n  <mj-column>\n    <mj-text colour="red">a</mj-text>\n    <mj-buton>b</mj-buton>\n  </mj-column>\n</mj-section>\n',
    };
    const inThread = await compiler.compileVariant('nl', variant).catch((err: unknown) => err);
    const here = await compileTemplate(variant, { layout: library.layouts.nl, partials: library.partials, fieldPrefix: 'variants.nl' }).catch((err: unknown) => err);
    expect(inThread).toBeInstanceOf(TemplateError);
    expect((inThread as TemplateError).problems.map((p) => [p.field, p.line])).toEqual([
      ['variants.nl.mjml', 3],
      ['variants.nl.mjml', 4],
    ]);
    expect((inThread as TemplateError).problems).toEqual((here as TemplateError).problems);
  });

  it('keeps the event loop turning while a template at the size limit compiles', async () => {
    const variant = { subject: 'Hallo {{firstName}}', mjml: atTheLimit() };
    expect(variant.mjml.length).toBeGreaterThan(MAX_MJML_CHARS - 200);
    await compiler.compileVariant('nl', variant); // the thread started, MJML loaded
    let turns = 0;
    let compiling = true;
    const turn = () => {
      turns++;
      if (compiling) setImmediate(turn);
    };
    setImmediate(turn);
    const compiled = await compiler.compileVariant('nl', variant).finally(() => (compiling = false));
    expect(compiled.html).toContain('Hallo {{firstName}} 1<');
    // In the calling thread MJML holds the loop for its whole run: the loop goes round only between the
    // compiler's steps, a handful of times. In a worker thread it goes round all through MJML's run.
    expect(turns).toBeGreaterThan(100);
  }, 60_000);
});

describe('MjmlWorkerPool', () => {
  const pools: MjmlWorkerPool[] = [];
  const newPool = (threads = 1, timeoutMs?: number) => {
    const pool = new MjmlWorkerPool({ threads, timeoutMs });
    pools.push(pool);
    return pool;
  };
  afterAll(() => Promise.all(pools.map((p) => p.close())));

  it('answers while MJML runs: a callback scheduled after the document was sent runs before its HTML comes back', async () => {
    const pool = newPool();
    await pool.run(SMALL, MJML_OPTIONS); // the thread started, MJML loaded
    const order: string[] = [];
    const compiled = pool.run(LARGE, MJML_OPTIONS).then((outcome) => {
      order.push('html');
      return outcome;
    });
    setImmediate(() => order.push('next turn of the event loop'));
    expect(await compiled).toEqual({ html: expect.stringContaining('Hallo An 1<') });
    expect(order).toEqual(['next turn of the event loop', 'html']);
  }, 30_000);

  it('runs one document at a time per thread, and the others in turn, each getting its own HTML', async () => {
    const one = newPool(1);
    const outcomes = await Promise.all(['Een', 'Twee', 'Drie'].map((word) => one.run(document(section(word)), MJML_OPTIONS)));
    expect(outcomes.map((o) => ('html' in o ? /Een|Twee|Drie/.exec(o.html)?.[0] : o))).toEqual(['Een', 'Twee', 'Drie']);
    expect(one.runningThreads()).toHaveLength(1);

    const two = newPool(2);
    const running = ['Een', 'Twee', 'Drie'].map((word) => two.run(document(section(word)), MJML_OPTIONS));
    expect(two.runningThreads()).toHaveLength(2);
    await Promise.all(running);
  }, 30_000);

  it("answers MJML's refusal as an outcome, with MJML's lines", async () => {
    const pool = newPool();
    const outcome = await pool.run(document('<mj-section>\n<mj-column>\n<mj-txt>Hallo</mj-txt>\n</mj-column>\n</mj-section>\n'), MJML_OPTIONS);
    expect(outcome).toEqual({ failure: { message: expect.any(String), errors: [{ line: 5, message: expect.stringMatching(/mj-txt/) }] } });
  });

  it('fails the document of a thread that dies while compiling, and compiles the next one on a new thread', async () => {
    const pool = newPool();
    await pool.run(SMALL, MJML_OPTIONS);
    const [dying] = pool.runningThreads();
    const lost = pool.run(LARGE, MJML_OPTIONS).catch((err: unknown) => err);
    await nextTurn();
    await dying.terminate();
    const err = await lost;
    expect(err).toBeInstanceOf(MjmlWorkerError);
    expect((err as Error).message).toMatch(/the MJML thread exited \(code 1\) before it finished/);
    expect(pool.runningThreads()).toEqual([]);

    expect(await pool.run(SMALL, MJML_OPTIONS)).toEqual({ html: expect.stringContaining('Hallo') });
    expect(pool.runningThreads()).toHaveLength(1);
    expect(pool.runningThreads()[0]).not.toBe(dying);
  }, 30_000);

  it('stops a thread that takes longer than the timeout, failing its document', async () => {
    const pool = newPool(1, 1);
    const err = await pool.run(SMALL, MJML_OPTIONS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MjmlWorkerError);
    expect((err as Error).message).toMatch(/MJML took longer than 1 ms; its thread was stopped/);
    expect(pool.runningThreads()).toEqual([]);
  }, 30_000);

  it('on shutdown stops every thread and fails the documents still waiting; later ones are refused', async () => {
    const pool = newPool(1);
    await pool.run(SMALL, MJML_OPTIONS);
    const [thread] = pool.runningThreads();
    const exited = once(thread, 'exit');
    const running = pool.run(LARGE, MJML_OPTIONS).catch((err: unknown) => err);
    const waiting = pool.run(SMALL, MJML_OPTIONS).catch((err: unknown) => err);
    await pool.close();
    await exited;
    expect(pool.runningThreads()).toEqual([]);
    for (const err of [await running, await waiting, await pool.run(SMALL, MJML_OPTIONS).catch((e: unknown) => e)]) {
      expect(err).toBeInstanceOf(MjmlWorkerError);
      expect((err as Error).message).toBe('template compiling has shut down');
    }
  }, 30_000);
});
