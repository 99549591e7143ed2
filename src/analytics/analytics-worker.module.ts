import { Module } from '@nestjs/common';
import { FunnelCompactionCron } from './funnel-compaction.cron.js';
import { ProgramFunnelRefreshCron } from './program-funnel-refresh.cron.js';

/** The analytics side of worker processes: keeping the funnel aggregates compact and the program funnel rows fresh. */
@Module({ providers: [FunnelCompactionCron, ProgramFunnelRefreshCron] })
export class AnalyticsWorkerModule {}
