import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A lead that reaches a later stage has passed the earlier ones: a deal won straight after acceptance (sql →
 * customer) was an opportunity, and a lead sales accepted from a program's hand-off step without a promotion
 * was qualified by marketing then. Stage changes now record those milestones (see applyStageChanges); this fills
 * them in for leads that skipped a stage before, so the funnel no longer shows more wins than opportunities or
 * more SQLs than MQLs. The funnel triggers carry the change into the aggregates. Not reversible: which milestones
 * were implied is not recorded, and they stay true.
 */
export class ImpliedFunnelMilestones1764006400000 implements MigrationInterface {
  name = 'ImpliedFunnelMilestones1764006400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE leads SET opportunity_at = customer_at WHERE opportunity_at IS NULL AND customer_at IS NOT NULL`);
    await q.query(`UPDATE leads SET sql_at = opportunity_at WHERE sql_at IS NULL AND opportunity_at IS NOT NULL`);
    await q.query(`UPDATE leads SET mql_at = sql_at WHERE mql_at IS NULL AND sql_at IS NOT NULL`);
  }

  async down(): Promise<void> {
    // Nothing to undo (see above).
  }
}
