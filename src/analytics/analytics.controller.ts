import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.js';
import { AnalyticsService } from './analytics.service.js';
import { FunnelQuery } from './dto/funnel.query.js';

@ApiTags('analytics')
@ApiBearerAuth()
@Controller('api/v1/analytics')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  /** Funnel per channel, campaign, UTM source or program for leads created in a period. */
  @Get('funnel')
  @Roles('marketer')
  funnel(@Query() q: FunnelQuery) {
    return this.analytics.funnel(q);
  }
}
