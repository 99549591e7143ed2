import { maxCapWindowMs, type LedgerFact } from '../scoring/domain/index.js';
import { SCORED_LEAD_COLUMNS } from '../scoring/lead-scoring.service.js';
import type { ScoredLead } from '../scoring/scoring-plan.js';
import type { ScoringModelVersion } from '../scoring/scoring-model.service.js';
import { ServerStatement } from '../infra/database/simple-protocol.js';
import { LIVE_PROGRAMS_SQL } from '../programs/program-catalog.service.js';
import type { KnownLeadEventRow } from './known-lead-event-writer.js';

/**
 * What the known-lead transaction reads before it writes (see KnownLeadEventWriter.lockAndRead): the
 * statements, their rows, and the parameters that depend on the scoring model.
 */

/** A lead as locked and read, with its email (requests may name leads by address) and whether it was erased (it takes no events). */
export type LockedLead = ScoredLead & { email_normalized: string; erased: boolean };
type RawLead = Omit<LockedLead, 'engagement_as_of' | 'recycled_at'> & { engagement_as_of: string; recycled_at: string | null; x: number };

/** The lock-and-read (see KnownLeadEventWriter.lockAndRead): ids, emails, then the five parameters of readsSql. */
export const LOCK_AND_READ_SQL = `WITH l AS (
         SELECT ${SCORED_LEAD_COLUMNS}, email_normalized, erased_at IS NOT NULL AS erased, xmin::text::bigint AS x FROM leads
          WHERE id = ANY($1::uuid[]) OR email_normalized = ANY($2::text[])
          ORDER BY id FOR NO KEY UPDATE
       ), t AS (
         SELECT (pg_current_xact_id()::text::bigint >> 32) << 32 AS epoch, pg_current_xact_id()::text::bigint AS cur, pg_current_snapshot() AS snap
       )
       SELECT (SELECT max(version) FROM scoring_models) AS version,
              (SELECT coalesce(bool_and(pg_visible_in_snapshot(
                        (CASE WHEN t.epoch + l.x > t.cur THEN t.epoch + l.x - 4294967296 ELSE t.epoch + l.x END)::text::xid8, t.snap)), true)
                 FROM l, t) AS fresh,
              (SELECT json_agg(l) FROM l) AS leads,
              (${LIVE_PROGRAMS_SQL}) AS live,
              ${readsSql(3, 'l')}`;
export const LOCK_AND_READ = new ServerStatement(LOCK_AND_READ_SQL);

export type LockAndReadRow = { version: number; fresh: boolean; leads: RawLead[] | null; live: unknown } & ReadRow;

export interface ReadRow {
  keys: string[] | null;
  recent: [string, string, string][] | null;
}

/**
 * Keys already stored (the first of five parameters, numbered from `$first`) and ledger rows of
 * capped rules inside the cap window (from the fourth) for those of the leads (`leads`: id,
 * email_normalized) named by id or email (second and third).
 */
function readsSql(first: number, leads: string): string {
  const p = (i: number) => `$${first + i}`;
  return `
  (SELECT array_agg(idempotency_key) FROM events WHERE idempotency_key = ANY(${p(0)}::text[])) AS keys,
  (SELECT json_agg(json_build_array(s.lead_id, s.rule_id, s.occurred_at))
     -- IN (SELECT unnest(…)) is a hashed lookup; = ANY(…) of a parameter is a linear search per lead,
     -- quadratic in the size of the group (in psql, 42 of this statement's 52 ms for a 2,000-event group)
     FROM (SELECT id FROM ${leads} WHERE id IN (SELECT unnest(${p(1)}::uuid[])) OR email_normalized IN (SELECT unnest(${p(2)}::text[]))) c
     CROSS JOIN LATERAL (
       -- OFFSET 0 keeps this a per-lead index probe (a hash join would read the whole ledger)
       SELECT s.lead_id, s.rule_id, s.occurred_at FROM score_ledger s
        WHERE s.lead_id = c.id AND s.occurred_at > ${p(3)} AND s.rule_id = ANY(${p(4)}::text[]) OFFSET 0) s) AS recent`;
}

/** The keys and ledger rows read again, for the locked leads (by id), when the first read's snapshot was stale. */
export const REREAD_SQL = `WITH l AS (SELECT id, email_normalized FROM leads WHERE id = ANY($1::uuid[])) SELECT ${readsSql(2, 'l')}`;

/** The five parameters of readsSql for these events under this model (none needed when no capped rule applies). */
export function readParams(model: ScoringModelVersion | null, keys: string[], rows: KnownLeadEventRow[], now: Date): { needed: boolean; params: unknown[] } {
  const capped = model ? model.definition.behaviourRules.filter((r) => r.cap) : [];
  const cappedTypes = new Set(capped.map((r) => r.eventType));
  const relevant = rows.filter((r) => r.insert && cappedTypes.has(r.type));
  const windowMs = model ? maxCapWindowMs(model.definition) : 0;
  const earliest = relevant.reduce((min, r) => Math.min(min, r.occurredAt.getTime()), now.getTime());
  return {
    needed: relevant.length > 0 && windowMs > 0,
    params: [
      keys,
      [...new Set(relevant.filter((r) => r.leadId).map((r) => r.leadId!))],
      [...new Set(relevant.filter((r) => !r.leadId).map((r) => r.email!))],
      new Date(earliest - windowMs).toISOString(),
      relevant.length && windowMs > 0 ? capped.map((r) => r.id) : [],
    ],
  };
}

/** The ledger rows read, per lead. */
export function recentFacts(read: ReadRow): Map<string, LedgerFact[]> {
  const recent = new Map<string, LedgerFact[]>();
  for (const [leadId, ruleId, at] of read.recent ?? []) {
    const list = recent.get(leadId);
    const fact = { ruleId, occurredAt: new Date(at) };
    if (list) list.push(fact);
    else recent.set(leadId, [fact]);
  }
  return recent;
}
