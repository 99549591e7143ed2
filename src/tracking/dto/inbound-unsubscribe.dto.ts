import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { IsOmittable } from '../../common/validators/null-input.js';

/** An email sent to the List-Unsubscribe mailto address, as the mail relay's inbound webhook passes it on. */
export class InboundUnsubscribeDto {
  @ApiProperty({
    example: 'unsubscribe:EAECAwQFBgcICQoLDA0ODxA.q1w2e3r4t5y6u7i8o9p0aA',
    description: 'The subject as received; the mailto URI sets it to `unsubscribe:{token}` (a "Re:" or the like before it is fine).',
  })
  @IsString()
  @MaxLength(998)
  subject: string;

  @ApiPropertyOptional({ example: 'an@example.be', description: 'Who sent it (recorded by the relay; not needed: the token names the recipient).' })
  @IsOmittable()
  @IsString()
  @MaxLength(320)
  from?: string;
}
