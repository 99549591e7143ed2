import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ScoringModule } from '../scoring/scoring.module.js';
import { EventsRoute } from './events-route.js';
import { EventsService } from './events.service.js';
import { EventLeadResolver } from './event-lead-resolver.js';
import { KnownLeadEventWriter } from './known-lead-event-writer.js';

/** POST /api/v1/events is a plain Fastify route (see EventsRoute), documented by hand in openapi.ts. */
@Module({
  imports: [ScoringModule, AuthModule],
  providers: [EventsService, EventLeadResolver, KnownLeadEventWriter, EventsRoute],
  exports: [EventsService],
})
export class EventsModule {}
