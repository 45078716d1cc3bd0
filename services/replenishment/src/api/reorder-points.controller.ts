import { BadRequestException, Body, Controller, Get, HttpCode, Inject, Param, Put, Query } from '@nestjs/common';
import { IsInt, Max, Min } from 'class-validator';
import type { EventStore, SqlExecutor } from '@bintrail/event-store';
import type { RunningSubscription, SubscriberStatus } from '@bintrail/subscriber';
import { InvalidReorderPoint, replenishmentStreamId, setReorderPoint, SKU_PATTERN, WAREHOUSE_CODE_PATTERN } from '../stock-watch/replenishment.domain';
import { replenishmentViews, type ReplenishmentView } from '../stock-watch/replenishment.tables';

export const REPLENISHMENT_CONTEXT = Symbol('REPLENISHMENT_CONTEXT');

export interface ReplenishmentContext {
  readonly store: EventStore;
  /** Reads of replenishment's own tables. */
  readonly db: SqlExecutor;
  readonly schema: string;
  readonly subscription: () => RunningSubscription | undefined;
}

export class ReorderPointBody {
  /** Below this many units that can be picked without a move first, replenishment suggests a move or a purchase. */
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  reorderPoint!: number;

  /** Units to buy when the reserve is empty (at most this many are moved from one reserve bin). */
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  reorderQuantity!: number;
}

@Controller('replenishment')
export class ReorderPointsController {
  constructor(@Inject(REPLENISHMENT_CONTEXT) private readonly context: ReplenishmentContext) {}

  /** Sets the SKU's reorder point in the warehouse (`replenishment.ReorderPointSet`); suggestions follow from the stock. */
  @Put('reorder-points/:warehouse/:sku')
  @HttpCode(200)
  async set(@Param('warehouse') warehouse: string, @Param('sku') sku: string, @Body() body: ReorderPointBody): Promise<{ warehouse: string; sku: string; reorderPoint: number; reorderQuantity: number; position: number }> {
    const event = checked(() => setReorderPoint({ warehouse, sku, reorderPoint: body.reorderPoint, reorderQuantity: body.reorderQuantity }));
    const result = await this.context.store.appendToStream(replenishmentStreamId(warehouse, sku), [event], { expectedVersion: 'any' });
    return { ...event.data, position: result.positions.at(-1)!.globalPosition };
  }

  /** Open suggestions (a move from reserve or a purchase), with the stock figures they were made on. */
  @Get('suggestions')
  async suggestions(@Query('warehouse') warehouse?: string, @Query('sku') sku?: string): Promise<{ suggestions: ReplenishmentView[] }> {
    checkFilter(warehouse, sku);
    const views = await replenishmentViews(this.context.db, this.context.schema, { openOnly: true, ...(warehouse ? { warehouse } : {}), ...(sku ? { sku } : {}) });
    return { suggestions: views };
  }

  /** What replenishment knows of one SKU in one warehouse: bins, levels (available as GET /inventory/:sku has it), reorder point. */
  @Get('stock/:warehouse/:sku')
  async stock(@Param('warehouse') warehouse: string, @Param('sku') sku: string): Promise<ReplenishmentView> {
    checkFilter(warehouse, sku);
    const [view] = await replenishmentViews(this.context.db, this.context.schema, { warehouse, sku, openOnly: false });
    return view ?? { warehouse, sku, reorderPoint: null, levels: { onHand: 0, allocated: 0, available: 0, reserveFree: 0, pickFaceAvailable: 0 }, bins: {}, openSuggestion: null, position: 0 };
  }

  /** The subscription's phase and lag behind the store (events and seconds): behind, not broken. */
  @Get('status')
  status(): { subscription: SubscriberStatus | null } {
    return { subscription: this.context.subscription()?.status() ?? null };
  }
}

function checked<T>(decide: () => T): T {
  try {
    return decide();
  } catch (error) {
    if (error instanceof InvalidReorderPoint) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: [error.message], field: error.field });
    throw error;
  }
}

function checkFilter(warehouse: unknown, sku: unknown): void {
  const errors: string[] = [];
  if (warehouse !== undefined && (typeof warehouse !== 'string' || !WAREHOUSE_CODE_PATTERN.test(warehouse))) errors.push('warehouse must be a warehouse code: capital letters and digits, dash-separated');
  if (sku !== undefined && (typeof sku !== 'string' || !SKU_PATTERN.test(sku))) errors.push('sku must be 1-64 letters, digits, dot, dash or underscore, starting with a letter or digit');
  if (errors.length > 0) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: errors });
}
