import { DynamicModule, Module } from '@nestjs/common';
import { AnalyticsModule } from './analytics/analytics.module.js';
import { AuthModule } from './auth/auth.module.js';
import { Clock } from './common/clock.js';
import { CommonModule } from './common/common.module.js';
import { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { EventsModule } from './events/events.module.js';
import { HandoffsModule } from './handoffs/handoffs.module.js';
import { HealthModule } from './health/health.module.js';
import { EmailApiModule } from './email/email-api.module.js';
import { EmailModule } from './email/email.module.js';
import { DatabaseModule } from './infra/database/database.module.js';
import { QueueModule } from './infra/queue/queue.module.js';
import { LeadsModule } from './leads/leads.module.js';
import { LeadActivityModule } from './lifecycle/lead-activity.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { PrivacyModule } from './privacy/privacy.module.js';
import { ProgramsModule } from './programs/programs.module.js';
import { ScoringModule } from './scoring/scoring.module.js';
import { TemplatesModule } from './templates/templates.module.js';
import { SuppressionAdminModule } from './suppression/suppression-admin.module.js';
import { TrackingModule } from './tracking/tracking.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';
import { WorkerModule } from './worker.module.js';

export interface AppOverrides {
  clock?: Clock;
}

/** One build, several roles: the HTTP API, the workers, or both. */
@Module({})
export class AppModule {
  static register(config: AppConfig, overrides: AppOverrides = {}): DynamicModule {
    const api = config.processRole !== 'worker';
    const worker = config.processRole !== 'api';
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        CommonModule.forRoot(overrides.clock),
        DatabaseModule,
        LeadActivityModule,
        QueueModule,
        MetricsModule,
        ScoringModule,
        EmailModule,
        ProgramsModule,
        ...(api ? [AuthModule, HealthModule, LeadsModule, PrivacyModule, AnalyticsModule, EventsModule, EmailApiModule, TemplatesModule, TrackingModule, SuppressionAdminModule, HandoffsModule, WebhooksModule] : []),
        ...(worker ? [WorkerModule] : []),
      ],
    };
  }
}
