import { Module } from '@nestjs/common';
import { RetentionCron } from './retention.cron.js';
import { RetentionService } from './retention.service.js';

/** The scheduled retention job; loaded in worker processes. */
@Module({ providers: [RetentionService, RetentionCron], exports: [RetentionService] })
export class RetentionModule {}
