import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Roles, type Principal } from '../auth/roles.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { LeadErasureService } from './lead-erasure.service.js';
import { LeadExportService } from './lead-export.service.js';

@ApiTags('privacy')
@ApiBearerAuth()
@Controller('api/v1/leads')
export class PrivacyController {
  constructor(
    private readonly exporter: LeadExportService,
    private readonly erasure: LeadErasureService,
  ) {}

  /** Everything stored about the lead (GDPR access request). */
  @Get(':id/export')
  @Roles('marketer')
  export(@Param('id', UuidPipe) id: string) {
    return this.exporter.export(id);
  }

  /**
   * Erases the lead's personal data everywhere (GDPR); idempotent. A hand-off still waiting for sales is closed
   * (closeReason erased) and announced as `handoff.closed`, with ids only.
   */
  @Delete(':id')
  @HttpCode(204)
  @Roles('marketer')
  async erase(@Param('id', UuidPipe) id: string, @CurrentPrincipal() principal: Principal) {
    await this.erasure.erase(id, `api-key:${principal.keyId}`);
  }
}
