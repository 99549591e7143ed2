import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a lead first reached sql, opportunity and customer (mql_at exists), so funnels are one
 * indexed pass over leads instead of a search through stage history.
 */
export class LeadMilestones1764000700000 implements MigrationInterface {
  name = 'LeadMilestones1764000700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE leads ADD COLUMN sql_at timestamptz, ADD COLUMN opportunity_at timestamptz, ADD COLUMN customer_at timestamptz`);
    await q.query(`
      UPDATE leads l SET
        sql_at = (SELECT min(changed_at) FROM stage_changes c WHERE c.lead_id = l.id AND c.to_stage = 'sql'),
        opportunity_at = (SELECT min(changed_at) FROM stage_changes c WHERE c.lead_id = l.id AND c.to_stage = 'opportunity'),
        customer_at = (SELECT min(changed_at) FROM stage_changes c WHERE c.lead_id = l.id AND c.to_stage = 'customer')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE leads DROP COLUMN sql_at, DROP COLUMN opportunity_at, DROP COLUMN customer_at`);
  }
}
