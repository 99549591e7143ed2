import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Roles, type Principal } from '../auth/roles.js';
import { IdempotentReplayWithoutSecret } from '../common/idempotency.interceptor.js';
import { PageQuery } from '../common/pagination.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { DEFAULT_SECRET_GRACE_SECONDS } from './domain/index.js';
import { CreateWebhookDto, UpdateWebhookDto } from './dto/create-webhook.dto.js';
import { ListDeliveriesQuery } from './dto/list-deliveries.query.js';
import { RotateWebhookSecretDto } from './dto/rotate-webhook-secret.dto.js';
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
   * except to a retry with the same Idempotency-Key (read back from its encrypted column, never stored in clear)
   * while no rotation has replaced it.
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

  /**
   * Replaces the signing secret; the answer carries the new `secret` once, as at creation (a retry with the same
   * Idempotency-Key gets it back from its encrypted column and rotates nothing). For `graceSeconds` (default a
   * day; 0 revokes the old secret at once) every delivery, retries and replays included, is signed with both
   * secrets, the new one first; then with the new one only.
   */
  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiBody({
    type: RotateWebhookSecretDto,
    required: false,
    description: 'Optional; without a body the old secret keeps signing, beside the new one, for a day.',
  })
  @IdempotentReplayWithoutSecret(WebhookSecretReplay)
  rotateSecret(@Param('id', UuidPipe) id: string, @Body() dto: RotateWebhookSecretDto, @CurrentPrincipal() principal: Principal) {
    // A request without a body (dto undefined) takes the default grace.
    return this.subscriptions.rotateSecret(id, dto?.graceSeconds ?? DEFAULT_SECRET_GRACE_SECONDS, `api-key:${principal.name}`);
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

  /**
   * Replays a delivery: queues a new delivery of the same message (same webhook-id and body, signed at send time),
   * due now, with its own attempt log and the usual retry schedule (backoff for up to three days). The answer is the
   * new delivery. A delivery of the message still waiting for a retry is cancelled (the replay takes over); 409 while
   * one is being attempted or the webhook is disabled. With an Idempotency-Key, a retried request queues nothing more.
   */
  @Post(':id/deliveries/:deliveryId/retry')
  @HttpCode(202)
  retry(@Param('id', UuidPipe) id: string, @Param('deliveryId', UuidPipe) deliveryId: string) {
    return this.log.retry(id, deliveryId);
  }
}
