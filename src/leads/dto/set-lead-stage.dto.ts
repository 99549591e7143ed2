import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Matches, MaxLength } from 'class-validator';
import { MANUAL_STAGES, type ManualStage } from '../../lifecycle/domain/manual-stage.js';

/** PATCH /leads/{id}: a lead's stage set by hand, with why. */
export class SetLeadStageDto {
  @ApiProperty({
    enum: MANUAL_STAGES,
    description:
      'customer: an existing customer (no longer promoted to MQL); disqualified: never nurtured again (active enrollments exit, a pending hand-off is closed); ' +
      'lead: a disqualified, recycled or subscribed lead taken back into nurture. mql comes from scoring; sql and opportunity from sales through hand-offs.',
  })
  @IsIn(MANUAL_STAGES, { message: `stage must be one of ${MANUAL_STAGES.join(', ')} (mql is decided by scoring; sql and opportunity by sales through hand-offs)` })
  stage: ManualStage;

  @ApiProperty({ example: 'existing customer (CRM import)', maxLength: 500, description: "Why: kept in the lead's stage history with the key's name" })
  @IsString()
  @Matches(/\S/, { message: 'reason must not be blank' })
  @MaxLength(500)
  reason: string;
}
