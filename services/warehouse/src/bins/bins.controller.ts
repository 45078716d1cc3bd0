import { Controller, Get, Inject, Param, UseFilters } from '@nestjs/common';
import { DomainErrorFilter, PLATFORM_CONTEXT, ReadsFrom, type PlatformContext } from '@bintrail/service-kit';
import { BinNotFound, WarehouseNotFound } from '../stock/warehouse.domain';
import { binStockProjection, findBin, type BinView } from './bin-stock.projection';

/** What a bin holds, from the bin-level read model (`?minPosition=` waits for it to reach a command's position). */
@Controller('warehouses/:wh/bins')
@ReadsFrom(binStockProjection.name)
@UseFilters(DomainErrorFilter)
export class BinsController {
  constructor(@Inject(PLATFORM_CONTEXT) private readonly platform: PlatformContext) {}

  @Get(':bin')
  async get(@Param('wh') warehouse: string, @Param('bin') bin: string): Promise<BinView> {
    const found = await findBin(this.platform.store.db, this.platform.s, warehouse, bin);
    if ('missing' in found) throw found.missing === 'warehouse' ? new WarehouseNotFound(warehouse) : new BinNotFound(bin);
    return found;
  }
}
