import { Global, Module } from '@nestjs/common';
import { MetricsService } from './metrics.service.js';

/** The metrics registry, for every process role; the scrape endpoint is MetricsApiModule (API role). */
@Global()
@Module({ providers: [MetricsService], exports: [MetricsService] })
export class MetricsModule {}
