import type Handlebars from 'handlebars';
import { BUILTIN_HELPERS, PARTIAL_SCOPE_HELPER, TEMPLATE_HELPERS, createTemplateEngine } from './helpers.js';
import { TRACKING_HELPERS, markTrackedLinks, registerTrackingHelpers } from './link-tracking.js';
import type { CompiledTemplate } from './template-compiler.js';

type Render = Handlebars.TemplateDelegate;

/** A compiled template turned into Handlebars functions, ready to render many times in this process. */
export interface PreparedTemplate {
  readonly prepared: true;
  readonly subject: Render;
  readonly html: Render;
  /** Null when the template has no text template; the text is then made from the rendered HTML. */
  readonly text: Render | null;
  /** Static link targets the HTML and text refer to by position. */
  readonly staticLinks: readonly string[];
}

/** The Handlebars environment sends run in: the template helpers plus link tracking. */
export const renderEngine = createTemplateEngine();
registerTrackingHelpers(renderEngine);

const knownHelpers = Object.fromEntries(
  [...TEMPLATE_HELPERS, ...BUILTIN_HELPERS, PARTIAL_SCOPE_HELPER, ...TRACKING_HELPERS].map((h) => [h, true]),
);
// The compiler has checked that every helper call is known, so plain `{{name}}` is always a data lookup.
// Helpers find the data root and the tracking state in the render scope, so no `@data` frames are needed
// (Handlebars still creates them for templates that use `@index` or `@root`).
const HTML_OPTIONS = { knownHelpers, knownHelpersOnly: true, preventIndent: true, data: false };
// Subject and text part are plain text: no HTML escaping there.
const PLAIN_OPTIONS = { ...HTML_OPTIONS, noEscape: true };

/**
 * Marks the links for tracking and compiles the Handlebars functions. Handlebars compiles lazily on first
 * render; {@link RenderCache} makes that happen once per process per template version.
 */
export function prepareTemplate(compiled: CompiledTemplate): PreparedTemplate {
  const marked = markTrackedLinks(compiled.html, compiled.text);
  return {
    prepared: true,
    subject: renderEngine.compile(compiled.subject, PLAIN_OPTIONS),
    html: renderEngine.compile(marked.html, HTML_OPTIONS),
    text: marked.text === null ? null : renderEngine.compile(marked.text, PLAIN_OPTIONS),
    staticLinks: marked.staticLinks,
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
