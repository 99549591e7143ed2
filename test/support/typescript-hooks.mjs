// @ts-check
/**
 * Module hooks that let plain Node run the service from its TypeScript sources, as Jest does (SWC, decorator
 * metadata kept for Nest's dependency injection): a relative `x.js` import with no `x.js` but an `x.ts` beside it
 * loads the TypeScript. For tests that need the service in a process of its own, outside Jest's module system
 * (see start-source-process.ts); register with `node --import ./test/support/register-typescript.mjs`.
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
