import { jest } from '@jest/globals';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { compactHtml } from './domain/compact-html.js';
import type { CompileRequest } from './domain/compile-variants.js';
import { compileTemplate, type TemplateVariant } from './domain/template-compiler.js';
import { TemplateError } from './domain/template-error.js';
import { MAX_MJML_CHARS } from './domain/template-limits.js';
import { loadTemplateLibrary, type TemplateLibrary } from './domain/template-loader.js';
import { TemplateCompilePool, TemplateCompileThreadError } from './template-compile-pool.js';
import { TemplateCompilerService } from './template-compiler.service.js';

// Real worker threads running the real template-compile-thread.mjs: nothing here is a stand-in.

function section(content: string): string {
  return `<mj-section>\n  <mj-column>\n    <mj-text>${content}</mj-text>\n  </mj-column>\n</mj-section>\n`;
}

/** As much MJML as a variant may hold, in many small sections (the most work per character). */
function atTheLimit(): string {
  let mjml = '';
  for (let i = 1; mjml.length + section(`Hallo {{firstName}} ${i}`).length <= MAX_MJML_CHARS; i++) mjml += section(`Hallo {{firstName}} ${i}`);
  return mjml;
}

/** Within the size limit, but every line includes a partial: 1.8 million characters of MJML once they are inlined (refused). */
function partialsAtTheLimit(): string {
  return '{{>proof}}\n'.repeat(Math.floor(MAX_MJML_CHARS / '{{>proof}}\n'.length));
}

let library: TemplateLibrary;
beforeAll(async () => {
  library = await loadTemplateLibrary();
});

const request = (variants: Record<string, string>, save = true): CompileRequest => ({
  variants: Object.entries(variants).map(([locale, mjml]) => ({ locale, subject: 'Hallo', mjml, layout: library.layouts.nl })),
  partials: library.partials,
  save,
});
const SMALL = () => request({ nl: section('Hallo') });
const LARGE = () => request({ nl: atTheLimit().replaceAll('{{firstName}}', 'An') });

