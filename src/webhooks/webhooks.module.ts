import { Module } from '@nestjs/common';
import { WEBHOOK_RANDOM, WebhookDeliveryService } from './webhook-delivery.service.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import { WebhookDeliveryLogService } from './webhook-delivery-log.service.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookSender } from './webhook-sender.js';
import { WebhookSubscriptionsService } from './webhook-subscriptions.service.js';
import { WebhookUrlGuard } from './webhook-url-guard.js';
import { WebhooksController } from './webhooks.controller.js';

/**
 * Webhooks for every process role: the management API and the delivery use case. The fan-out consumer,
 * the queue processor and the sweep are registered by WebhooksWorkerModule.
 */
@Module({
  controllers: [WebhooksController],
  providers: [
    WebhookSubscriptionsService,
    WebhookDeliveryLogService,
    WebhookDispatcher,
    WebhookDeliveriesRepository,
    WebhookDeliveryService,
    WebhookSender,
    WebhookUrlGuard,
    { provide: WEBHOOK_RANDOM, useValue: Math.random },
  ],
  exports: [WebhookDispatcher, WebhookDeliveriesRepository, WebhookDeliveryService],
})
export class WebhooksModule {}
