import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The funnel by program counted its leads by hashing every per-program lead row of the period (400,000 rows
 * for 1,000,000 leads in the benchmark, the largest part of its cost now that its totals are computed over
 * every lead as well). This view holds those counts per program and UTC day of lead creation, so whole days
 * are summed from a few thousand rows, as `funnel_daily` does for the other groupings; the partial days at
 * the ends of a period are still counted from the lead rows. Workers refresh it with the rows it sums, in the
 * same transaction, so the two never disagree.
 */
export class ProgramFunnelDaily1764006700000 implements MigrationInterface {
  name = 'ProgramFunnelDaily1764006700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE MATERIALIZED VIEW funnel_program_daily AS
        SELECT program_id, funnel_day(created_at) AS day, count(*) AS leads, count(mql_at) AS mql, count(sql_at) AS sql,
               count(opportunity_at) AS opportunity, count(customer_at) AS won
          FROM funnel_program_leads GROUP BY 1, 2`);
    // REFRESH … CONCURRENTLY needs a unique index; it also serves the day range.
    await q.query(`CREATE UNIQUE INDEX funnel_program_daily_key ON funnel_program_daily (day, program_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP MATERIALIZED VIEW IF EXISTS funnel_program_daily`);
  }
}
