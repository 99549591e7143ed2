import type { Stage } from '../scoring/domain/lifecycle.js';
import { mailability, type Mailability } from '../suppression/lawful-basis.js';
import type { SuppressionReason } from '../suppression/suppression.types.js';
import { leadContactOf, type LeadContact, type LeadContactRow } from './lead-contact.js';

/** What a consent record says (the consents.status check constraint). */
export const CONSENT_STATUSES = ['granted', 'withdrawn'] as const;
/** A lead's consent now: that of its latest record, or `unknown` when none was ever recorded. */
export const LEAD_CONSENT_STATUSES = [...CONSENT_STATUSES, 'unknown'] as const;
export type LeadConsentStatus = (typeof LEAD_CONSENT_STATUSES)[number];
/** The lawful basis recorded with a grant (the consents.basis check constraint). */
export const LAWFUL_BASES = ['consent', 'legitimate_interest'] as const;

/** A lead row as stored. */
export interface LeadRow extends LeadContactRow {
  id: string;
  email_normalized: string;
  stage: Stage;
  channel: string | null;
  source: Record<string, unknown>;
  qualification: Record<string, unknown>;
  attributes: Record<string, unknown>;
  consent_status: LeadConsentStatus;
  consent_basis: string | null;
  engagement_score: number;
  engagement_as_of: Date;
  fit_score: number;
  fit_contributions: { ruleId: string; description: string; points: number }[];
  fit_model_version: number | null;
  mql_at: Date | null;
  /** When the lead last became recycled, and the engagement earned since (as of engagement_as_of); read only while recycled. */
  recycled_at: Date | null;
  recycled_engagement: number | null;
  created_at: Date;
  updated_at: Date;
  erased_at: Date | null;
}

/** A lead as the API shows it. */
export interface LeadView extends LeadContact {
  id: string;
  stage: Stage;
  source: Record<string, unknown>;
  /**
   * The lead's consent now, with the text shown, where and when it was captured, from the consent record that
   * set it (null where nothing was recorded, or after an erasure).
   */
  consent: { status: string; basis: string | null; text: string | null; source: string | null; capturedAt: string | null };
  /**
   * Whether a nurture email may be sent to the lead now; when not, `suppression` says why (the reason its
   * enrollments exit with: a suppression-list reason, consent_withdrawn or no_lawful_basis) and since when.
   */
  mailable: Mailability['mailable'];
  suppression: Mailability['suppression'];
  qualification: Record<string, unknown>;
  attributes: Record<string, unknown>;
  engagementScore: number;
  fitScore: number;
  mqlAt: string | null;
  createdAt: string;
  updatedAt: string;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** The newest consent record of a lead (see latestConsents). */
export interface ConsentRecord {
  status: string;
  text: string | null;
  source: string | null;
  captured_at: Date;
}

/** The lead's suppression-list entry (see listedWithSince), when it has one. */
export type ListedEntry = { reason: SuppressionReason; since: Date } | null | undefined;

export function toLeadView(row: LeadRow, engagementNow: number, record: ConsentRecord | null | undefined, listed: ListedEntry): LeadView {
  // A record only describes the current consent when it set it (an erasure withdraws consent without one).
  const current = record && record.status === row.consent_status ? record : null;
  return {
    id: row.id,
    ...leadContactOf(row),
    stage: row.stage,
    source: row.source,
    consent: {
      status: row.consent_status,
      basis: row.consent_basis,
      text: current?.text ?? null,
      source: current?.source ?? null,
      capturedAt: current?.captured_at.toISOString() ?? null,
    },
    ...mailability(row.consent_status, current?.captured_at ?? null, listed),
    qualification: row.qualification,
    attributes: row.attributes,
    engagementScore: round(engagementNow),
    fitScore: round(row.fit_score),
    mqlAt: row.mql_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
