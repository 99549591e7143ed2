// @ts-check
/**
 * Module hooks for a template compile thread started from src/ (the tests): a relative or file: `x.js` import with no
 * `x.js` but an `x.ts` beside it loads the TypeScript, stripped of its types by @swc/core (a dev dependency, as
 * Jest does it for the tests' own modules). Registered by template-compile-thread.mjs only when compile-variants
 * has no JavaScript next to it, and by test/support/register-typescript.mjs for tests that run the service from its
 * sources in a process of its own; a built service (dist/) never loads this file.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** @type {Promise<typeof import('@swc/core')> | undefined} */
let swc;

/** @type {import('node:module').ResolveHook} */
export async function resolve(specifier, context, nextResolve) {
  if ((/^\.{1,2}\//.test(specifier) || specifier.startsWith('file:')) && specifier.endsWith('.js') && context.parentURL?.startsWith('file:')) {
    const javascript = new URL(specifier, context.parentURL);
    const typescript = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (!existsSync(javascript) && existsSync(typescript)) return { url: typescript.href, format: 'module', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

/** @type {import('node:module').LoadHook} */
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const { transform } = await (swc ??= import('@swc/core'));
  const { code } = await transform(await readFile(path, 'utf8'), {
    filename: path,
    // Decorators with their metadata, as Jest compiles them, so a whole service can run from its sources too
    // (test/support/register-typescript.mjs); plain modules such as the compile thread's come out the same.
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  });
  return { format: 'module', source: code, shortCircuit: true };
}
