import { renderEmail } from './renderer.js';
import type { CompiledTemplate } from './template-compiler.js';
import type { TemplateProblem } from './template-error.js';
import type { TemplateData } from './template-variables.js';

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
 */
export function footerProblems(compiled: CompiledTemplate, field: string, ctx: FooterCheckContext): TemplateProblem[] {
  let link: string | null = null;
  let address: string | null = null;
  for (const lead of FOOTER_CHECK_LEADS) {
    let html: string;
    let text: string;
    try {
      ({ html, text } = renderEmail(
        compiled,
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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
