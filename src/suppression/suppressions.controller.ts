import { Body, Controller, Delete, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { Roles, type Principal } from '../auth/roles.js';
import { DomainError } from '../common/domain-error.js';
import { AddSuppressionDto } from './dto/add-suppression.dto.js';
import { LiftSuppressionByEmailQuery, LiftSuppressionQuery } from './dto/lift-suppression.query.js';
import { ListSuppressionLiftsQuery } from './dto/list-suppression-lifts.query.js';
import { ListSuppressionsQuery } from './dto/list-suppressions.query.js';
import { emailHash } from './email-hash.js';
import { SuppressionHistoryService } from './suppression-history.service.js';
import { SuppressionListService } from './suppression-list.service.js';

const EMAIL_HASH = /^[0-9a-f]{64}$/i;

@ApiTags('suppressions')
@ApiBearerAuth()
@Roles('marketer')
@Controller('api/v1/suppressions')
export class SuppressionsController {
  constructor(
    private readonly list: SuppressionListService,
    private readonly history: SuppressionHistoryService,
  ) {}

  /**
   * Addresses that are never mailed, newest first; filter by reason or by address (`email`, `emailHash`). With
   * `include=lifted` the entries lifted since are listed too, each saying how it left the list: an address's history.
   */
  @Get()
  find(@Query() q: ListSuppressionsQuery) {
    return q.include === 'lifted' ? this.history.withLifted(q) : this.list.list(q);
  }

  /** Lifted entries, newest lift first: what was lifted (entry, reason, who had listed it and when), by whom, when and why. */
  @Get('lifts')
  lifts(@Query() q: ListSuppressionLiftsQuery) {
    return this.history.lifts(q);
  }

  /** Suppresses an address by hand: 201 when added, 200 when it was already suppressed. */
  @Post()
  async add(@Body() dto: AddSuppressionDto, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const { created, suppression } = await this.list.addManual(dto, `api-key:${principal.name}`);
    void reply.status(created ? 201 : 200);
    return suppression;
  }

  /** Lifts the entry of an address (`?email=`): see liftByHash. */
  @Delete()
  liftByEmail(@Query() q: LiftSuppressionByEmailQuery, @CurrentPrincipal() principal: Principal) {
    return this.list.lift(emailHash(q.email), q, `api-key:${principal.name}`, 'for this address');
  }

  /**
   * Lifts an entry (by its emailHash, as the list shows it), recording who, when and why (`note`). A complaint is
   * lifted only with `reason=complaint`; an erased lead's address never (409).
   */
  @Delete(':emailHash')
  liftByHash(@Param('emailHash') hash: string, @Query() q: LiftSuppressionQuery, @CurrentPrincipal() principal: Principal) {
    if (!EMAIL_HASH.test(hash)) throw DomainError.invalidField('emailHash', 'must be the 64 hex digits of an entry, as the list shows it');
    return this.list.lift(hash.toLowerCase(), q, `api-key:${principal.name}`, hash);
  }
}
