import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';

/** The Prometheus scrape endpoint (API role); MetricsService comes from the global MetricsModule. */
@Module({ controllers: [MetricsController] })
export class MetricsApiModule {}
