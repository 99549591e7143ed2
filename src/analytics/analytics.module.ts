import { Module } from '@nestjs/common';
import { AnalyticsController } from './analytics.controller.js';
import { AnalyticsService } from './analytics.service.js';
import { FunnelQueries } from './funnel-queries.js';

@Module({ controllers: [AnalyticsController], providers: [AnalyticsService, FunnelQueries] })
export class AnalyticsModule {}
