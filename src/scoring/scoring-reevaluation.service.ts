import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { LeadActivityHub } from '../lifecycle/lead-activity.js';
import { applyStageChanges } from '../lifecycle/stage-change.js';
import { SCORED_LEAD_COLUMNS } from './lead-scoring.service.js';
import { planReevaluation, type ReevaluatedLead } from './reevaluation-plan.js';
import { FIRST_KEY, toView, type ReevaluationView, type RunRow } from './reevaluation-runs.js';
import { ScoringModelService } from './scoring-model.service.js';

/** What one batch did. */
export interface ReevaluationBatch {
  version: number;
  leads: number;
  refitted: number;
  promoted: number;
  /** The run re-evaluated its last lead with this batch. */
  finished: boolean;
}

/**
 * Re-evaluates every lead under a newly published scoring model, in keyset batches (by lead id) that each
 * commit their leads' new fit, their promotions (with hand-offs through the outbox, as any promotion) and the
 * run's progress in one transaction: PostgreSQL holds the progress, so a worker killed mid-batch loses only
 * that uncommitted batch and the next run resumes after the last committed one. A batch locks the run's row
 * (SKIP LOCKED: another worker's batch is under way, so this one leaves the run to it) and its leads (waiting
 * for a transaction scoring one, so the newer of the two writes wins, in id order).
 */
@Injectable()
export class ScoringReevaluationService {
  constructor(
    private readonly db: DataSource,
    private readonly models: ScoringModelService,
    private readonly clock: Clock,
    private readonly activity: LeadActivityHub,
  ) {}

  /** The re-evaluation of `version` (null for a version that started none: the first). */
  async of(version: number): Promise<ReevaluationView | null> {
    const [row]: RunRow[] = await this.db.query(`SELECT * FROM scoring_reevaluations WHERE model_version = $1`, [version]);
    return row ? toView(row) : null;
  }

  /** Re-evaluates the next `limit` leads of the running re-evaluation; null when none runs or another worker's batch holds it. */
  async runBatch(limit: number): Promise<ReevaluationBatch | null> {
    return this.db.transaction(async (m) => {
      const [run]: RunRow[] = await m.query(
        `SELECT * FROM scoring_reevaluations WHERE status = 'running' ORDER BY model_version DESC LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
      if (!run) return null;
      const now = this.clock.now();
      const { definition } = await this.models.version(run.model_version, m);
      const leads: ReevaluatedLead[] = await m.query(
        `SELECT ${SCORED_LEAD_COLUMNS}, fit_score FROM leads WHERE id > $1 AND erased_at IS NULL ORDER BY id LIMIT $2 FOR NO KEY UPDATE`,
        [run.after_lead_id ?? FIRST_KEY, limit],
      );
      const plan = planReevaluation(definition, leads, now);
      if (plan.fits.length) {
        await m.query(
          `UPDATE leads l SET fit_score = f.score, fit_contributions = f.contributions, fit_model_version = $2, updated_at = $3
             FROM jsonb_to_recordset($1::jsonb) AS f(id uuid, score float8, contributions jsonb)
            WHERE l.id = f.id`,
          [JSON.stringify(plan.fits), run.model_version, now.toISOString()],
        );
      }
      await applyStageChanges(m, plan.changes);
      await this.activity.publish(m, plan.activities);
      const finished = leads.length < limit;
      await m.query(
        `UPDATE scoring_reevaluations
            SET after_lead_id = coalesce($2, after_lead_id), leads_done = leads_done + $3, refitted = refitted + $4, promoted = promoted + $5,
                updated_at = $6, status = CASE WHEN $7 THEN 'completed' ELSE status END, finished_at = CASE WHEN $7 THEN $6::timestamptz END
          WHERE model_version = $1`,
        [run.model_version, leads.at(-1)?.id ?? null, leads.length, plan.fits.length, plan.changes.length, now.toISOString(), finished],
      );
      return { version: run.model_version, leads: leads.length, refitted: plan.fits.length, promoted: plan.changes.length, finished };
    });
  }
}
