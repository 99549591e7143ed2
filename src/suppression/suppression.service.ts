import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { isUuid } from '../common/uuid.pipe.js';
import { normalizeEmail } from '../leads/email.util.js';
import { emailHash } from './email-hash.js';
import { optOutReason } from './lawful-basis.js';
import type { SuppressionReason, SuppressionRow, SuppressRequest } from './suppression.types.js';

/**
 * The one check everything that sends email makes right before sending: is this lead or address
 * suppressed? A lead is suppressed when its address (by hash) or the lead itself is on the suppression
 * list (unsubscribed, hard bounce, repeated soft bounces, complaint, erased, manual), or when it withdrew its consent.
 * Every method takes the caller's EntityManager, so the check and the send commit together.
 */

/**
 * `LEFT JOIN LATERAL (…) s ON true` giving `s.reason` and `s.created_at`: the earliest suppression of the lead aliased `lead`,
 * by its address's key or its id (null when none). The key is the one stored on the lead (leads.email_hash, kept by
 * a trigger with email_normalized), not hashed again here. Two index probes rather than one OR, which the planner
 * may answer by walking the whole suppression list in created_at order for every lead. Consent withdrawal
 * is the caller's to check (`lead.consent_status`).
 */
export function suppressionOfLeadSql(lead: string): string {
  return `LEFT JOIN LATERAL (
      SELECT reason, created_at FROM (
        SELECT reason, created_at FROM suppressions WHERE email_hash = ${lead}.email_hash
        UNION ALL
        SELECT reason, created_at FROM suppressions WHERE lead_id = ${lead}.id
      ) s ORDER BY s.created_at LIMIT 1
    ) s ON true`;
}
/**
 * The suppression-list reason of each of these leads that is on the list, by lead id or by the salted
 * hash of its address (the earliest entry when both match), in one statement: the hashes are computed
 * here and both lists of keys are looked up at once (a BitmapOr over the list's two indexes), instead
 * of two probes per lead. Consent withdrawal, which lives on the lead row, is the caller's to check.
 */
export async function listedSuppressions(manager: EntityManager, leads: { id: string; email: string | null }[]): Promise<Map<string, SuppressionReason>> {
  const reasons = new Map<string, SuppressionReason>();
  if (!leads.length) return reasons;
  const byHash = new Map<string, string[]>();
  for (const lead of leads) {
    if (!lead.email) continue;
    const hash = emailHash(lead.email);
    const ids = byHash.get(hash);
    if (ids) ids.push(lead.id);
    else byHash.set(hash, [lead.id]);
  }
  // Hex hashes and uuids hold no comma: each key list travels as one comma-joined text, which the driver
  // sends as is, where a JavaScript array would be escaped element by element.
  const listed: { email_hash: string; lead_id: string | null; reason: SuppressionReason }[] = await manager.query(
    `SELECT email_hash, lead_id, reason FROM suppressions
      WHERE email_hash = ANY(string_to_array($1, ',')) OR lead_id = ANY(string_to_array($2, ',')::uuid[]) ORDER BY created_at, email_hash`,
    [[...byHash.keys()].join(','), leads.map((l) => l.id).join(',')],
  );
  if (!listed.length) return reasons;
  const wanted = new Set(leads.map((l) => l.id));
  const earliest = (id: string, reason: SuppressionReason) => reasons.has(id) || reasons.set(id, reason);
  for (const row of listed) {
    for (const id of byHash.get(row.email_hash) ?? []) earliest(id, row.reason);
    if (row.lead_id && wanted.has(row.lead_id)) earliest(row.lead_id, row.reason);
  }
  return reasons;
}

@Injectable()
export class SuppressionService {
  constructor(private readonly clock: Clock) {}

  emailHash(email: string): string {
    return emailHash(email);
  }

  /** True when nothing may be sent to this lead (by id) or address. */
  async isSuppressed(manager: EntityManager, leadIdOrEmail: string): Promise<boolean> {
    return (await this.suppressionReason(manager, leadIdOrEmail)) !== null;
  }

  /**
   * Why this lead (by id) or address may not be mailed, or null when it may. An unknown lead id is not suppressed.
   * Of a listed reason and a withdrawn consent, the one sendBlock (lawful-basis.ts) names is given.
   */
  async suppressionReason(manager: EntityManager, leadIdOrEmail: string): Promise<SuppressionReason | null> {
    if (isUuid(leadIdOrEmail)) {
      return (await this.suppressedAmong(manager, [leadIdOrEmail])).get(leadIdOrEmail.toLowerCase()) ?? null;
    }
    const [row]: { listed: SuppressionReason | null; consent: string | null }[] = await manager.query(
      `SELECT (SELECT reason FROM suppressions WHERE email_hash = $1) AS listed,
              (SELECT consent_status FROM leads WHERE email_normalized = $2) AS consent`,
      [emailHash(leadIdOrEmail), normalizeEmail(leadIdOrEmail)],
    );
    return optOutReason(row?.consent, row?.listed);
  }

  /** For many leads at once: the suppressed ones, with their reason. */
  async suppressedAmong(manager: EntityManager, leadIds: string[]): Promise<Map<string, SuppressionReason>> {
    if (!leadIds.length) return new Map();
    const rows: { id: string; listed: SuppressionReason | null; consent: string }[] = await manager.query(
      `SELECT l.id, s.reason AS listed, l.consent_status AS consent
         FROM leads l
         ${suppressionOfLeadSql('l')}
        WHERE l.id = ANY($1::uuid[]) AND (s.reason IS NOT NULL OR l.consent_status = 'withdrawn')`,
      [leadIds],
    );
    return new Map(rows.map((r) => [r.id, optOutReason(r.consent, r.listed)!]));
  }

  /**
   * Puts an address on the suppression list. The first reason stays; a later call only links the lead
   * when the row had none. `created` tells whether the address was newly suppressed.
   */
  async suppress(manager: EntityManager, request: SuppressRequest): Promise<{ created: boolean; suppression: SuppressionRow }> {
    // `xmax = 0` holds only for a row this statement inserted (an upsert's update sets xmax).
    const [row]: (SuppressionRow & { created: boolean })[] = await manager.query(
      `INSERT INTO suppressions (email_hash, lead_id, reason, source, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (email_hash) DO UPDATE SET lead_id = coalesce(suppressions.lead_id, EXCLUDED.lead_id)
       RETURNING email_hash, lead_id, reason, source, created_at, (xmax = 0) AS created`,
      [emailHash(request.email), request.leadId ?? null, request.reason, request.source ?? null, this.clock.now().toISOString()],
    );
    const { created, ...suppression } = row;
    return { created, suppression };
  }
}
