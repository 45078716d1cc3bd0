import { randomUUID } from 'node:crypto';
import { Body, Controller, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import { IsInt, IsNotEmpty, IsString, MaxLength, Min } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainErrorFilter } from '@bintrail/service-kit';
import { KnownItems } from '../known-items/known-items.projection';
import { eventOf, WarehouseCommands } from '../warehouse-commands';

export class CountBody {
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  bin!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  sku!: string;

  /** What the counter found: the truth about this SKU in this bin. */
  @IsInt()
  @Min(0)
  countedQuantity!: number;

  /** Why the count differs (damaged, lost, found …); kept on the adjustment. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  reason!: string;
}

/**
 * Counts: the counted quantity becomes the bin's on-hand for the SKU, the difference is booked as an
 * adjustment with its reason, and order lines that held missing units are re-allocated (or shorted).
 */
@Controller('warehouses/:wh')
@UseFilters(DomainErrorFilter)
export class CountingController {
  constructor(
    private readonly commands: WarehouseCommands,
    private readonly items: KnownItems,
  ) {}

  @Post('counts')
  async count(@Param('wh') warehouse: string, @Body() body: CountBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.items.require(body.sku);
    const { bin, sku, countedQuantity, reason } = body;
    const outcome = await this.commands.run(warehouse, { type: 'CountBin', countId: randomUUID(), bin, sku, countedQuantity, reason }, request, reply);
    const counted = eventOf(outcome, 'warehouse.BinCounted')!;
    const adjusted = eventOf(outcome, 'warehouse.StockAdjusted');
    const allocationChanges = outcome.events
      .filter((e) => e.type === 'warehouse.StockReallocated' || e.type === 'warehouse.AllocationShorted')
      .map((e) => ({ type: e.type, ...e.data }));
    return {
      warehouse,
      countId: counted.countId,
      bin,
      sku,
      countedQuantity,
      previousQuantity: counted.previousQuantity,
      reason,
      adjustment: adjusted ? { delta: adjusted.delta, reason: adjusted.reason } : null,
      allocationChanges,
    };
  }
}
