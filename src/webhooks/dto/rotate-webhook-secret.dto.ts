import { ApiPropertyOptional } from '@nestjs/swagger';
import { registerDecorator } from 'class-validator';
import { IsOmittable } from '../../common/validators/null-input.js';
import { DEFAULT_SECRET_GRACE_SECONDS, isSecretGraceSeconds, MAX_SECRET_GRACE_SECONDS } from '../domain/index.js';

/** One check, so a bad value is named once (not once per failed rule, as IsInt, Min and Max together would). */
function IsSecretGraceSeconds() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isSecretGraceSeconds',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be a whole number of seconds from 0 to ${MAX_SECRET_GRACE_SECONDS}` },
      validator: { validate: (v: unknown) => isSecretGraceSeconds(v) },
    });
}

export class RotateWebhookSecretDto {
  @ApiPropertyOptional({
    description:
      'How long deliveries are also signed with the secret being replaced (a second signature after the new one), so receivers can switch over; ' +
      `0 revokes it at once. Default ${DEFAULT_SECRET_GRACE_SECONDS} (a day), at most ${MAX_SECRET_GRACE_SECONDS} (a week).`,
    type: 'integer',
    minimum: 0,
    maximum: MAX_SECRET_GRACE_SECONDS,
    default: DEFAULT_SECRET_GRACE_SECONDS,
    example: DEFAULT_SECRET_GRACE_SECONDS,
  })
  // Left out: the default. null is refused rather than read as the default, since it could be meant as "no grace".
  @IsOmittable()
  @IsSecretGraceSeconds()
  graceSeconds?: number;
}
