import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A published scoring model re-evaluates every lead in the background (fit recomputed with the new fit rules,
 * the MQL rule applied). One row per published version holds that run's progress: the keyset cursor (every
 * lead whose id is at most `after_lead_id` is done) and counts, written in the same transaction as each batch of
 * leads, so a worker that dies loses nothing and the next one resumes there. A newer publish supersedes the
 * running one. The partial index finds the running one on every worker tick.
 */
export class ScoringReevaluations1764006900000 implements MigrationInterface {
  name = 'ScoringReevaluations1764006900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE scoring_reevaluations (
        model_version integer PRIMARY KEY REFERENCES scoring_models(version),
        status text NOT NULL CHECK (status IN ('running','completed','superseded')),
        after_lead_id uuid,
        leads_total integer NOT NULL,
        leads_done integer NOT NULL DEFAULT 0,
        refitted integer NOT NULL DEFAULT 0,
        promoted integer NOT NULL DEFAULT 0,
        started_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX scoring_reevaluations_running ON scoring_reevaluations (model_version) WHERE status = 'running'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS scoring_reevaluations`);
  }
}
