import type Handlebars from 'handlebars';
import { BUILTIN_HELPERS, PARTIAL_SCOPE_HELPER, TEMPLATE_HELPERS, createTemplateEngine } from './helpers.js';
import { TRACKING_BLOCKS, TRACKING_CALLS, TRACKING_HELPERS, markTrackedLinks, registerTrackingHelpers } from './link-tracking.js';
import { TRACKING_BLOCK_COMPILERS } from './tracked-link-blocks.js';
import { compileFastTemplate } from './fast-template.js';
import { asciiTemplateHtml } from './ascii-template.js';
import type { CompiledTemplate } from './template-compiler.js';
import { tidyText } from './text-tidy.js';

type Render = Handlebars.TemplateDelegate | ((data: unknown) => string);

/** A compiled template turned into Handlebars functions, ready to render many times in this process. */
export interface PreparedTemplate {
  readonly prepared: true;
  readonly subject: Render;
  readonly html: Render;
  /**
   * The plain-text part as sent (tidied: see tidyText). Null when the template has no text template; the
   * text is then made from the rendered HTML.
   */
  readonly text: Render | null;
  /** Static link targets the HTML and text refer to by position. */
  readonly staticLinks: readonly string[];
  /** Which parts render with the fast evaluator (fast-template.ts) rather than Handlebars' runtime. */
  readonly fast: { readonly subject: boolean; readonly html: boolean; readonly text: boolean };
}

/** The Handlebars environment sends run in: the template helpers plus link tracking. */
export const renderEngine = createTemplateEngine();
registerTrackingHelpers(renderEngine);

const helperNames = [...TEMPLATE_HELPERS, ...BUILTIN_HELPERS, PARTIAL_SCOPE_HELPER, ...TRACKING_HELPERS];
const knownHelpers = Object.fromEntries(helperNames.map((h) => [h, true]));
/** The helpers send templates may call. */
export const SEND_HELPERS: ReadonlySet<string> = new Set(helperNames);
// The compiler has checked that every helper call is known, so plain `{{name}}` is always a data lookup.
// Helpers find the data root and the tracking state in the render scope, so no `@data` frames are needed
// (Handlebars still creates them for templates that use `@index` or `@root`).
export const HTML_OPTIONS = { knownHelpers, knownHelpersOnly: true, preventIndent: true, data: false };
// Subject and text part are plain text: no HTML escaping there.
export const PLAIN_OPTIONS = { ...HTML_OPTIONS, noEscape: true };

/**
 * Marks the links for tracking and compiles the templates, once per process per template version (see
 * {@link RenderCache}). Each part renders with the fast evaluator of fast-template.ts when it stays within
 * the subset that evaluator covers (every template the compiler produces from MJML and the library does),
 * else with Handlebars (compiled lazily on first render). Both give the same output, byte for byte.
 */
export function prepareTemplate(compiled: CompiledTemplate): PreparedTemplate {
  return prepare(compiled, true);
}

/** Like {@link prepareTemplate} but every part renders with Handlebars: the reference the fast path is tested against. */
export function prepareReferenceTemplate(compiled: CompiledTemplate): PreparedTemplate {
  return prepare(compiled, false);
}

function prepare(compiled: CompiledTemplate, fast: boolean): PreparedTemplate {
  const tracked = markTrackedLinks(compiled.html, compiled.text);
  // Its literal text's non-ASCII characters as the references every send would make of them (the same bytes sent).
  const marked = { ...tracked, html: asciiTemplateHtml(tracked.html) };
  const subject = fast ? compileFastTemplate(renderEngine, compiled.subject, { escape: false, knownHelpers: SEND_HELPERS }) : null;
  const direct = { directCalls: TRACKING_CALLS, directBlocks: TRACKING_BLOCKS, blockCompilers: TRACKING_BLOCK_COMPILERS };
  const html = fast ? compileFastTemplate(renderEngine, marked.html, { escape: true, knownHelpers: SEND_HELPERS, ...direct }) : null;
  const text =
    fast && marked.text !== null
      ? compileFastTemplate(renderEngine, marked.text, { escape: false, knownHelpers: SEND_HELPERS, tidyText: true, ...direct })
      : null;
  const handlebarsText = (source: string): Render => {
    const render = renderEngine.compile(source, PLAIN_OPTIONS);
    return (data: unknown) => tidyText(render(data));
  };
  return {
    prepared: true,
    subject: subject ?? renderEngine.compile(compiled.subject, PLAIN_OPTIONS),
    html: html ?? renderEngine.compile(marked.html, HTML_OPTIONS),
    text: marked.text === null ? null : (text ?? handlebarsText(marked.text)),
    staticLinks: marked.staticLinks,
    fast: { subject: subject !== null, html: html !== null, text: text !== null },
  };
}

/**
 * Prepared templates by a caller-chosen key (e.g. `${templateVersionId}:${locale}`), least recently used
 * evicted first. Versions are immutable, so an entry never needs invalidating.
 */
export class RenderCache {
  private readonly entries = new Map<string, PreparedTemplate>();

  constructor(private readonly maxEntries = 500) {
    if (!(maxEntries >= 1)) throw new RangeError('A render cache holds at least one template.');
  }

  /** The prepared template for `key`, preparing `compiled` (or what it returns) on a miss. */
  get(key: string, compiled: CompiledTemplate | (() => CompiledTemplate)): PreparedTemplate {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key); // re-insert: Map order is recency order
      this.entries.set(key, hit);
      return hit;
    }
    const prepared = prepareTemplate(typeof compiled === 'function' ? compiled() : compiled);
    this.entries.set(key, prepared);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return prepared;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
