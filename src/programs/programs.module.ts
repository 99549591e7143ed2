import { Module } from '@nestjs/common';
import { EmailModule } from '../email/email.module.js';
import { ScoringModule } from '../scoring/scoring.module.js';
import { SuppressionModule } from '../suppression/suppression.module.js';
import { ProgramActivityListener } from './program-activity.listener.js';
import { ProgramCatalog } from './program-catalog.service.js';
import { EnrollmentWakeups } from './scheduler/enrollment-wakeups.js';
import { ProgramScheduler } from './scheduler/program-scheduler.service.js';
import { StepEffectsWriter } from './scheduler/step-effects.writer.js';

/**
 * Nurture programs, for every process role: the activity listener (triggers, goals, awaited
 * events) must run wherever leads change, and the scheduler. The scheduler's tick and queue consumer
 * are registered by the WorkerModule; the management API is ProgramsApiModule (API role only).
 */
@Module({
  imports: [EmailModule, SuppressionModule, ScoringModule],
  providers: [ProgramCatalog, ProgramActivityListener, StepEffectsWriter, EnrollmentWakeups, ProgramScheduler],
  exports: [ProgramScheduler, ProgramCatalog, EnrollmentWakeups],
})
export class ProgramsModule {}
