import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsString, Length, Matches, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { IsJsonObject } from '../../common/validators/is-json-object.js';
import { IsTimeZone } from '../../common/validators/is-time-zone.js';
import { LEAD_TEXT_MAX, LOCALE_HINT, LOCALE_PATTERN } from '../lead-field-rules.js';
import { CONSENT_STATUSES, LAWFUL_BASES } from '../lead.types.js';
import { IsTimestamp } from '../../common/validators/is-timestamp.js';
import { IsLeadEmail } from './is-lead-email.js';
import { INITIAL_STAGE_MESSAGE, INITIAL_STAGES, type InitialStage } from '../../lifecycle/domain/initial-stage.js';
import { IsNullable, IsOmittable } from '../../common/validators/null-input.js';

export class UtmDto {
  @ApiPropertyOptional({ maxLength: 200, example: 'google' }) @IsOmittable() @IsString() @MaxLength(200) source?: string;
  @ApiPropertyOptional({ maxLength: 200, example: 'cpc' }) @IsOmittable() @IsString() @MaxLength(200) medium?: string;
  @ApiPropertyOptional({ maxLength: 200 }) @IsOmittable() @IsString() @MaxLength(200) campaign?: string;
  @ApiPropertyOptional({ maxLength: 200 }) @IsOmittable() @IsString() @MaxLength(200) term?: string;
  @ApiPropertyOptional({ maxLength: 200 }) @IsOmittable() @IsString() @MaxLength(200) content?: string;
}

export class LeadSourceDto {
  @ApiPropertyOptional({ example: 'google_ads' })
  @IsOmittable()
  @IsString()
  @Matches(/^[a-z0-9_.-]{1,64}$/, { message: 'channel must be lower-case letters, digits, _ . or - (max 64)' })
  channel?: string;

  @ApiPropertyOptional({ example: 'offerte-q4' })
  @IsOmittable()
  @IsString()
  @MaxLength(200)
  campaign?: string;

  @ApiPropertyOptional({ type: UtmDto })
  @IsOmittable()
  @ValidateNested()
  @Type(() => UtmDto)
  utm?: UtmDto;
}

export class ConsentDto {
  @ApiProperty({ enum: CONSENT_STATUSES })
  @IsIn(CONSENT_STATUSES)
  status: (typeof CONSENT_STATUSES)[number];

  @ApiPropertyOptional({ enum: LAWFUL_BASES })
  @ValidateIf((o: ConsentDto) => o.status === 'granted' || o.basis !== undefined)
  @IsIn(LAWFUL_BASES, { message: `basis must be ${LAWFUL_BASES.join(' or ')}` })
  basis?: (typeof LAWFUL_BASES)[number];

  @ApiPropertyOptional({ type: String, nullable: true, description: 'The text the lead was shown when giving consent (null: none recorded).' })
  @IsNullable()
  @IsString()
  @MaxLength(2000)
  text?: string | null;

  @ApiPropertyOptional({
    example: '2026-03-02T10:00:00+01:00',
    description:
      'When consent was given or withdrawn, with its UTC offset (default: now; not in the future). A withdrawal always takes effect; ' +
      "a grant captured before the lead's newest consent record is kept in its history but does not change its consent (so a replayed old grant cannot undo a withdrawal). " +
      'A grant on the basis of consent with a capturedAt after an unsubscribe (a fresh opt-in) lifts that unsubscribe from the suppression list; ' +
      'without its own capturedAt it lifts nothing. Hard bounces, complaints and manual entries are lifted only by DELETE /api/v1/suppressions.',
  })
  @IsOmittable()
  @IsTimestamp()
  capturedAt?: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'form:contact', description: 'Where the consent was given (null: not recorded).' })
  @IsNullable()
  @IsString()
  @MaxLength(200)
  source?: string | null;
}

/** A text that null clears. */
const nullableText = (max: number) => [IsNullable(), IsString(), MaxLength(max)];
const apply = (decorators: PropertyDecorator[]): PropertyDecorator => (t, k) => decorators.forEach((d) => d(t, k));

export class QualificationDto {
  @ApiPropertyOptional({ type: String, nullable: true }) @apply(nullableText(LEAD_TEXT_MAX['qualification.need'])) need?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) @apply(nullableText(LEAD_TEXT_MAX['qualification.timeline'])) timeline?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) @apply(nullableText(LEAD_TEXT_MAX['qualification.budget'])) budget?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'decision_maker' }) @apply(nullableText(LEAD_TEXT_MAX['qualification.authority'])) authority?: string | null;
}

export class UpsertLeadDto {
  @ApiProperty({ example: 'an@example.be' })
  @IsLeadEmail()
  email: string;

  @ApiPropertyOptional({ type: String, nullable: true }) @apply(nullableText(LEAD_TEXT_MAX.firstName)) firstName?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) @apply(nullableText(LEAD_TEXT_MAX.lastName)) lastName?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) @apply(nullableText(LEAD_TEXT_MAX.company)) company?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) @apply(nullableText(LEAD_TEXT_MAX.jobTitle)) jobTitle?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) @apply(nullableText(LEAD_TEXT_MAX.phone)) phone?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'nl', description: 'null clears it (DEFAULT_LOCALE then applies).' })
  @IsNullable()
  @Matches(LOCALE_PATTERN, { message: `locale ${LOCALE_HINT}` })
  locale?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Europe/Brussels', description: 'null clears it (DEFAULT_TIMEZONE then applies).' })
  @IsNullable()
  @IsTimeZone()
  timezone?: string | null;

  @ApiPropertyOptional({
    enum: INITIAL_STAGES,
    description:
      'The stage of a lead this creates (default lead): subscriber (nurture only: the MQL rule applies once a download, a webinar or a form ' +
      'makes it a lead; a quote, meeting or contact request promotes it at once) or lead; customer, an existing customer (a CRM import: never promoted to MQL, ' +
      'kept out of nurture that tests stage); disqualified, a known competitor or spam (never enrolled, never mailed by programs). customer and ' +
      'disqualified are kept in the stage history with the key and `stageReason`. An existing lead is not moved by an upsert (a subscriber asked to ' +
      'be lead excepted): asking one for customer or disqualified it is not at is 409 naming stage; use PATCH /api/v1/leads/{id}.',
  })
  @IsOmittable()
  @IsIn(INITIAL_STAGES, { message: INITIAL_STAGE_MESSAGE })
  stage?: InitialStage;

  @ApiPropertyOptional({
    example: 'existing customer (CRM import)',
    maxLength: 500,
    description: "Why the lead is created as customer or disqualified, kept in its stage history (default: import). Ignored otherwise.",
  })
  @IsOmittable()
  @IsString()
  @Matches(/\S/, { message: 'stageReason must not be blank' })
  @MaxLength(500)
  stageReason?: string;

  @ApiPropertyOptional({ type: LeadSourceDto })
  @IsOmittable()
  @ValidateNested()
  @Type(() => LeadSourceDto)
  source?: LeadSourceDto;

  @ApiPropertyOptional({ type: ConsentDto })
  @IsOmittable()
  @ValidateNested()
  @Type(() => ConsentDto)
  consent?: ConsentDto;

  @ApiPropertyOptional({
    type: QualificationDto,
    description:
      'BANT answers, stored with the white space around them trimmed. An answer blank or "unknown" (in any case) is not known: it earns no fit points and does not count for the MQL rule.',
  })
  @IsOmittable()
  @ValidateNested()
  @Type(() => QualificationDto)
  qualification?: QualificationDto;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { industry: 'food', employees: 12 } })
  @IsOmittable()
  @IsJsonObject()
  attributes?: Record<string, unknown>;
}
