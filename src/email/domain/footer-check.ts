import { prepareTemplate, type PreparedTemplate } from './render-cache.js';
import { renderEmail } from './renderer.js';
import type { CompiledTemplate } from './template-compiler.js';
import { TemplateError, type TemplateProblem } from './template-error.js';
import { isWholeDocument } from './template-limits.js';
import type { TemplateData } from './template-variables.js';

/** Why a send with a variant that lacks the footer is failed (email_messages.status_reason). */
export const TEMPLATE_WITHOUT_FOOTER = 'template_without_footer';

/** The unsubscribe link and postal address the footer check renders with: plain text, so HTML escaping leaves them as they are. */
export const FOOTER_CHECK_UNSUBSCRIBE_URL = 'https://unsubscribe.invalid/footer-check';
export const FOOTER_CHECK_ADDRESS = 'Footer Check Street 1, 1000 Sample City';

const SENDER = {
  name: 'Footer Check Sender',
  address: FOOTER_CHECK_ADDRESS,
  website: 'https://sender.invalid',
  bookingUrl: 'https://sender.invalid/book',
};

/**
 * The leads an email is rendered for to see its footer: one of whom nothing is known (a lead that left only an
 * address) and one of whom every field is known. A link shown only under a condition on lead data is missing for
 * one of them; a condition on a particular stage, intent or attribute value may still hide it from others.
 */
const FOOTER_CHECK_LEADS: { name: string; data: Omit<TemplateData, 'sender' | 'unsubscribeUrl'> }[] = [
  { name: 'a lead of whom nothing is known', data: { timezone: 'Europe/Brussels' } },
  {
    name: 'a lead with every field known',
    data: {
      firstName: 'An',
      lastName: 'Peeters',
      email: 'an.peeters@example.be',
      phone: '+32 3 123 45 67',
      company: 'Bakkerij Peeters',
      jobTitle: 'Zaakvoerder',
      timezone: 'Europe/Brussels',
      stage: 'lead',
      intent: 'medium',
      engagementScore: 10,
      fitScore: 10,
      attributes: { industry: 'food', employees: 12 },
      qualification: { need: 'a new website', timeline: 'this quarter', budget: 'known', authority: 'decision maker' },
      source: { channel: 'website' },
    },
  },
];

const UNSUBSCRIBE_HREF = new RegExp(`<a\\b[^>]*?\\shref\\s*=\\s*["']?${escapeRegExp(FOOTER_CHECK_UNSUBSCRIBE_URL)}`, 'i');

/** What the footer check knows of the variant: its locale, and whether it is a whole `<mjml>` document (no layout). */
export interface FooterCheckContext {
  locale: string;
  wholeDocument: boolean;
}

/**
 * Every email must carry the sender's postal address and an unsubscribe link (PRODUCT.md, Email). The shared
 * layout's footer has both; a whole `<mjml>` document leaves the layout out and must have them itself. Checked on
 * the compiled email as sent: rendered for each of {@link FOOTER_CHECK_LEADS} with a known unsubscribe URL and
 * address, the HTML must hold a link (`<a href>`) to the URL and the plain text (what a reader sees, not the
 * `<head>` or a comment) the address, however the template writes them (`{{unsubscribeUrl}}`, `{{{…}}}`, a
 * partial). A render that fails for the filled-in lead is not this check's concern (sends report it); the lead
 * of whom nothing is known always renders (the compile's trial render). Problems name `field`, without a line.
 * A prepared template (RenderCache) gives the same verdict as the compiled one it was prepared from.
 */
export function footerProblems(compiled: CompiledTemplate | PreparedTemplate, field: string, ctx: FooterCheckContext): TemplateProblem[] {
  // Prepared once for both leads (renderEmail would prepare a compiled template on each call).
  const prepared = 'prepared' in compiled ? compiled : prepareTemplate(compiled);
  let link: string | null = null;
  let address: string | null = null;
  for (const lead of FOOTER_CHECK_LEADS) {
    let html: string;
    let text: string;
    try {
      ({ html, text } = renderEmail(
        prepared,
        { ...lead.data, locale: ctx.locale, sender: SENDER, unsubscribeUrl: FOOTER_CHECK_UNSUBSCRIBE_URL },
        { rewriteLink: (url) => url, openPixelUrl: '' },
      ));
    } catch {
      continue;
    }
    link ??= UNSUBSCRIBE_HREF.test(html) ? null : lead.name;
    address ??= text.includes(FOOTER_CHECK_ADDRESS) ? null : lead.name;
  }
  const why = ctx.wholeDocument
    ? 'a whole <mjml> document leaves out the shared layout and its footer, so it must have'
    : 'every email must have';
  const problems: TemplateProblem[] = [];
  if (link) {
    problems.push({
      field,
      line: null,
      message: `has no unsubscribe link for ${link}: ${why} a link to {{unsubscribeUrl}} (e.g. <a href="{{unsubscribeUrl}}">Unsubscribe</a>) that every lead sees, not only under a condition`,
    });
  }
  if (address) {
    problems.push({
      field,
      line: null,
      message: `does not show the sender's postal address for ${address}: ${why} {{sender.address}} in its text, shown to every lead, not only under a condition`,
    });
  }
  return problems;
}

/**
 * The footer check's verdict on each prepared template, made when it is first asked for and kept beside it: a
 * version stored before saves checked the footer (or compiled on first use, unchecked) is checked once per process
 * and locale, never per send (the check renders the email twice). Keyed by the prepared template, so a verdict
 * goes when the render cache lets its template go, and comes back with it.
 */
export class FooterVerdicts {
  private readonly verdicts = new WeakMap<PreparedTemplate, readonly TemplateProblem[]>();

  /** The problems of `prepared`, the variant of `locale` whose source is `mjml`, named `variants.<locale>.mjml`; [] when its footer is whole. */
  of(prepared: PreparedTemplate, locale: string, mjml: string): readonly TemplateProblem[] {
    let verdict = this.verdicts.get(prepared);
    if (!verdict) {
      verdict = footerProblems(prepared, `variants.${locale}.mjml`, { locale, wholeDocument: isWholeDocument(mjml) });
      this.verdicts.set(prepared, verdict);
    }
    return verdict;
  }
}

/**
 * Why a send with such a variant goes out to nobody: failed like a template that cannot be rendered, with reason
 * {@link TEMPLATE_WITHOUT_FOOTER}, and an error (the message's lastError, 500 characters) that names the template,
 * version and locale, says in short what is missing (each problem up to its explanation) and how to mend it.
 */
export function footerMissingError(templateId: string, version: number, locale: string, problems: readonly TemplateProblem[]): TemplateError {
  const missing = problems.map((p) => upToExplanation(p.message)).join('; it ');
  return new TemplateError(
    [
      {
        field: `variants.${locale}.mjml`,
        line: null,
        message:
          `template ${templateId} version ${version} (${locale}) is not sent: saved before the footer was checked, it ${missing}. ` +
          `Publish a new version that shows {{sender.address}} and links to {{unsubscribeUrl}} for every lead.`,
      },
    ],
    TEMPLATE_WITHOUT_FOOTER,
  );
}

/** "has no unsubscribe link for a lead …" of "has no unsubscribe link for a lead …: a whole <mjml> document …". */
function upToExplanation(message: string): string {
  const end = message.indexOf(':');
  return end === -1 ? message : message.slice(0, end);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
