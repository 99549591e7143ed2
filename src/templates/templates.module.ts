import { Module } from '@nestjs/common';
import { EmailModule } from '../email/email.module.js';
import { ScoringModule } from '../scoring/scoring.module.js';
import { TemplatesController } from './templates.controller.js';
import { TemplatesService } from './templates.service.js';

/** The templates API (API role): versions, preview and test send. */
@Module({
  imports: [EmailModule, ScoringModule],
  controllers: [TemplatesController],
  providers: [TemplatesService],
  exports: [TemplatesService],
})
export class TemplatesModule {}
