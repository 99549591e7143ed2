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
  /** The layout per locale of `layout.strings.json`, with its footer text in that language (see {@link layoutFor} for any locale). */
  layouts: Record<string, string>;
  /** `layout.mjml` as written, with its `[[key]]` placeholders. */
  layoutSource: string;
  /** `layout.strings.json`: the footer's texts per locale. */
  footerStrings: Record<string, Record<string, string>>;
  partials: Record<string, string>;
  starters: Record<string, StarterTemplate>;
}

export interface StarterTemplate {
  name: string;
  variants: Record<string, TemplateVariant>;
}

/** Loads the template library from `dir` (default: the project's `templates/` folder). */
export async function loadTemplateLibrary(dir = defaultTemplatesDir()): Promise<TemplateLibrary> {
  const layoutSource = await readFile(join(dir, 'layout.mjml'), 'utf8');
  const footerStrings = JSON.parse(await readFile(join(dir, 'layout.strings.json'), 'utf8')) as Record<string, Record<string, string>>;
  const layouts = Object.fromEntries(Object.keys(footerStrings).map((locale) => [locale, layoutFor({ layoutSource, footerStrings }, locale)!]));

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
  return { layouts, layoutSource, footerStrings, partials, starters };
}

/** The footer's language for a locale without strings of its own or of its language: the one most readers understand. */
export const FOOTER_FALLBACK_LOCALE = 'en';

/**
 * The locale of `layout.strings.json` whose footer a variant in `locale` gets, by language tag: its own (`nl-BE`),
 * else its language's (`de-AT` → `de`), else English (a German email with an English footer rather than one in
 * the service's default language), else the first there is; undefined when there are none.
 */
export function footerLocale(available: readonly string[], locale: string): string | undefined {
  const language = locale.toLowerCase().split(/[-_]/)[0];
  return [locale, language, FOOTER_FALLBACK_LOCALE].find((l) => available.includes(l)) ?? available[0];
}

/**
 * The layout for a variant in `locale`: the footer in the language {@link footerLocale} picks, and `lang` the
 * variant's own locale (the body's language, also when the footer falls back to English). Undefined without strings.
 */
export function layoutFor(library: Pick<TemplateLibrary, 'layoutSource' | 'footerStrings'>, locale: string): string | undefined {
  const strings = footerLocale(Object.keys(library.footerStrings), locale);
  return strings === undefined ? undefined : localizeLayout(library.layoutSource, { ...library.footerStrings[strings], lang: locale });
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
