import type { EntityManager } from 'typeorm';
import { emailHash } from './email-hash.js';
import { suppressionOfLeadSql } from './suppression.service.js';
import type { SuppressionReason } from './suppression.types.js';

/**
 * Lifting a suppression: its entry is deleted (so every send and enrollment check, which only looks the list up,
 * finds the address clean again) and a suppression_lifts row keeps what was lifted, by whom, when and why.
 * An erased lead's address (`erased_at`, or a lead that was erased) is never lifted.
 */

/** A lifted entry as the API shows it (no address: the list keeps none). */
export interface SuppressionLiftView {
  emailHash: string;
  leadId: string | null;
  reason: SuppressionReason;
  source: string | null;
  suppressedAt: string;
  liftedAt: string;
  liftedBy: string;
  note: string | null;
}

interface LiftRow {
  email_hash: string;
  lead_id: string | null;
  reason: SuppressionReason;
  source: string | null;
  suppressed_at: Date;
  lifted_at: Date;
  lifted_by: string;
  note: string | null;
}

/** Why an entry lifted by a fresh opt-in was lifted (suppression_lifts.note). */
export const OPT_IN_LIFT_NOTE = 'fresh opt-in (consent granted, basis consent) captured after the unsubscribe';

/**
 * Deletes the entries `where` selects (an SQL condition over `suppressions`, with `$1`… taking `params`) and records
 * each in suppression_lifts, in one statement. `by`, `note` and `at` are appended to the parameters.
 */
async function deleteAndRecord(m: EntityManager, where: string, params: unknown[], by: string, note: string | null, at: Date): Promise<LiftRow[]> {
  const n = params.length;
  return m.query(
    `WITH gone AS (DELETE FROM suppressions WHERE ${where} RETURNING email_hash, lead_id, reason, source, created_at)
     INSERT INTO suppression_lifts (id, email_hash, lead_id, reason, source, suppressed_at, lifted_at, lifted_by, note)
     SELECT gen_random_uuid(), email_hash, lead_id, reason, source, created_at, $${n + 3}, $${n + 1}, $${n + 2} FROM gone
     RETURNING email_hash, lead_id, reason, source, suppressed_at, lifted_at, lifted_by, note`,
    [...params, by, note, at.toISOString()],
  );
}

/** Lifts the entry of this address hash (the caller has checked it may be lifted); null when it is gone meanwhile. */
export async function liftEntry(m: EntityManager, hash: string, by: string, note: string, at: Date): Promise<SuppressionLiftView | null> {
  const [row] = await deleteAndRecord(m, `email_hash = $1`, [hash], by, note, at);
  return row ? toLiftView(row) : null;
}

/**
 * A fresh, explicit opt-in (consent granted on the basis of consent, captured at `capturedAt`) lifts the lead's
 * `unsubscribed` (and `consent_withdrawn`) entries that are older than it, by its address or by its id, so it may be
 * mailed again. Hard bounces, complaints, manual entries and erased addresses stay: the address failed or
 * complained, or an operator or an erasure listed it; only DELETE /api/v1/suppressions lifts the first three.
 * An entry written after the opt-in was captured (an unsubscribe that came later) stays too.
 */
export async function liftForOptIn(
  m: EntityManager,
  lead: { id: string; email: string },
  optIn: { capturedAt: Date; source: string | null },
  by: string,
  at: Date,
): Promise<number> {
  const lifted = await deleteAndRecord(
    m,
    `(email_hash = $1 OR lead_id = $2) AND reason IN ('unsubscribed', 'consent_withdrawn') AND erased_at IS NULL AND created_at < $3`,
    [emailHash(lead.email), lead.id, optIn.capturedAt.toISOString()],
    by,
    optIn.source ? `${OPT_IN_LIFT_NOTE} (${optIn.source})` : OPT_IN_LIFT_NOTE,
    at,
  );
  return lifted.length;
}

/** The suppression-list entry each of these leads is blocked by (the earliest, as the send check finds it), with when it was listed. */
export async function listedWithSince(m: EntityManager, leadIds: string[]): Promise<Map<string, { reason: SuppressionReason; since: Date }>> {
  if (!leadIds.length) return new Map();
  const rows: { id: string; reason: SuppressionReason; since: Date }[] = await m.query(
    `SELECT l.id, s.reason, s.created_at AS since FROM leads l ${suppressionOfLeadSql('l')} WHERE l.id = ANY($1::uuid[]) AND s.reason IS NOT NULL`,
    [leadIds],
  );
  return new Map(rows.map((r) => [r.id, { reason: r.reason, since: r.since }]));
}

export function toLiftView(r: LiftRow): SuppressionLiftView {
  return {
    emailHash: r.email_hash,
    leadId: r.lead_id,
    reason: r.reason,
    source: r.source,
    suppressedAt: r.suppressed_at.toISOString(),
    liftedAt: r.lifted_at.toISOString(),
    liftedBy: r.lifted_by,
    note: r.note,
  };
}
