import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sales territories: a rep's `regions`, the upper-case ISO 3166-1 alpha-2 countries whose leads go to them first
 * (round robin among the reps covering a lead's `attributes.country`). Existing reps get none — an empty territory
 * serves every country — so assignment goes on as before until regions are set. The check keeps the stored codes in
 * the shape matching relies on (two upper-case letters); the API checks that they are assigned codes.
 */
export class SalesRepRegions1764009600000 implements MigrationInterface {
  name = 'SalesRepRegions1764009600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sales_reps ADD COLUMN regions text[] NOT NULL DEFAULT '{}'
                     CONSTRAINT sales_reps_regions_alpha2 CHECK (array_to_string(regions, ',') ~ '^([A-Z]{2}(,[A-Z]{2})*)?$')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sales_reps DROP COLUMN regions`);
  }
}