/** Resolves once the event loop has gone round once more (after the callbacks already due). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TemplateCompilerService with compiling in worker threads', () => {
  let pool: TemplateCompilePool;
  let compiler: TemplateCompilerService;
  beforeAll(() => {
    pool = new TemplateCompilePool({ threads: 1 });
    compiler = new TemplateCompilerService(pool);
  });
  afterAll(() => pool.close());

  it('compiles every starter to the same email as compiling in the calling thread', async () => {
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

  it("lists every variant's problems in the variants' order: the limits, Handlebars, unknown variables and MJML", async () => {
    const err = await compiler
      .compileVariants({
        nl: { subject: 'Hallo {{voornaam}}', mjml: section('Hoi') },
        en: { subject: 'Hello', mjml: 'x'.repeat(MAX_MJML_CHARS + 1) },
        fr: { subject: 'Bonjour', mjml: '<mj-section>\n  <mj-column>\n    <mj-txt>a</mj-txt>\n  </mj-column>\n</mj-section>' },
        de: { subject: 'Hallo {{#if firstName}}', mjml: section('Hallo') },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as TemplateError).problems.map((p) => [p.field, p.line])).toEqual([
      ['variants.nl.subject', 1],
      ['variants.en.mjml', null],
      ['variants.fr.mjml', 3],
      ['variants.de.subject', 1],
    ]);
  });

  it("stores a German variant's English footer marked lang=\"en\", and a Dutch variant's Dutch footer as it is", async () => {
    const compiled = await compiler.compileVariants({ de: { subject: 'Hallo', mjml: section('Hallo') }, nl: { subject: 'Hallo', mjml: section('Hallo') } });
    expect(compiled.de.html).toMatch(/<div lang="en">\s*You are receiving this email/);
    expect(compiled.nl.html).toMatch(/<div\s+style="[^"]*"\s*>\s*Je ontvangt deze e-mail/);
    expect(compiled.nl.html).not.toContain('lang="en"');
  });

  it('refuses a variant whose partials expand past the limit on the loop, in a few ms, without sending it to a thread', async () => {
    const run = jest.spyOn(pool, 'run');
    try {
      const err = await compiler.compileVariants({ nl: { subject: 'Hallo', mjml: partialsAtTheLimit() }, en: { subject: 'Hello', mjml: section('Hello') } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TemplateError);
      expect((err as TemplateError).problems).toEqual([
        { field: 'variants.nl.mjml', line: expect.any(Number), message: expect.stringContaining('grows past the limit of 100,000 characters here, at {{> proof}}') },
      ]);
      // Only the other variant went to the thread (for its own problems, if any).
      expect(run.mock.calls.map(([request]) => request.variants.map((v) => v.locale))).toEqual([['en']]);
    } finally {
      run.mockRestore();
    }
  });

  it('sends a whole save to its thread in one message, and holds the event loop only for bookkeeping', async () => {
    const variants = { nl: { subject: 'Hallo {{firstName}}', mjml: atTheLimit() }, en: { subject: 'Hello {{firstName}}', mjml: atTheLimit() } };
    expect(variants.nl.mjml.length).toBeGreaterThan(MAX_MJML_CHARS - 200);
    await compiler.compileVariants(variants); // the thread started, MJML loaded and warm
    const run = jest.spyOn(pool, 'run');
    try {
      const busy: number[] = []; // the share of each save's time that the event loop was busy
      for (let i = 0; i < 3; i++) {
        const elu = performance.eventLoopUtilization();
        const compiled = await compiler.compileVariants(variants);
        busy.push(performance.eventLoopUtilization(elu).utilization);
        expect(compiled.nl.html).toContain('Hallo {{firstName}} 1<');
        expect(compiled.en.text).toContain('Hallo {{firstName}} 1');
      }
      expect(run).toHaveBeenCalledTimes(3);
      // On the loop: the size, nesting and expansion limits and the answer, a few ms of a save taking seconds. With the
      // Handlebars checks, the text part and the trial render on it (MJML alone in a thread), about half the save.
      expect(Math.min(...busy)).toBeLessThan(0.2);
    } finally {
      run.mockRestore();
    }
  }, 60_000);
});

describe('TemplateCompilePool', () => {
  const pools: TemplateCompilePool[] = [];
  const newPool = (options: { threads?: number; timeoutMs?: number; memoryMb?: number; entry?: URL } = {}) => {
    const pool = new TemplateCompilePool({ threads: 1, ...options });
    pools.push(pool);
    return pool;
  };
  afterAll(() => Promise.all(pools.map((p) => p.close())));

  it('answers while compiling: a callback scheduled after the save was sent runs before its outcome comes back', async () => {
    const pool = newPool();
    await pool.run(SMALL()); // the thread started, MJML loaded
    const order: string[] = [];
    const compiled = pool.run(LARGE()).then((outcome) => {
      order.push('outcome');
      return outcome;
    });
    setImmediate(() => order.push('next turn of the event loop'));
    expect(await compiled).toEqual([{ locale: 'nl', compiled: expect.objectContaining({ html: expect.stringContaining('Hallo An 1<') }) }]);
    expect(order).toEqual(['next turn of the event loop', 'outcome']);
  }, 30_000);

  it("times a save from when its thread is ready, so a thread's slow start does not count against the first save", async () => {
    // The thread takes 8 s to start, 3 s more than the 5 s the save may take; the save itself takes a fraction of that
    // (a margin that holds on a loaded machine, where a first compile can take over a second).
    const slow = newPool({ timeoutMs: 5000, entry: new URL('../../test/fixtures/slow-start-compile-thread.mjs', import.meta.url) });
    const [outcome] = await slow.run(SMALL());
    expect(outcome).toEqual({ locale: 'nl', compiled: expect.objectContaining({ html: expect.stringContaining('<') }) });
    expect(slow.runningThreads()).toHaveLength(1);
  }, 30_000);

  it('compiles one save at a time per thread, and the others in turn, each getting its own outcome', async () => {
    const one = newPool({ threads: 1 });
    const saves = ['Een', 'Twee', 'Drie'].map((word) => request({ nl: section(word) }));
    const outcomes = await Promise.all(saves.map((save) => one.run(save)));
    expect(outcomes.map(([o]) => ('compiled' in o ? /Een|Twee|Drie/.exec(o.compiled.html)?.[0] : o))).toEqual(['Een', 'Twee', 'Drie']);
    expect(one.runningThreads()).toHaveLength(1);

    const two = newPool({ threads: 2 });
    const running = saves.map((save) => two.run(save));
    expect(two.runningThreads()).toHaveLength(2);
    await Promise.all(running);
  }, 30_000);

  it("answers the template's problems as outcomes, with the author's lines", async () => {
    const pool = newPool();
    const outcome = await pool.run(request({ nl: section('Hallo {{voornaam}}'), en: '<mj-section>\n<mj-column>\n<mj-txt>Hallo</mj-txt>\n</mj-column>\n</mj-section>\n' }));
    expect(outcome).toEqual([
      { locale: 'nl', problems: [{ field: 'variants.nl.mjml', line: 3, message: expect.stringMatching(/unknown variable "voornaam"/) }] },
      { locale: 'en', problems: [{ field: 'variants.en.mjml', line: 3, message: expect.stringMatching(/mj-txt/) }] },
    ]);
    const unchecked = await pool.run(request({ nl: section('Hallo {{voornaam}}') }, false));
    expect(unchecked).toEqual([{ locale: 'nl', compiled: expect.objectContaining({ html: expect.stringContaining('Hallo {{voornaam}}') }) }]);
  }, 30_000);

  it('rejects with the fault (not as the thread failing) when compiling fails for a reason that is not the template, and keeps the thread', async () => {
    const pool = newPool();
    await pool.run(SMALL());
    const [thread] = pool.runningThreads();
    const err = await pool.run({ ...SMALL(), partials: null as unknown as Record<string, string> }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(TemplateCompileThreadError);
    expect((err as Error).message).toMatch(/^compiling a template failed in its thread: TypeError/);
    expect(pool.runningThreads()).toEqual([thread]);
    expect(await pool.run(SMALL())).toEqual([{ locale: 'nl', compiled: expect.anything() }]);
  }, 30_000);

  it('fails the save of a thread that dies while compiling, and compiles the next one on a new thread', async () => {
    const pool = newPool();
    await pool.run(SMALL());
    const [dying] = pool.runningThreads();
    const lost = pool.run(LARGE()).catch((err: unknown) => err);
    await nextTurn();
    await dying.terminate();
    const err = await lost;
    expect(err).toBeInstanceOf(TemplateCompileThreadError);
    expect((err as Error).message).toMatch(/the template compile thread exited \(code 1\) before it finished/);
    expect(pool.runningThreads()).toEqual([]);

    expect(await pool.run(SMALL())).toEqual([{ locale: 'nl', compiled: expect.objectContaining({ html: expect.stringContaining('Hallo') }) }]);
    expect(pool.runningThreads()).toHaveLength(1);
    expect(pool.runningThreads()[0]).not.toBe(dying);
  }, 30_000);

  it('refuses in the thread too a variant whose partials expand past the limit, at once, as the author\'s problem', async () => {
    const pool = newPool({ timeoutMs: 60_000 });
    await pool.run(SMALL());
    const [thread] = pool.runningThreads();
    // Compiling it took about 33 s: beyond this test's timeout, so an answer at all shows it was refused before MJML ran.
    expect(await pool.run(request({ nl: partialsAtTheLimit() }))).toEqual([
      { locale: 'nl', problems: [{ field: 'variants.nl.mjml', line: expect.any(Number), message: expect.stringMatching(/grows past the limit of 100,000 characters/) }] },
    ]);
    expect(pool.runningThreads()).toEqual([thread]);
  }, 30_000);

  it('stops a thread that grows its heap past the limit, failing its save like a crash, and compiles the next save on a new thread', async () => {
    // Within every template limit nothing outgrows the default 256 MB (nor the least one may configure, 64 MB):
    // a small save fits in under 28 MB of heap, three variants at the size limit need over 40.
    const pool = newPool({ memoryMb: 32, timeoutMs: 60_000 }); // only the memory limit stops it
    await pool.run(SMALL());
    const [thread] = pool.runningThreads();
    const exited = new Promise((resolve) => thread.once('exit', resolve)); // (events.once would reject on the thread's error)
    const err = await pool.run(request({ nl: atTheLimit(), en: atTheLimit(), fr: atTheLimit() })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemplateCompileThreadError);
    expect((err as Error).message).toBe('the template compile thread ran out of memory (over 32 MB of heap, TEMPLATE_COMPILE_MEMORY_MB)');
    expect((err as TemplateCompileThreadError).detail).toMatch(/ran out of memory/);
    await exited;
    expect(pool.runningThreads()).toEqual([]);

    expect(await pool.run(SMALL())).toEqual([{ locale: 'nl', compiled: expect.objectContaining({ html: expect.stringContaining('Hallo') }) }]);
    expect(pool.runningThreads()).toHaveLength(1);
    expect(pool.runningThreads()[0]).not.toBe(thread);
  }, 60_000);

  it('stops a thread that takes longer than the timeout, failing its save', async () => {
    const pool = newPool({ timeoutMs: 1 });
    const err = await pool.run(SMALL()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemplateCompileThreadError);
    expect((err as Error).message).toMatch(/compiling took longer than 1 ms; its thread was stopped/);
    expect(pool.runningThreads()).toEqual([]);
  }, 30_000);

  it('gives a save the timeout once per variant', async () => {
    const pool = newPool({ timeoutMs: 1 });
    const err = await pool.run(request({ nl: section('Hallo'), en: section('Hello'), fr: section('Bonjour') })).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/compiling took longer than 3 ms; its thread was stopped/);
  }, 30_000);

  it('on shutdown stops every thread and fails the saves still waiting; later ones are refused', async () => {
    const pool = newPool();
    await pool.run(SMALL());
    const [thread] = pool.runningThreads();
    const exited = once(thread, 'exit');
    const running = pool.run(LARGE()).catch((err: unknown) => err);
    const waiting = pool.run(SMALL()).catch((err: unknown) => err);
    await pool.close();
    await exited;
    expect(pool.runningThreads()).toEqual([]);
    for (const err of [await running, await waiting, await pool.run(SMALL()).catch((e: unknown) => e)]) {
      expect(err).toBeInstanceOf(TemplateCompileThreadError);
      expect((err as Error).message).toBe('template compiling has shut down');
    }
  }, 30_000);
});
