import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { anonymousEventPropertiesSql } from './anonymous-event-properties.js';

const BATCH = 10_000;
const LOCK = 7428193;

/**
 * Data retention: behaviour events older than EVENT_RETENTION_MONTHS lose their properties
 * (anonymise: type, time and points stay for aggregates, and an unsubscribe its program step, see
 * anonymousEventPropertiesSql) or are deleted, in batches. Interactions
 * of the same age lose their IP address and user agent. One process at a time (advisory lock).
 */
@Injectable()
export class RetentionService {
  constructor(
    private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  cutoff(now: Date): Date | null {
    if (this.config.eventRetentionMonths <= 0) return null;
    const d = new Date(now);
    d.setUTCMonth(d.getUTCMonth() - this.config.eventRetentionMonths);
    return d;
  }

  async run(now: Date): Promise<{ events: number; interactions: number } | null> {
    const cutoff = this.cutoff(now);
    if (!cutoff) return { events: 0, interactions: 0 };
    const runner = this.db.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query(`SELECT pg_try_advisory_lock($1) AS locked`, [LOCK]);
      if (!locked) return null;
      try {
        let events = 0;
        const sql =
          this.config.retentionMode === 'delete'
            ? `WITH doomed AS (SELECT id FROM events WHERE occurred_at < $1 LIMIT ${BATCH}), d AS (DELETE FROM events e USING doomed WHERE e.id = doomed.id RETURNING 1) SELECT count(*)::int AS n FROM d`
            : `WITH doomed AS (SELECT id FROM events e WHERE occurred_at < $1 AND properties <> '{}'::jsonb
                                 AND properties IS DISTINCT FROM ${anonymousEventPropertiesSql('e')} LIMIT ${BATCH}),
                    u AS (UPDATE events e SET properties = ${anonymousEventPropertiesSql('e')} FROM doomed WHERE e.id = doomed.id RETURNING 1)
               SELECT count(*)::int AS n FROM u`;
        for (;;) {
          const [{ n }] = await runner.query(sql, [cutoff.toISOString()]);
          events += n;
          if (n < BATCH) break;
        }
        const [{ n: interactions }] = await runner.query(
          `WITH u AS (UPDATE email_interactions SET ip = NULL, user_agent = NULL WHERE occurred_at < $1 AND (ip IS NOT NULL OR user_agent IS NOT NULL) RETURNING 1)
           SELECT count(*)::int AS n FROM u`,
          [cutoff.toISOString()],
        );
        return { events, interactions };
      } finally {
        await runner.query(`SELECT pg_advisory_unlock($1)`, [LOCK]);
      }
    } finally {
      await runner.release();
    }
  }
}
