import { Module } from '@nestjs/common';
import { WEBHOOK_RANDOM, WebhookDeliveryService } from './webhook-delivery.service.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookSender } from './webhook-sender.js';
import { WebhookUrlGuard } from './webhook-url-guard.js';

/**
 * Webhook delivery for every process role. The fan-out consumer, the queue processor and the sweep are
 * registered by WebhooksWorkerModule; the management API is WebhooksApiModule (API role only).
 */
@Module({
  providers: [
    WebhookDispatcher,
    WebhookDeliveriesRepository,
    WebhookDeliveryService,
    WebhookSender,
    WebhookUrlGuard,
    { provide: WEBHOOK_RANDOM, useValue: Math.random },
  ],
  exports: [WebhookDispatcher, WebhookDeliveriesRepository, WebhookDeliveryService, WebhookUrlGuard],
})
export class WebhooksModule {}
