import { Module } from '@nestjs/common';
import { HandoffsModule } from '../handoffs/handoffs.module.js';
import { OutboxRelayModule } from '../lifecycle/outbox-relay.module.js';
import { WebhookDeliveryProcessor } from './webhook-delivery.processor.js';
import { WebhookFanoutConsumer } from './webhook-fanout.consumer.js';
import { WebhookLogRetention } from './webhook-log-retention.js';
import { WebhookRetentionCron } from './webhook-retention.cron.js';
import { WebhookSweepCron } from './webhook-sweep.cron.js';
import { WebhooksModule } from './webhooks.module.js';

/** What a worker runs for webhooks: deliveries from the outbox, their attempts, the safety sweep and the log retention. */
@Module({
  imports: [WebhooksModule, OutboxRelayModule, HandoffsModule],
  providers: [WebhookFanoutConsumer, WebhookDeliveryProcessor, WebhookSweepCron, WebhookLogRetention, WebhookRetentionCron],
})
export class WebhooksWorkerModule {}
