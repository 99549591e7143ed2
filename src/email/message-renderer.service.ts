import { Inject, Injectable } from '@nestjs/common';
import type Handlebars from 'handlebars';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { HONEYPOT_LINK_INDEX } from '../tracking/domain/honeypot.js';
import { TrackingTokenCodec } from '../tracking/domain/tracking-token.js';
import { chooseLocale } from './domain/choose-locale.js';
import { clickUrlPrefix } from './domain/click-url.js';
import { renderEngine } from './domain/render-cache.js';
import { renderEmail, type RenderedEmail } from './domain/renderer.js';
import { TemplateError, type TemplateProblem } from './domain/template-error.js';
import type { PendingMessage } from './email-message.types.js';
import { sampleDataFor, templateDataFor, testSendLead } from './template-data.js';
import { TemplateStore, type TemplateVersionRecord } from './template-store.service.js';

export interface RenderedMessage extends RenderedEmail {
  locale: string;
  unsubscribeUrl: string;
  unsubscribeToken: string;
}

const NO_TRACKING = { rewriteLink: (url: string) => url, openPixelUrl: '' };
const MAX_SUBJECT_TEMPLATES = 200;
/** The message id a test send's trial render signs its links for; nothing it renders is kept or sent. */
const TRIAL_MESSAGE_ID = '00000000-0000-0000-0000-000000000000';

/**
 * Renders a message for its lead: the variant in the lead's language, lead data with fallbacks, and
 * tracking through signed tokens — every link via PUBLIC_BASE_URL/t/c/…, an open pixel /t/o/…, the
 * unsubscribe link /u/… and a hidden honeypot link only machines follow. Previews render without tracking.
 */
@Injectable()
export class MessageRenderer {
  private readonly codec: TrackingTokenCodec;
  private readonly base: string;
  private readonly subjects = new Map<string, Handlebars.TemplateDelegate>();

  constructor(
    private readonly store: TemplateStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.codec = new TrackingTokenCodec(config.trackingSecret);
    this.base = config.publicBaseUrl;
  }

  async render(message: PendingMessage): Promise<RenderedMessage> {
    const record = await this.store.version(message.templateId, message.templateVersion);
    const test = message.kind === 'test';
    const lead = test ? testSendLead(message.toAddress) : message.lead;
    const wanted = test ? message.locale : (lead?.locale ?? null);
    const { rendered, data, locale, unsubscribeUrl, unsubscribeToken } = this.renderForSend(record, wanted, lead, message.id);
    const honeypot = `${this.base}/t/c/${this.codec.sign({ k: 'c', m: message.id, l: HONEYPOT_LINK_INDEX })}`;
    return {
      ...rendered,
      subject: message.subjectOverride ? this.renderSubject(message.subjectOverride, data) : rendered.subject,
      html: withHoneypot(rendered.html, honeypot),
      locale,
      unsubscribeUrl,
      unsubscribeToken,
    };
  }

  /**
   * Whether a test send of the version to `to` (in `locale`, else the default) would go out, asked before it is
   * queued so that the marketer hears at once: the variant must be sendable (TemplateStore.sendable: compiled, with
   * its footer; checked once per version and locale) and render for the sample lead at `to` as the delivery worker
   * will render it (Handlebars that fails only with data). Throws the TemplateError the message would fail with,
   * naming `variants.<locale>.mjml` or `.subject`. The worker still checks the message it sends.
   */
  checkTestSend(record: TemplateVersionRecord, locale: string | null, to: string): void {
    this.renderForSend(record, locale, testSendLead(to), TRIAL_MESSAGE_ID);
  }

  /** The sendable variant for `wanted` rendered for `lead` as message `m` is sent: its links, open pixel and unsubscribe link signed for it. */
  private renderForSend(record: TemplateVersionRecord, wanted: string | null, lead: PendingMessage['lead'], m: string) {
    const locale = chooseLocale(record.locales, wanted, record.defaultLocale);
    const unsubscribeToken = this.codec.sign({ k: 'u', m });
    const unsubscribeUrl = `${this.base}/u/${unsubscribeToken}`;
    const data = templateDataFor(lead, { ...this.context(locale), unsubscribeUrl });
    const rendered = renderEmail(this.store.sendable(record, locale), data, {
      rewriteLink: (_url, l) => `${this.base}/t/c/${this.codec.sign({ k: 'c', m, l })}`,
      clickUrlPrefix: clickUrlPrefix(this.base, this.codec, m),
      openPixelUrl: `${this.base}/t/o/${this.codec.sign({ k: 'o', m })}`,
      fieldPrefix: `variants.${locale}`,
    });
    return { rendered, data, locale, unsubscribeUrl, unsubscribeToken };
  }

  /**
   * A preview: for a lead (their data) or for sample data, in the locale asked for; nothing tracked. Rendered even
   * when the variant lacks the footer (a version saved before saves checked it), with `problems` saying what a send
   * would refuse it for.
   */
  preview(
    record: TemplateVersionRecord,
    input: { lead?: PendingMessage['lead']; data?: Record<string, unknown>; locale?: string | null },
  ): RenderedEmail & { locale: string; problems: readonly TemplateProblem[] } {
    const locale = chooseLocale(record.locales, input.locale ?? input.lead?.locale ?? null, record.defaultLocale);
    const context = { ...this.context(locale), unsubscribeUrl: `${this.base}/u/preview` };
    const data = input.lead ? templateDataFor(input.lead, context) : sampleDataFor(input.data ?? {}, context);
    const rendered = renderEmail(this.store.prepared(record, locale), data, { ...NO_TRACKING, fieldPrefix: `variants.${locale}` });
    return { ...rendered, locale, problems: this.store.footerProblems(record, locale) };
  }

  private context(locale: string) {
    return { sender: this.config.email.sender, variantLocale: locale, defaultTimezone: this.config.defaultTimezone };
  }

  /** A subject given with the send (an A/B variant, say), rendered like the template's own subject. */
  private renderSubject(source: string, data: object): string {
    let render = this.subjects.get(source);
    if (!render) {
      render = renderEngine.compile(source, { noEscape: true, strict: false });
      if (this.subjects.size >= MAX_SUBJECT_TEMPLATES) this.subjects.clear();
      this.subjects.set(source, render);
    }
    try {
      return render(data).replace(/\s+/g, ' ').trim();
    } catch (err) {
      throw TemplateError.at('subjectOverride', null, `the subject could not be rendered: ${(err as Error).message}`);
    }
  }
}

/** A link no person sees or clicks (hidden, zero size, out of the reading order); scanners follow it. */
function withHoneypot(html: string, url: string): string {
  const link = `<a href="${url}" aria-hidden="true" tabindex="-1" style="display:none;font-size:0;line-height:0;max-height:0;overflow:hidden;mso-hide:all;">&#8203;</a>`;
  const end = html.lastIndexOf('</body>');
  return end === -1 ? html + link : html.slice(0, end) + link + html.slice(end);
}
