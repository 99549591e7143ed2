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
  return [locale, languageOf(locale), FOOTER_FALLBACK_LOCALE].find((l) => available.includes(l)) ?? available[0];
}

/**
 * The layout for a variant in `locale`: the footer in the language {@link footerLocale} picks, and `lang` the
 * variant's own locale (the body's language, also when the footer falls back to English). A footer in another
 * language than the variant's (a German email's English footer) says so: its text is in an element with its own
 * `lang` (see {@link markFooterLanguage}), so a screen reader reads it as English, not as German; a footer in the
 * variant's language is left as it is. Done here, when a version is compiled: the mark is in the stored HTML, and
 * sends do nothing for it. Undefined without strings.
 */
export function layoutFor(library: Pick<TemplateLibrary, 'layoutSource' | 'footerStrings'>, locale: string): string | undefined {
  const strings = footerLocale(Object.keys(library.footerStrings), locale);
  if (strings === undefined) return undefined;
  const layout = localizeLayout(library.layoutSource, { ...library.footerStrings[strings], lang: locale });
  return languageOf(strings) === languageOf(locale) ? layout : markFooterLanguage(layout, strings);
}

/** The language subtag of a locale, lower case: `nl-BE` → `nl`. */
function languageOf(locale: string): string {
  return locale.toLowerCase().split(/[-_]/)[0];
}

/** The layout's footer: the `<mj-text>` whose css-class has `footer` (the class the layout's CSS styles it by), and its content. */
const FOOTER_TEXT = /(<mj-text\b[^>]*\scss-class="(?:[^"]*\s)?footer(?:\s[^"]*)?"[^>]*>)([\s\S]*?)(<\/mj-text>)/;

/**
 * The layout with its footer's text in a `<div lang="…">` (MJML allows no `lang` on `<mj-text>`; its content is
 * HTML, kept as written), on the same lines, so problems still name the layout's lines. A layout without such a
 * footer is returned as it is: the mark helps screen readers, and no email should fail to compile for want of it
 * (template-loader.spec holds the project's layout to having it).
 */
export function markFooterLanguage(layout: string, lang: string): string {
  return layout.replace(FOOTER_TEXT, (_, open: string, content: string, close: string) => `${open}<div lang="${lang}">${content}</div>${close}`);
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
