import { Module } from '@nestjs/common';
import { WebhookDeliveryLogService } from './webhook-delivery-log.service.js';
import { WebhookSecretReplay, WebhookSubscriptionsService } from './webhook-subscriptions.service.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksModule } from './webhooks.module.js';

/** The HTTP side of webhooks (API role): subscriptions and their delivery log, managed by marketers and admins. */
@Module({
  imports: [WebhooksModule],
  controllers: [WebhooksController],
  providers: [WebhookSubscriptionsService, WebhookSecretReplay, WebhookDeliveryLogService],
})
export class WebhooksApiModule {}
