import { Module } from '@nestjs/common';
import { ScoringModule } from '../scoring/scoring.module.js';
import { EventsController } from './events.controller.js';
import { EventsService } from './events.service.js';
import { KnownLeadEventWriter } from './known-lead-event-writer.js';
import { ScoringWakeups } from './scoring-wakeups.js';

@Module({
  imports: [ScoringModule],
  controllers: [EventsController],
  providers: [EventsService, ScoringWakeups, KnownLeadEventWriter],
  exports: [EventsService],
})
export class EventsModule {}
