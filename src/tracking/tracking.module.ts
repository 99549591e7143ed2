import { Module } from '@nestjs/common';
import { SuppressionModule } from '../suppression/suppression.module.js';
import { HitBuffer } from './hit-buffer.service.js';
import { MessageLinks } from './message-links.service.js';
import { OneClickBodyParser } from './one-click-body.parser.js';
import { TrackingRecorderModule } from './tracking-recorder.module.js';
import { TrackingRoutes } from './tracking-routes.js';
import { InboundUnsubscribesController } from './inbound-unsubscribes.controller.js';
import { UnsubscribeController } from './unsubscribe.controller.js';
import { UnsubscribeService } from './unsubscribe.service.js';

/** The public endpoints in sent emails (API processes): open pixel and click redirects (plain Fastify routes), unsubscribe. */
@Module({
  imports: [TrackingRecorderModule, SuppressionModule],
  controllers: [UnsubscribeController, InboundUnsubscribesController],
  providers: [HitBuffer, MessageLinks, UnsubscribeService, OneClickBodyParser, TrackingRoutes],
})
export class TrackingModule {}
