// @ts-check
/**
 * The code of an MJML thread (see mjml-worker-pool.ts): runs mjml2html on each document the pool sends, one at
 * a time, and posts back its HTML or MJML's failure. Plain JavaScript that imports only `mjml`, so the same file
 * runs from src/ under Jest (which transforms TypeScript only in its own module graph, not in a thread) and from
 * dist/ (tsc copies it there, `allowJs`). What the failure holds is what `compileMjml` in
 * domain/template-compiler.ts maps to the author's lines, exactly as when MJML runs in the calling thread.
 */
import { parentPort } from 'node:worker_threads';
import mjml2html from 'mjml';

if (!parentPort) throw new Error('mjml-worker.mjs runs as a worker thread of MjmlWorkerPool');
const port = parentPort;

port.on('message', async (/** @type {{ id: number, mjml: string, options: import('mjml-core').MJMLParsingOptions }} */ job) => {
  /** @type {import('./domain/template-compiler.js').MjmlOutcome} */
  let outcome;
  try {
    outcome = { html: (await mjml2html(job.mjml, job.options)).html };
  } catch (err) {
    const failure = /** @type {{ message?: unknown, errors?: unknown }} */ (err ?? {});
    outcome = {
      failure: {
        message: typeof failure.message === 'string' ? failure.message : String(err),
        errors: Array.isArray(failure.errors) ? failure.errors.map((e) => ({ line: e?.line, message: e?.message })) : null,
      },
    };
  }
  port.postMessage({ id: job.id, outcome });
});
