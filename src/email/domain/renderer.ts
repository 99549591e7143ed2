import { TrackingState, type TrackedLink } from './link-tracking.js';
import { prepareTemplate, type PreparedTemplate } from './render-cache.js';
import { withRenderScope } from './render-scope.js';
import type { CompiledTemplate } from './template-compiler.js';
import { TemplateError } from './template-error.js';
import type { TemplateData } from './template-variables.js';
import { htmlToPlainText } from './text-template.js';

export interface RenderContext {
  /** The tracked URL for the `index`-th rewritten link (e.g. `${base}/t/c/${clickToken}`). */
  rewriteLink: (url: string, index: number) => string;
  /** The open pixel's URL; empty for none (previews). */
  openPixelUrl: string;
  /**
   * When every tracked URL is one string followed by the link's index (as click tokens are: one MAC per
   * message, the index after it), that string: `rewriteLink(url, i)` must then equal `clickUrlPrefix + i`,
   * and the renderer appends the index itself, escaping the prefix once per send instead of every URL.
   */
  clickUrlPrefix?: string;
  /**
   * Where a render failure is named, e.g. `variants.nl`: the error's field is then `variants.nl.mjml` (the HTML or
   * text part failed) or `variants.nl.subject`, as saves name them. Without it, `mjml` or `subject`.
   */
  fieldPrefix?: string;
}

/** Why a send (or the test send's check) whose template fails to render for the lead is refused: email_messages.status_reason and the problem's `reason`. */
export const RENDER_FAILED = 'render_failed';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  /** The original URL of every rewritten link, by the index its click token carries. */
  links: TrackedLink[];
}

/**
 * Renders one email for one lead. Lead data is HTML-escaped in the HTML part. Every http(s) link is
 * rewritten through `rewriteLink` (not mailto:, tel:, `#` anchors or the unsubscribe link), the open pixel
 * goes before `</body>`, and the text part shows the same tracked links. This runs per send: pass a
 * {@link PreparedTemplate} from a RenderCache; a plain CompiledTemplate is prepared on the spot (previews).
 * A part that throws while rendering (Handlebars that fails for this lead's data) is a TemplateError naming
 * that part (see {@link RenderContext.fieldPrefix}), so whoever sees it knows which variant field to mend.
 */
export function renderEmail(
  template: PreparedTemplate | CompiledTemplate,
  data: TemplateData,
  ctx: RenderContext,
): RenderedEmail {
  const prepared = 'prepared' in template ? template : prepareTemplate(template);
  const unsubscribeUrl = typeof data.unsubscribeUrl === 'string' ? data.unsubscribeUrl : undefined;
  const tracking = new TrackingState(ctx.rewriteLink, ctx.openPixelUrl, unsubscribeUrl, prepared.staticLinks, ctx.clickUrlPrefix ?? null);
  let part: 'mjml' | 'subject' = 'mjml';
  try {
    return withRenderScope({ root: data, tracking }, () => {
      const html = prepared.html(data);
      const text = prepared.text ? prepared.text(data) : htmlToPlainText(html);
      part = 'subject';
      const subject = collapseWhitespace(prepared.subject(data));
      return { subject, html, text, links: tracking.links };
    });
  } catch (err) {
    if (err instanceof TemplateError) throw err;
    const field = ctx.fieldPrefix ? `${ctx.fieldPrefix}.${part}` : part;
    throw TemplateError.at(field, null, `the template could not be rendered: ${(err as Error).message ?? String(err)}`, RENDER_FAILED);
  }
}

const WHITESPACE_RUNS = /\s+/g;
/** White space that collapsing changes: a run of two or more, or one character other than a plain space. */
const COLLAPSIBLE = /\s\s|[^\S ]/;

/** A subject on one line: every run of white space one space, none at either end. */
export function collapseWhitespace(subject: string): string {
  // Most subjects have single spaces only: then only trimming can change them, and no copy is made.
  return COLLAPSIBLE.test(subject) ? subject.replace(WHITESPACE_RUNS, ' ').trim() : subject.trim();
}
