import type { Stage } from '../scoring/domain/lifecycle.js';
import type { IntentTier } from '../scoring/domain/scoring-model.types.js';
import type { EmailConfig } from '../config/app-config.js';
import type { TemplateData } from './domain/template-variables.js';
import { leadContactOf, type LeadContact, type LeadContactRow } from '../leads/lead-contact.js';

/** The lead fields a template can use, as read for one send. */
export interface LeadSnapshot extends LeadContact {
  stage: Stage | null;
  /** The highest intent tier of the lead's recent behaviour (see leadIntentSql); null when not known. */
  intent: IntentTier | null;
  channel: string | null;
  engagementScore: number | null;
  fitScore: number | null;
  attributes: Record<string, unknown>;
  qualification: Record<string, unknown>;
  source: Record<string, unknown>;
}

/** The snapshot from a `leads` row (snake_case columns). */
export function leadSnapshotFromRow(r: Record<string, any>): LeadSnapshot {
  return {
    ...leadContactOf(r as LeadContactRow),
    stage: r.stage,
    intent: r.intent ?? null,
    channel: r.channel,
    engagementScore: r.engagement_score,
    fitScore: r.fit_score,
    attributes: r.attributes ?? {},
    qualification: r.qualification ?? {},
    source: r.source ?? {},
  };
}

/** Who test sends are personalised for, so a marketer sees a filled-in email. */
export const SAMPLE_LEAD: LeadSnapshot = {
  email: 'an.peeters@example.be',
  firstName: 'An',
  lastName: 'Peeters',
  company: 'Bakkerij Peeters',
  jobTitle: 'Zaakvoerder',
  phone: null,
  locale: null,
  timezone: null,
  stage: 'lead',
  intent: 'medium',
  channel: 'website',
  engagementScore: 0,
  fitScore: 0,
  attributes: { industry: 'food', employees: 12 },
  qualification: {},
  source: { channel: 'website' },
};

/** Who a test send to `address` is personalised for: the sample lead, at that address. */
export function testSendLead(address: string | null): LeadSnapshot {
  return { ...SAMPLE_LEAD, email: address ?? SAMPLE_LEAD.email };
}

export interface DataContext {
  sender: EmailConfig['sender'];
  /** The locale of the variant being rendered. */
  variantLocale: string;
  defaultTimezone: string;
  unsubscribeUrl: string;
}

/**
 * The data a template renders with for one lead. `locale` is the lead's own when it is in the variant's
 * language (so `nl-BE` formats dates the Belgian way in the `nl` email), else the variant's.
 */
export function templateDataFor(lead: LeadSnapshot | null, ctx: DataContext): TemplateData {
  const leadLocale = present(lead?.locale);
  const sameLanguage = leadLocale !== null && language(leadLocale) === language(ctx.variantLocale);
  return {
    firstName: present(lead?.firstName),
    lastName: present(lead?.lastName),
    email: present(lead?.email),
    phone: present(lead?.phone),
    company: present(lead?.company),
    jobTitle: present(lead?.jobTitle),
    locale: sameLanguage ? leadLocale : ctx.variantLocale,
    timezone: present(lead?.timezone) ?? ctx.defaultTimezone,
    stage: lead?.stage ?? null,
    intent: lead?.intent ?? null,
    engagementScore: lead?.engagementScore ?? null,
    fitScore: lead?.fitScore ?? null,
    attributes: withoutBlanks(lead?.attributes ?? {}),
    qualification: withoutBlanks(lead?.qualification ?? {}),
    source: withoutBlanks(lead ? { ...lead.source, ...(present(lead.channel) ? { channel: lead.channel } : {}) } : {}),
    sender: senderData(ctx.sender),
    unsubscribeUrl: ctx.unsubscribeUrl,
  };
}

/** Sample data given by a marketer (previews), with the sender and unsubscribe link filled in; blanks are missing, as for a lead. */
export function sampleDataFor(data: Record<string, unknown>, ctx: DataContext): TemplateData {
  const given = withoutBlanks(data);
  for (const key of NESTED_FIELDS) if (isObject(given[key])) given[key] = withoutBlanks(given[key]);
  return {
    locale: ctx.variantLocale,
    timezone: ctx.defaultTimezone,
    ...given,
    sender: { ...senderData(ctx.sender), ...(isObject(given.sender) ? given.sender : {}) },
    unsubscribeUrl: ctx.unsubscribeUrl,
  };
}

const NESTED_FIELDS = ['attributes', 'qualification', 'source', 'sender'] as const;

/**
 * A text field as a template sees it: trimmed, and null when blank. A first name of "   " is no name, so
 * `{{#if firstName}}` skips it rather than greeting "Bonjour  ,".
 */
function present(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** The object with its text values trimmed and its blank ones left out (one level: attributes, qualification, source). */
function withoutBlanks(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value !== 'string') out[key] = value;
    else if (value.trim() !== '') out[key] = value.trim();
  }
  return out;
}

function senderData(sender: EmailConfig['sender']): Record<string, unknown> {
  return {
    name: sender.name,
    address: sender.address || null,
    website: sender.website,
    bookingUrl: sender.bookingUrl,
  };
}

function language(locale: string): string {
  return locale.toLowerCase().split(/[-_]/)[0];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
