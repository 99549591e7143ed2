/**
 * The re-evaluation of every lead that publishing a scoring model starts (table scoring_reevaluations): started, stored,
 * shown. Migration 1764010100000 may start one for the current version too (set back to running when it had one).
 */
import type { EntityManager } from 'typeorm';

export const REEVALUATION_STATUSES = ['running', 'completed', 'superseded'] as const;
export type ReevaluationStatus = (typeof REEVALUATION_STATUSES)[number];

/** A version's re-evaluation of every lead, as the scoring model answer shows it. */
export interface ReevaluationView {
  status: ReevaluationStatus;
  /** Leads (not erased) when it started. */
  leadsTotal: number;
  /** Leads re-evaluated so far (leads created meanwhile may add a few beyond leadsTotal). */
  leadsDone: number;
  /** leadsDone of leadsTotal, 0 to 1 (1 only once completed). */
  progress: number;
  /** Leads whose fit score changed. */
  refitted: number;
  /** Leads promoted (to MQL) by the MQL rule. */
  promoted: number;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface RunRow {
  model_version: number;
  status: ReevaluationStatus;
  after_lead_id: string | null;
  leads_total: number;
  leads_done: number;
  refitted: number;
  promoted: number;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

/** Below every lead id: where a run starts. */
export const FIRST_KEY = '00000000-0000-0000-0000-000000000000';

/**
 * Starts, inside the transaction that publishes `version`, its re-evaluation of every lead, and supersedes the
 * one under way (its leads are all re-evaluated again under the newer version). Waits for a batch under way.
 */
export async function startReevaluation(m: EntityManager, version: number, now: Date): Promise<void> {
  await m.query(`UPDATE scoring_reevaluations SET status = 'superseded', finished_at = $1, updated_at = $1 WHERE status = 'running'`, [now.toISOString()]);
  await m.query(
    `INSERT INTO scoring_reevaluations (model_version, status, leads_total, started_at, updated_at)
     SELECT $1, 'running', count(*), $2, $2 FROM leads WHERE erased_at IS NULL`,
    [version, now.toISOString()],
  );
}

export function toView(row: RunRow): ReevaluationView {
  // Short of 1 until completed: leads created meanwhile may still be ahead of the cursor.
  const progress = row.status === 'completed' ? 1 : row.leads_total === 0 ? 0 : Math.min(0.999, row.leads_done / row.leads_total);
  return {
    status: row.status,
    leadsTotal: row.leads_total,
    leadsDone: row.leads_done,
    progress: Math.floor(progress * 1000) / 1000,
    refitted: row.refitted,
    promoted: row.promoted,
    startedAt: row.started_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}
