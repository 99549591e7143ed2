import { DynamicModule, Module } from '@nestjs/common';
import { Clock } from './common/clock.js';
import { CommonModule } from './common/common.module.js';
import { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { EmailModule } from './email/email.module.js';
import { DatabaseModule } from './infra/database/database.module.js';
import { QueueModule } from './infra/queue/queue.module.js';
import { LeadActivityModule } from './lifecycle/lead-activity.js';
import { ProgramsModule } from './programs/programs.module.js';
import { ScoringModule } from './scoring/scoring.module.js';

export interface AppOverrides {
  clock?: Clock;
}

/** One build, several roles: the HTTP API, the workers, or both. */
@Module({})
export class AppModule {
  /** `http`: the application serves HTTP (createHttpApp), so it has the metrics a scrape reads, whatever its role. */
  static async register(config: AppConfig, overrides: AppOverrides = {}, http = false): Promise<DynamicModule> {
    const api = config.processRole !== 'worker';
    const worker = config.processRole !== 'api';
    // Each role's modules are imported on demand, not at the top of this file: ES module imports are eager, so a
    // static import would make a worker load every controller, DTO, class-validator and @nestjs/swagger (and an
    // API process every consumer and cron) just to leave them unused. A worker has no endpoint to serve metrics
    // from, so it does not load prom-client either.
    const metricsModules = api || http ? [(await import('./metrics/metrics.module.js')).MetricsModule] : [];
    const apiModules = api ? (await import('./api-modules.js')).API_MODULES : [];
    const workerModules = worker ? [(await import('./worker.module.js')).WorkerModule] : [];
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        CommonModule.forRoot(overrides.clock),
        DatabaseModule,
        LeadActivityModule,
        QueueModule,
        ...metricsModules,
        ScoringModule,
        EmailModule,
        ProgramsModule,
        ...apiModules,
        ...workerModules,
      ],
    };
  }
}
