/** Why an address must never be mailed again (the suppressions.reason check constraint). */
/** `soft_bounces`: SOFT_BOUNCE_LIMIT soft bounces on distinct messages within SOFT_BOUNCE_WINDOW_DAYS (domain/soft-bounces.ts). */
export const SUPPRESSION_REASONS = ['unsubscribed', 'hard_bounce', 'complaint', 'consent_withdrawn', 'erased', 'manual', 'soft_bounces'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface SuppressionRow {
  email_hash: string;
  lead_id: string | null;
  reason: SuppressionReason;
  source: string | null;
  created_at: Date;
}

/** A suppression as the API shows it. The address itself is not stored; `email` is the linked lead's, when there is one. */
export interface SuppressionView {
  emailHash: string;
  email: string | null;
  leadId: string | null;
  reason: SuppressionReason;
  source: string | null;
  createdAt: string;
  /** Only when lifted entries are listed too (GET /suppressions?include=lifted): how it left the list, null while it is on it. */
  lifted?: { liftedAt: string; liftedBy: string; note: string | null } | null;
}

/** A list entry as the API shows it, `email` being the linked lead's address when there is one. */
export function suppressionView(r: SuppressionRow & { email: string | null }): SuppressionView {
  return {
    emailHash: r.email_hash,
    email: r.email,
    leadId: r.lead_id,
    reason: r.reason,
    source: r.source,
    createdAt: r.created_at.toISOString(),
  };
}

export interface SuppressRequest {
  email: string;
  leadId?: string | null;
  reason: SuppressionReason;
  source?: string | null;
}
