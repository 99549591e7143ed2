import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../../common/clock.js';
import { IDEMPOTENCY_KEY_TTL_MS } from '../../common/idempotency.interceptor.js';
import { PeriodicTask } from '../../common/periodic-task.js';

const EVERY_MS = 10 * 60_000;
const BATCH = 5_000;

/**
 * Forgets idempotency keys older than IDEMPOTENCY_KEY_TTL_MS (the interceptor already treats them as unused),
 * so the table holds about a day of keys however long the service runs: every ten minutes, in batches, oldest
 * first. Safe on several workers (a row deleted twice is deleted once).
 */
@Injectable()
export class IdempotencyExpiryCron extends PeriodicTask {
  protected readonly label = 'idempotency key expiry';

  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
  ) {
    super();
  }

  protected intervalMs(): number {
    return EVERY_MS;
  }

  /** Deletes expired records; returns how many. */
  protected async run(): Promise<number> {
    const before = new Date(this.clock.now().getTime() - IDEMPOTENCY_KEY_TTL_MS).toISOString();
    let deleted = 0;
    while (!this.isStopping()) {
      const [{ n }]: { n: number }[] = await this.db.query(
        `WITH doomed AS (SELECT scope, key FROM idempotency_records WHERE created_at < $1 ORDER BY created_at LIMIT ${BATCH}),
              d AS (DELETE FROM idempotency_records r USING doomed WHERE r.scope = doomed.scope AND r.key = doomed.key RETURNING 1)
         SELECT count(*)::int AS n FROM d`,
        [before],
      );
      deleted += n;
      if (n < BATCH) break;
    }
    return deleted;
  }
}
