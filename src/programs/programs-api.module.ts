import { Module } from '@nestjs/common';
import { EmailModule } from '../email/email.module.js';
import { ScoringModule } from '../scoring/scoring.module.js';
import { EnrollmentExits } from './enrollment-exits.service.js';
import { EnrollmentsService } from './enrollments.service.js';
import { ProgramRunsController } from './program-runs.controller.js';
import { ProgramStatsService } from './program-stats.service.js';
import { ProgramsController } from './programs.controller.js';
import { ProgramsModule } from './programs.module.js';
import { ProgramsService } from './programs.service.js';
import { SimulationService } from './simulation.service.js';
import { StarterProgramsService } from './starters/starter-programs.service.js';

/** The HTTP side of programs (API role): drafts, versions, enrollments, simulation, stats and starters. */
@Module({
  imports: [ProgramsModule, EmailModule, ScoringModule],
  controllers: [ProgramsController, ProgramRunsController],
  providers: [ProgramsService, EnrollmentsService, EnrollmentExits, SimulationService, ProgramStatsService, StarterProgramsService],
})
export class ProgramsApiModule {}
