import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TemplateVariant } from './template-compiler.js';
import { TemplateError } from './template-error.js';

/**
 * Reads the `templates/` folder (the only I/O in the email domain):
 * - `layout.mjml` with `[[key]]` placeholders, localized from `layout.strings.json` (one layout per locale);
 * - `partials/<name>.mjml`;
 * - `starters/<name>/<locale>.mjml` plus `starters/<name>/subjects.json` (`{"nl": "…", "en": "…"}`).
 */
export interface TemplateLibrary {
  /** The layout per locale, with its footer text in that language. */
  layouts: Record<string, string>;
  partials: Record<string, string>;
  starters: Record<string, StarterTemplate>;
}

export interface StarterTemplate {
  name: string;
  variants: Record<string, TemplateVariant>;
}

/** Loads the template library from `dir` (default: the project's `templates/` folder). */
export async function loadTemplateLibrary(dir = defaultTemplatesDir()): Promise<TemplateLibrary> {
  const layout = await readFile(join(dir, 'layout.mjml'), 'utf8');
  const strings = JSON.parse(await readFile(join(dir, 'layout.strings.json'), 'utf8')) as Record<string, Record<string, string>>;
  const layouts = Object.fromEntries(Object.entries(strings).map(([locale, s]) => [locale, localizeLayout(layout, s)]));

  const partials: Record<string, string> = {};
  for (const file of await listFiles(join(dir, 'partials'))) {
    if (file.endsWith('.mjml')) partials[file.slice(0, -'.mjml'.length)] = await readFile(join(dir, 'partials', file), 'utf8');
  }

  const starters: Record<string, StarterTemplate> = {};
  for (const name of await listFiles(join(dir, 'starters'))) {
    const folder = join(dir, 'starters', name);
    const subjects = JSON.parse(await readFile(join(folder, 'subjects.json'), 'utf8')) as Record<string, string>;
    const variants: Record<string, TemplateVariant> = {};
    for (const [locale, subject] of Object.entries(subjects)) {
      variants[locale] = { subject, mjml: await readFile(join(folder, `${locale}.mjml`), 'utf8') };
    }
    starters[name] = { name, variants };
  }
  return { layouts, partials, starters };
}

/** Replaces the layout's `[[key]]` placeholders with one locale's strings; a missing string is an error. */
export function localizeLayout(layout: string, strings: Record<string, string>): string {
  return layout.replace(/\[\[\s*([\w.-]+)\s*\]\]/g, (_, key: string) => {
    const text = strings[key];
    if (typeof text !== 'string') throw TemplateError.at('layout', null, `no text for [[${key}]] in layout.strings.json`);
    return text;
  });
}

/** The nearest `templates/` folder with a `layout.mjml`, looking up from this file (works from src and dist). */
export function defaultTemplatesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'templates');
    if (existsSync(join(candidate, 'layout.mjml'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return join(process.cwd(), 'templates');
    dir = parent;
  }
}

async function listFiles(dir: string): Promise<string[]> {
  return existsSync(dir) ? (await readdir(dir)).sort() : [];
}
