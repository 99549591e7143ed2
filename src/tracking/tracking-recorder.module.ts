import { Module } from '@nestjs/common';
import { HitRecorder } from './hit-recorder.service.js';
import { LinkCacheBus } from './link-cache-bus.js';

/**
 * Storing opens and clicks in PostgreSQL: used by the drain worker, and by the API when Redis is unavailable.
 * Also the bus that makes API processes forget cached link targets (used by tracking and erasure).
 */
@Module({
  providers: [HitRecorder, LinkCacheBus],
  exports: [HitRecorder, LinkCacheBus],
})
export class TrackingRecorderModule {}
