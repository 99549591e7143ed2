import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Roles, type Principal } from '../auth/roles.js';
import { PageQuery } from '../common/pagination.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { VersionPipe } from '../common/version.pipe.js';
import { PreviewTemplateDto } from './dto/preview-template.dto.js';
import { CreateTemplateDto, UpdateTemplateDto } from './dto/template-body.dto.js';
import { TestSendDto } from './dto/test-send.dto.js';
import { TemplatesService } from './templates.service.js';

@ApiTags('templates')
@ApiBearerAuth()
@Controller('api/v1/templates')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  /** A new template (version 1). Invalid MJML or Handlebars, or an unknown variable: 422 naming the variant field and line. */
  @Post()
  @Roles('marketer')
  create(@Body() dto: CreateTemplateDto, @CurrentPrincipal() principal: Principal) {
    return this.templates.create(dto, `api-key:${principal.name}`);
  }

  @Get()
  @Roles('marketer')
  list(@Query() q: PageQuery) {
    return this.templates.list(q.limit ?? 50, q.cursor);
  }

  /** The current version with its variants, and the list of versions. */
  @Get(':id')
  @Roles('marketer')
  get(@Param('id', UuidPipe) id: string) {
    return this.templates.get(id);
  }

  /** Saves a new immutable version; messages already queued keep the version they were queued with. */
  @Put(':id')
  @Roles('marketer')
  update(@Param('id', UuidPipe) id: string, @Body() dto: UpdateTemplateDto, @CurrentPrincipal() principal: Principal) {
    return this.templates.update(id, dto, `api-key:${principal.name}`);
  }

  /**
   * Archives the template (204): gone from the list and from reads, saves, previews and test sends (404); its
   * versions stay readable by number, and emails already queued still go out. 409 `template_in_use`, naming the
   * programs, while a program that is not archived may still send it (draft, current version, or a version with
   * leads still enrolled).
   */
  @Delete(':id')
  @HttpCode(204)
  @Roles('marketer')
  @ApiNoContentResponse({ description: 'Archived: the template is gone from the list and reads; its versions stay readable by number and emails already queued still go out' })
  async archive(@Param('id', UuidPipe) id: string): Promise<void> {
    await this.templates.archive(id);
  }

  /** One version by number; an archived template's versions stay readable (sent messages and timelines name them). */
  @Get(':id/versions/:version')
  @Roles('marketer')
  version(@Param('id', UuidPipe) id: string, @Param('version', VersionPipe) version: number) {
    return this.templates.version(id, version);
  }

  /**
   * `{leadId}` or `{data, locale}` → `{subject, html, text, locale, version, problems}`; nothing tracked or sent.
   * `problems` names what a send would refuse the variant for (e.g. `variants.nl.mjml` without the footer).
   */
  @Post(':id/preview')
  @HttpCode(200)
  @Roles('marketer')
  preview(@Param('id', UuidPipe) id: string, @Body() dto: PreviewTemplateDto) {
    return this.templates.preview(id, dto);
  }

  /**
   * Sends the current version to `to` for real (kind 'test'), personalised with sample data. 202 with the message id;
   * 422 naming `variants.<locale>.mjml` (or `.subject`), with nothing queued, when that variant would not go out.
   */
  @Post(':id/test-send')
  @HttpCode(202)
  @Roles('marketer')
  testSend(@Param('id', UuidPipe) id: string, @Body() dto: TestSendDto) {
    return this.templates.testSend(id, dto.to, dto.locale);
  }
}
