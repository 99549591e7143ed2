import { Body, Controller, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.js';
import { BounceIntakeService } from './bounce-intake.service.js';
import { ReportBounceDto } from './dto/report-bounce.dto.js';

@ApiTags('email')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/v1/email/bounces')
export class BouncesController {
  constructor(private readonly bounces: BounceIntakeService) {}

  /** For the mail relay's webhooks: hard bounces and complaints suppress the address, repeated soft bounces too (SoftBounceService). 201. */
  @Post()
  report(@Body() dto: ReportBounceDto) {
    return this.bounces.report(dto);
  }
}
