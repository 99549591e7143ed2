import { Module } from '@nestjs/common';
import { ScoringModule } from '../scoring/scoring.module.js';
import { EventsController } from './events.controller.js';
import { EventsService } from './events.service.js';
import { KnownLeadEventWriter } from './known-lead-event-writer.js';

@Module({
  imports: [ScoringModule],
  controllers: [EventsController],
  providers: [EventsService, KnownLeadEventWriter],
  exports: [EventsService],
})
export class EventsModule {}
