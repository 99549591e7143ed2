import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AnalyticsWorkerModule } from './analytics/analytics-worker.module.js';
import { EmailDeliveryProcessor } from './email/email-delivery.processor.js';
import { EmailDeliverySweepCron } from './email/email-delivery-sweep.cron.js';
import { EmailModule } from './email/email.module.js';
import { HandoffsWorkerModule } from './handoffs/handoffs-worker.module.js';
import { IdempotencyExpiryCron } from './infra/database/idempotency-expiry.cron.js';
import { WorkTableVacuumCron } from './infra/database/work-table-vacuum.cron.js';
import { OutboxRelayModule } from './lifecycle/outbox-relay.module.js';
import { RetentionModule } from './privacy/retention.module.js';
import { ProgramsModule } from './programs/programs.module.js';
import { ProgramSchedulerCron } from './programs/scheduler/program-scheduler.cron.js';
import { ProgramsProcessor } from './programs/scheduler/programs.processor.js';
import { ScoringModule } from './scoring/scoring.module.js';
import { ScoringProcessor } from './scoring/scoring.processor.js';
import { ScoringReevaluationCron } from './scoring/scoring-reevaluation.cron.js';
import { ScoringSweepCron } from './scoring/scoring-sweep.cron.js';
import { TrackingDrainCron } from './tracking/tracking-drain.cron.js';
import { TrackingRecorderModule } from './tracking/tracking-recorder.module.js';
import { WebhooksWorkerModule } from './webhooks/webhooks-worker.module.js';

/** What a worker process runs: queue consumers and scheduled sweeps. Loaded for PROCESS_ROLE=worker|all. */
@Module({
  imports: [ScheduleModule.forRoot(), ScoringModule, EmailModule, TrackingRecorderModule, ProgramsModule, OutboxRelayModule, HandoffsWorkerModule, WebhooksWorkerModule, RetentionModule, AnalyticsWorkerModule],
  providers: [ScoringProcessor, ScoringSweepCron, ScoringReevaluationCron, EmailDeliveryProcessor, EmailDeliverySweepCron, TrackingDrainCron, ProgramsProcessor, ProgramSchedulerCron, WorkTableVacuumCron, IdempotencyExpiryCron],
})
export class WorkerModule {}
