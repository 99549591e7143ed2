import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { IsOmittable } from '../../common/validators/null-input.js';

export class InstallStartersDto {
  @ApiPropertyOptional({ description: 'Publish the starter programs so they start enrolling leads (default: leave them as drafts).', default: false })
  @IsOmittable()
  @IsBoolean()
  activate?: boolean;
}
