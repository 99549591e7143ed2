import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

export class InstallStartersDto {
  @ApiPropertyOptional({ description: 'Publish the starter programs so they start enrolling leads (default: leave them as drafts).', default: false })
  @IsOptional()
  @IsBoolean()
  activate?: boolean;
}
