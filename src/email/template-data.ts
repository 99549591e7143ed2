import type { Stage } from '../scoring/domain/lifecycle.js';
import type { IntentTier } from '../scoring/domain/scoring-model.types.js';
import type { EmailConfig } from '../config/app-config.js';
import type { TemplateData } from './domain/template-variables.js';

/** The lead fields a template can use, as read for one send. */
export interface LeadSnapshot {
  email: string;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  jobTitle: string | null;
  phone: string | null;
  locale: string | null;
  timezone: string | null;
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
    email: r.email,
    firstName: r.first_name,
    lastName: r.last_name,
    company: r.company,
    jobTitle: r.job_title,
    phone: r.phone,
    locale: r.locale,
    timezone: r.timezone,
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
  const sameLanguage = lead?.locale && language(lead.locale) === language(ctx.variantLocale);
  return {
    firstName: lead?.firstName ?? null,
    lastName: lead?.lastName ?? null,
    email: lead?.email ?? null,
    phone: lead?.phone ?? null,
    company: lead?.company ?? null,
    jobTitle: lead?.jobTitle ?? null,
    locale: sameLanguage ? lead!.locale : ctx.variantLocale,
    timezone: lead?.timezone ?? ctx.defaultTimezone,
    stage: lead?.stage ?? null,
    intent: lead?.intent ?? null,
    engagementScore: lead?.engagementScore ?? null,
    fitScore: lead?.fitScore ?? null,
    attributes: lead?.attributes ?? {},
    qualification: lead?.qualification ?? {},
    source: lead ? { ...lead.source, ...(lead.channel ? { channel: lead.channel } : {}) } : {},
    sender: senderData(ctx.sender),
    unsubscribeUrl: ctx.unsubscribeUrl,
  };
}

/** Sample data given by a marketer (previews), with the sender and unsubscribe link filled in. */
export function sampleDataFor(data: Record<string, unknown>, ctx: DataContext): TemplateData {
  return {
    locale: ctx.variantLocale,
    timezone: ctx.defaultTimezone,
    ...data,
    sender: { ...senderData(ctx.sender), ...(isObject(data.sender) ? data.sender : {}) },
    unsubscribeUrl: ctx.unsubscribeUrl,
  };
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
