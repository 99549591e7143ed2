import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { IsLeadEmail } from '../../leads/dto/is-lead-email.js';

export class AddSuppressionDto {
  @ApiProperty({ example: 'an@example.be' })
  @IsLeadEmail()
  email: string;

  @ApiProperty({ enum: ['manual'], description: 'Entries added by hand are always `manual`; the others come from unsubscribes, bounces and erasure.' })
  @IsIn(['manual'])
  reason: 'manual';
}
