import { randomUUID } from 'node:crypto';
import { Body, Controller, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import { IsInt, IsNotEmpty, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainErrorFilter } from '@bintrail/service-kit';
import { KnownItems } from '../known-items/known-items.projection';
import { eventOf, WarehouseCommands } from '../warehouse-commands';

/** What every stock movement names: a registered SKU and a positive whole number of units. */
class StockLine {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  sku!: string;

  @IsInt()
  @Min(1)
  quantity!: number;
}

export class ReceiveBody extends StockLine {
  /** Where the units are booked in; the receiving dock (DOCK) when not given. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  bin?: string;

  /** The advance shipping notice (ASN) this receipt books, when there was one. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  expectedReceiptId?: string;
}

export class PutAwayBody extends StockLine {
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  fromBin!: string;

  /** When not given, the warehouse suggests one (a storage bin that already holds the SKU and has room, else an empty one). */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  toBin?: string;
}

export class MoveBody extends StockLine {
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  fromBin!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  toBin!: string;
}

/** Stock coming in and moving about: receipts, putaway, moves between bins. Only unallocated units move. */
@Controller('warehouses/:wh')
@UseFilters(DomainErrorFilter)
export class ReceivingController {
  constructor(
    private readonly commands: WarehouseCommands,
    private readonly items: KnownItems,
  ) {}

  @Post('receipts')
  async receive(@Param('wh') warehouse: string, @Body() body: ReceiveBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.items.require(body.sku);
    const { sku, quantity, bin, expectedReceiptId } = body;
    const receiptId = randomUUID();
    const command = {
      type: 'ReceiveStock' as const,
      receiptId,
      sku,
      quantity,
      ...(bin === undefined ? {} : { bin }),
      ...(expectedReceiptId === undefined ? {} : { expectedReceiptId }),
    };
    const outcome = await this.commands.run(warehouse, command, request, reply);
    return { warehouse, ...eventOf(outcome, 'warehouse.StockReceived')! };
  }

  @Post('putaways')
  async putAway(@Param('wh') warehouse: string, @Body() body: PutAwayBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.items.require(body.sku);
    const { sku, quantity, fromBin, toBin } = body;
    const outcome = await this.commands.run(warehouse, { type: 'PutAway', sku, quantity, fromBin, ...(toBin === undefined ? {} : { toBin }) }, request, reply);
    // `toBin` is the bin chosen; `suggested` says whether the warehouse chose it.
    return { warehouse, ...eventOf(outcome, 'warehouse.StockPutAway')! };
  }

  @Post('moves')
  async move(@Param('wh') warehouse: string, @Body() body: MoveBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.items.require(body.sku);
    const { sku, quantity, fromBin, toBin } = body;
    const outcome = await this.commands.run(warehouse, { type: 'MoveStock', sku, quantity, fromBin, toBin }, request, reply);
    return { warehouse, ...eventOf(outcome, 'warehouse.StockMoved')! };
  }
}
