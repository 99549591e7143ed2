import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A recycled lead re-qualifies only on new evidence (see applyStageChanges and scoreEvents): `recycled_at` is when
 * it last became recycled, and `recycled_engagement` the engagement it has earned from events that occurred since
 * then, stored as of `engagement_as_of` (the moment of `engagement_score`, so both decay alike whatever the model's
 * half-life). Both are read only while the lead is recycled. Leads recycled already start from their latest move
 * to recycled, with nothing earned since.
 */
export class RecycledEngagement1764006800000 implements MigrationInterface {
  name = 'RecycledEngagement1764006800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE leads ADD COLUMN recycled_at timestamptz, ADD COLUMN recycled_engagement double precision`);
    await q.query(
      `UPDATE leads l SET recycled_engagement = 0,
              recycled_at = coalesce((SELECT max(c.changed_at) FROM stage_changes c WHERE c.lead_id = l.id AND c.to_stage = 'recycled'), l.updated_at)
        WHERE l.stage = 'recycled'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE leads DROP COLUMN recycled_at, DROP COLUMN recycled_engagement`);
  }
}
