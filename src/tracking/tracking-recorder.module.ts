import { Module } from '@nestjs/common';
import { ScoringModule } from '../scoring/scoring.module.js';
import { HitRecorder } from './hit-recorder.service.js';

/** Storing opens and clicks in PostgreSQL: used by the drain worker, and by the API when Redis is unavailable. */
@Module({
  imports: [ScoringModule],
  providers: [HitRecorder],
  exports: [HitRecorder],
})
export class TrackingRecorderModule {}
