import { Module } from '@nestjs/common';
import { OutboxRelayModule } from '../lifecycle/outbox-relay.module.js';
import { WebhookDeliveryProcessor } from './webhook-delivery.processor.js';
import { WebhookFanoutConsumer } from './webhook-fanout.consumer.js';
import { WebhookSweepCron } from './webhook-sweep.cron.js';
import { WebhooksModule } from './webhooks.module.js';

/** What a worker runs for webhooks: deliveries from the outbox, their attempts, and the safety sweep. */
@Module({
  imports: [WebhooksModule, OutboxRelayModule],
  providers: [WebhookFanoutConsumer, WebhookDeliveryProcessor, WebhookSweepCron],
})
export class WebhooksWorkerModule {}
