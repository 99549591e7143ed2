import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { IsJsonObject } from '../../common/validators/is-json-object.js';
import { LOCALE_PATTERN, MAX_TEMPLATE_BYTES } from '../template-variants.js';
import { IsOmittable } from '../../common/validators/null-input.js';

const VARIANTS_EXAMPLE = {
  nl: { subject: 'Bedankt, {{fallback firstName "daar"}}', mjml: '<mj-section><mj-column><mj-text>Hallo {{fallback firstName "daar"}}</mj-text></mj-column></mj-section>' },
};

/** The locales `templates/layout.strings.json` has the layout's footer in (a spec keeps them in step). */
export const FOOTER_LOCALES: readonly string[] = ['nl', 'en', 'fr'];

const VARIANTS_DESCRIPTION =
  'Per locale: subject and MJML body, Handlebars inside: sections for the shared layout, whose footer has the sender\'s postal address and ' +
  'the unsubscribe link, or a whole <mjml> document, which leaves the layout out and must itself show {{sender.address}} and link to ' +
  '{{unsubscribeUrl}} (<a href="{{unsubscribeUrl}}">…</a>) for every lead (checked on trial renders for a lead of whom nothing is known and ' +
  'one with every field known; else 422 naming variants.<locale>.mjml). The layout\'s footer is written in ' +
  `${FOOTER_LOCALES.join(', ')}; a variant gets the one of its locale or its language (nl-BE: nl), else English (de, de-AT: en), ` +
  'which the compiled HTML then marks as English (the footer text in a <div lang="en">) for screen readers.';

/** POST /api/v1/templates: a new template with its first version. */
export class CreateTemplateDto {
  @ApiProperty({ example: 'Welkom na download' })
  @IsString()
  @Length(1, 200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiPropertyOptional({ example: 'nl', description: 'Locale used for leads whose language has no variant. Default: DEFAULT_LOCALE when it has a variant, else the first variant.' })
  @IsOmittable()
  @IsString()
  @Matches(LOCALE_PATTERN, { message: 'defaultLocale must look like "nl" or "nl-BE"' })
  defaultLocale?: string;

  @ApiProperty({
    description: VARIANTS_DESCRIPTION,
    example: VARIANTS_EXAMPLE,
  })
  @IsJsonObject(20, MAX_TEMPLATE_BYTES, { message: 'variants must be an object of locale → {subject, mjml}' })
  variants: Record<string, unknown>;
}

/** PUT /api/v1/templates/{id}: a new immutable version (name and defaultLocale kept unless given). */
export class UpdateTemplateDto {
  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @Length(1, 200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name?: string;

  @ApiPropertyOptional({ example: 'nl' })
  @IsOmittable()
  @IsString()
  @Matches(LOCALE_PATTERN, { message: 'defaultLocale must look like "nl" or "nl-BE"' })
  defaultLocale?: string;

  @ApiProperty({ description: VARIANTS_DESCRIPTION, example: VARIANTS_EXAMPLE })
  @IsJsonObject(20, MAX_TEMPLATE_BYTES, { message: 'variants must be an object of locale → {subject, mjml}' })
  variants: Record<string, unknown>;
}
