import { Module } from '@nestjs/common';
import { EmailModule } from '../email/email.module.js';
import { ScoringModule } from '../scoring/scoring.module.js';
import { SuppressionModule } from '../suppression/suppression.module.js';
import { EnrollmentsService } from './enrollments.service.js';
import { ProgramActivityListener } from './program-activity.listener.js';
import { ProgramCatalog } from './program-catalog.service.js';
import { ProgramRunsController } from './program-runs.controller.js';
import { ProgramStatsService } from './program-stats.service.js';
import { ProgramsController } from './programs.controller.js';
import { ProgramsService } from './programs.service.js';
import { EnrollmentWakeups } from './scheduler/enrollment-wakeups.js';
import { ProgramScheduler } from './scheduler/program-scheduler.service.js';
import { StepEffectsWriter } from './scheduler/step-effects.writer.js';
import { SimulationService } from './simulation.service.js';
import { StarterProgramsService } from './starters/starter-programs.service.js';

/**
 * Nurture programs, for every process role: the activity listener (triggers, goals, awaited
 * events) must run wherever leads change. The scheduler's tick and queue consumer are registered
 * by the WorkerModule; the controllers only serve in the API role.
 */
@Module({
  imports: [EmailModule, SuppressionModule, ScoringModule],
  controllers: [ProgramsController, ProgramRunsController],
  providers: [
    ProgramCatalog,
    ProgramsService,
    EnrollmentsService,
    SimulationService,
    ProgramStatsService,
    StarterProgramsService,
    ProgramActivityListener,
    StepEffectsWriter,
    EnrollmentWakeups,
    ProgramScheduler,
  ],
  exports: [ProgramScheduler, ProgramsService, EnrollmentsService],
})
export class ProgramsModule {}
