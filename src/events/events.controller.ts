import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.js';
import { EventsService } from './events.service.js';

@ApiTags('events')
@ApiBearerAuth()
@Controller('api/v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  /** One event, or `{"events": [...]}` with up to 1,000. Each is reported accepted, duplicate or rejected. */
  @Post()
  @HttpCode(202)
  @Roles('ingest', 'marketer')
  @ApiBody({
    schema: {
      oneOf: [
        { $ref: '#/components/schemas/EventInput' },
        { type: 'object', properties: { events: { type: 'array', maxItems: 1000, items: { $ref: '#/components/schemas/EventInput' } } } },
      ],
    },
  })
  ingest(@Body() body: unknown, @Headers('idempotency-key') idempotencyKey?: string) {
    return this.events.ingest(body, idempotencyKey);
  }
}
