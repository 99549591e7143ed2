import { Module } from '@nestjs/common';
import { BounceIntakeService } from './bounce-intake.service.js';
import { BouncesController } from './bounces.controller.js';
import { SuppressionHistoryService } from './suppression-history.service.js';
import { SuppressionListService } from './suppression-list.service.js';
import { SuppressionModule } from './suppression.module.js';
import { SuppressionsController } from './suppressions.controller.js';

/** The HTTP side of suppression (API processes only): the list, manual additions, bounce and complaint intake. */
@Module({
  imports: [SuppressionModule],
  controllers: [SuppressionsController, BouncesController],
  providers: [SuppressionListService, SuppressionHistoryService, BounceIntakeService],
})
export class SuppressionAdminModule {}
