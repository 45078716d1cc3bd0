import { Body, Controller, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import { IsInt, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainErrorFilter } from '@bintrail/service-kit';
import { CODE_PATTERN } from '../stock/warehouse.domain';
import { eventOf, WarehouseCommands } from '../warehouse-commands';

const CODE_RULE = { message: '$property must be upper-case letters and digits in dash-separated groups, like A-01-03' };

export class CreateWarehouseBody {
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  @Matches(CODE_PATTERN, CODE_RULE)
  code!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;
}

export class AddBinBody {
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  @Matches(CODE_PATTERN, CODE_RULE)
  code!: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  zone?: string;

  /** Units the bin holds at most, across all SKUs; none means no limit. */
  @IsOptional()
  @IsInt()
  @Min(1)
  capacity?: number;
}

/** Warehouses and their bins. A new warehouse comes with a receiving dock (DOCK) and an outbound staging area (STAGING). */
@Controller('warehouses')
@UseFilters(DomainErrorFilter)
export class LayoutController {
  constructor(private readonly commands: WarehouseCommands) {}

  @Post()
  async create(@Body() body: CreateWarehouseBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const outcome = await this.commands.run(body.code, { type: 'CreateWarehouse', code: body.code, name: body.name }, request, reply);
    const created = eventOf(outcome, 'warehouse.WarehouseCreated');
    return { warehouse: body.code, name: body.name, bins: (created?.bins ?? []).map((b) => ({ bin: b.code, kind: b.kind })) };
  }

  @Post(':wh/bins')
  async addBin(@Param('wh') warehouse: string, @Body() body: AddBinBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { code, zone, capacity } = body;
    const command = { type: 'AddBin' as const, code, ...(zone === undefined ? {} : { zone }), ...(capacity === undefined ? {} : { capacity }) };
    await this.commands.run(warehouse, command, request, reply);
    return { warehouse, bin: code, kind: 'storage', ...(zone === undefined ? {} : { zone }), ...(capacity === undefined ? {} : { capacity }) };
  }
}
