import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { NoIdempotentReplay } from '../common/idempotency.interceptor.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { PageQuery } from '../common/pagination.js';
import { ApiKeysService } from './api-keys.service.js';
import { CreateApiKeyDto } from './dto/create-api-key.dto.js';
import { CurrentPrincipal } from './principal.decorator.js';
import { Roles, type Principal } from './roles.js';

@ApiTags('api-keys')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /** Creates a key; the key itself is in the response once and never again. */
  @Post()
  @NoIdempotentReplay()
  create(@Body() dto: CreateApiKeyDto) {
    return this.keys.create(dto.name, dto.role);
  }

  @Get()
  list(@Query() q: PageQuery) {
    return this.keys.list(q.limit ?? 50, q.cursor);
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id', UuidPipe) id: string, @CurrentPrincipal() principal: Principal) {
    await this.keys.revoke(id, principal);
  }
}
