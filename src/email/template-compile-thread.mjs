// @ts-check
/**
 * The code of a template compile thread (see template-compile-pool.ts): compiles each save the pool sends, one at
 * a time, with domain/compile-variants.ts, and posts back every variant's compiled form or problems (or, for a
 * fault that is not the template's, its message). Plain JavaScript, so it runs as a thread from dist/ (tsc copies
 * it there, `allowJs`) and from src/: there, under Jest, compile-variants.ts has no JavaScript next to it (Jest
 * transforms TypeScript in its own module graph only, not in a thread), and typescript-source-hooks.mjs loads
 * the TypeScript sources instead.
 */
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { parentPort } from 'node:worker_threads';

if (!parentPort) throw new Error('template-compile-thread.mjs runs as a worker thread of TemplateCompilePool');
const port = parentPort;

const COMPILE_VARIANTS = new URL('./domain/compile-variants.js', import.meta.url);
if (!existsSync(COMPILE_VARIANTS)) register('./typescript-source-hooks.mjs', import.meta.url);
/** @type {typeof import('./domain/compile-variants.js')} */
const { compileVariants } = await import(COMPILE_VARIANTS.href);

port.on('message', async (/** @type {{ id: number, request: import('./domain/compile-variants.js').CompileRequest }} */ job) => {
  /** @type {import('./template-compile-pool.js').ThreadAnswer['outcome']} */
  let outcome;
  try {
    outcome = { variants: await compileVariants(job.request) };
  } catch (err) {
    outcome = { fault: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  port.postMessage({ id: job.id, outcome });
});
// Loaded and listening: the pool's timeout for a save runs from here, not from the thread's start.
port.postMessage({ ready: true });
