import { Module } from '@nestjs/common';
import { FunnelCompactionCron } from './funnel-compaction.cron.js';

/** The analytics side of worker processes: keeping the funnel aggregates compact. */
@Module({ providers: [FunnelCompactionCron] })
export class AnalyticsWorkerModule {}
