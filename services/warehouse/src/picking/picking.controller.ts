import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import { IsInt, IsNotEmpty, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainErrorFilter, PLATFORM_CONTEXT, ReadsFrom, type PlatformContext } from '@bintrail/service-kit';
import { heldBy, keyedValues, UnknownAllocation, WarehouseNotFound } from '../stock/warehouse.domain';
import { eventOf, WarehouseCommands } from '../warehouse-commands';
import { pickLists, pickListsProjection, type PickListView } from './pick-lists.projection';

export class PickBody {
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  bin!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  sku!: string;

  /** Units the picker was sent to pick in the bin (at most what the pick list names there; more is refused 409). */
  @IsInt()
  @Min(1)
  quantity!: number;

  /** Units the picker found (default: `quantity`). Fewer is a short pick: the rest is re-allocated from other bins or reported unfilled. */
  @IsOptional()
  @IsInt()
  @Min(0)
  pickedQuantity?: number;
}

/** Picking: a pick list is one order's allocated lines in one warehouse (its id is the order id), with the bins and units to pick. */
@Controller('warehouses/:wh/pick-lists')
@UseFilters(DomainErrorFilter)
export class PickingController {
  constructor(
    private readonly commands: WarehouseCommands,
    @Inject(PLATFORM_CONTEXT) private readonly platform: PlatformContext,
  ) {}

  /** Pick lists with units still to pick, by order id. */
  @Get()
  @ReadsFrom(pickListsProjection.name)
  async list(@Param('wh') warehouse: string): Promise<{ warehouse: string; pickLists: PickListView[] }> {
    return { warehouse, pickLists: await pickLists(this.platform.store.db, this.platform.s, warehouse, { open: true }) };
  }

  @Get(':id')
  @ReadsFrom(pickListsProjection.name)
  async get(@Param('wh') warehouse: string, @Param('id') id: string): Promise<PickListView> {
    const [found] = await pickLists(this.platform.store.db, this.platform.s, warehouse, { orderId: id });
    if (!found) throw new NotFoundException(`warehouse ${warehouse} has no pick list ${id}`);
    return found;
  }

  /**
   * Confirms a pick of the order's units of `sku` in `bin`. The line is the order's line of that SKU
   * holding units in the bin, as the warehouse stream has it now; the stream decides (409 for an over-pick).
   */
  @Post(':id/picks')
  @HttpCode(201)
  async pick(@Param('wh') warehouse: string, @Param('id') orderId: string, @Body() body: PickBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const state = await this.commands.state(warehouse);
    if (!state.exists) throw new WarehouseNotFound(warehouse);
    const lines = keyedValues(state.lines)
      .filter((l) => l.orderId === orderId && l.sku === body.sku)
      .sort((a, b) => heldBy(b, body.bin) - heldBy(a, body.bin) || a.sequence - b.sequence);
    const line = lines[0];
    if (!line) throw new UnknownAllocation(orderId, '*', body.sku);
    const { bin, sku, quantity, pickedQuantity } = body;
    const command = { type: 'ConfirmPick' as const, orderId, lineId: line.lineId, bin, sku, quantity, ...(pickedQuantity === undefined ? {} : { pickedQuantity }) };
    const outcome = await this.commands.run(warehouse, command, request, reply);
    return {
      warehouse,
      pickListId: orderId,
      lineId: line.lineId,
      bin,
      sku,
      picked: eventOf(outcome, 'warehouse.StockPicked')?.quantity ?? 0,
      shortPick: eventOf(outcome, 'warehouse.PickShorted') ?? null,
    };
  }
}
