import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ScoringModule } from './scoring/scoring.module.js';
import { ScoringProcessor } from './scoring/scoring.processor.js';
import { ScoringSweepCron } from './scoring/scoring-sweep.cron.js';

/** What a worker process runs: queue consumers and scheduled sweeps. Loaded for PROCESS_ROLE=worker|all. */
@Module({
  imports: [ScheduleModule.forRoot(), ScoringModule],
  providers: [ScoringProcessor, ScoringSweepCron],
})
export class WorkerModule {}
