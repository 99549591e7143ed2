import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Roles, type Principal } from '../auth/roles.js';
import { IdempotentReplayWithoutSecret } from '../common/idempotency.interceptor.js';
import { PageQuery } from '../common/pagination.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { CreateWebhookDto, UpdateWebhookDto } from './dto/create-webhook.dto.js';
import { ListDeliveriesQuery } from './dto/list-deliveries.query.js';
import { WebhookDeliveryLogService } from './webhook-delivery-log.service.js';
import { WebhookSecretReplay, WebhookSubscriptionsService } from './webhook-subscriptions.service.js';

/** Signed webhooks (Standard Webhooks) for sales tools and CRMs; managed by marketers and admins. */
@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('api/v1/webhooks')
@Roles('marketer')
export class WebhooksController {
  constructor(
    private readonly subscriptions: WebhookSubscriptionsService,
    private readonly log: WebhookDeliveryLogService,
  ) {}

  /**
   * Subscribes a URL to events. The answer carries the signing `secret` (whsec_…); it is never shown again,
   * except to a retry with the same Idempotency-Key (read back from its encrypted column, never stored in clear).
   */
  @Post()
  @IdempotentReplayWithoutSecret(WebhookSecretReplay)
  create(@Body() dto: CreateWebhookDto, @CurrentPrincipal() principal: Principal) {
    return this.subscriptions.create(dto, `api-key:${principal.name}`);
  }

  @Get()
  list(@Query() q: PageQuery) {
    return this.subscriptions.list(q);
  }

  @Get(':id')
  get(@Param('id', UuidPipe) id: string) {
    return this.subscriptions.get(id);
  }

  @Patch(':id')
  update(@Param('id', UuidPipe) id: string, @Body() dto: UpdateWebhookDto) {
    return this.subscriptions.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', UuidPipe) id: string): Promise<void> {
    await this.subscriptions.remove(id);
  }

  /** The delivery log, newest first: status, response code, latency, attempts. */
  @Get(':id/deliveries')
  deliveries(@Param('id', UuidPipe) id: string, @Query() q: ListDeliveriesQuery) {
    return this.log.list(id, q);
  }

  /** One delivery with the body sent and every attempt. */
  @Get(':id/deliveries/:deliveryId')
  delivery(@Param('id', UuidPipe) id: string, @Param('deliveryId', UuidPipe) deliveryId: string) {
    return this.log.get(id, deliveryId);
  }

  /** Replays a delivery now, with the same webhook-id. */
  @Post(':id/deliveries/:deliveryId/retry')
  @HttpCode(202)
  retry(@Param('id', UuidPipe) id: string, @Param('deliveryId', UuidPipe) deliveryId: string) {
    return this.log.retry(id, deliveryId);
  }
}
