import { Module } from '@nestjs/common';
import { LeadsModule } from '../leads/leads.module.js';
import { TrackingRecorderModule } from '../tracking/tracking-recorder.module.js';
import { LeadErasureService } from './lead-erasure.service.js';
import { LeadExportService } from './lead-export.service.js';
import { PrivacyController } from './privacy.controller.js';

@Module({
  imports: [LeadsModule, TrackingRecorderModule],
  controllers: [PrivacyController],
  providers: [LeadExportService, LeadErasureService],
})
export class PrivacyModule {}
