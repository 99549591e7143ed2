import { Body, Controller, Get, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Roles, type Principal } from '../auth/roles.js';
import { AddSuppressionDto } from './dto/add-suppression.dto.js';
import { ListSuppressionsQuery } from './dto/list-suppressions.query.js';
import { SuppressionListService } from './suppression-list.service.js';

@ApiTags('suppressions')
@ApiBearerAuth()
@Roles('marketer')
@Controller('api/v1/suppressions')
export class SuppressionsController {
  constructor(private readonly list: SuppressionListService) {}

  /** Addresses that are never mailed, newest first; filter by reason or by address. */
  @Get()
  find(@Query() q: ListSuppressionsQuery) {
    return this.list.list(q);
  }

  /** Suppresses an address by hand: 201 when added, 200 when it was already suppressed. */
  @Post()
  async add(@Body() dto: AddSuppressionDto, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const { created, suppression } = await this.list.addManual(dto, `api-key:${principal.name}`);
    void reply.status(created ? 201 : 200);
    return suppression;
  }
}
