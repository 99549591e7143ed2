import { Module } from '@nestjs/common';
import { HitRecorder } from './hit-recorder.service.js';

/** Storing opens and clicks in PostgreSQL: used by the drain worker, and by the API when Redis is unavailable. */
@Module({
  providers: [HitRecorder],
  exports: [HitRecorder],
})
export class TrackingRecorderModule {}
