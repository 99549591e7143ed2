import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.js';
import { PageQuery } from '../common/pagination.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { CreateSalesRepDto, UpdateSalesRepDto } from './dto/sales-rep.dto.js';
import { SalesRepsService } from './sales-reps.service.js';

/** The sales team hand-offs are shared among (weighted round robin, language first). */
@ApiTags('sales')
@ApiBearerAuth()
@Controller('api/v1/sales-reps')
export class SalesRepsController {
  constructor(private readonly reps: SalesRepsService) {}

  @Get()
  @Roles('marketer', 'sales')
  list(@Query() q: PageQuery) {
    return this.reps.list(q);
  }

  @Get(':id')
  @Roles('marketer', 'sales')
  get(@Param('id', UuidPipe) id: string) {
    return this.reps.get(id);
  }

  @Post()
  @Roles('marketer')
  create(@Body() dto: CreateSalesRepDto) {
    return this.reps.create(dto);
  }

  @Patch(':id')
  @Roles('marketer')
  update(@Param('id', UuidPipe) id: string, @Body() dto: UpdateSalesRepDto) {
    return this.reps.update(id, dto);
  }
}
