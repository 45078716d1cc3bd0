import { Inject, Injectable } from '@nestjs/common';
import { CatalogCopy, RUNNING_PROJECTIONS, type CatalogCopyReader, type RunningProjections } from '@bintrail/projections';
import { PLATFORM_CONTEXT, type PlatformContext } from '@bintrail/service-kit';
import { ItemNotFound, WarehouseNotFound } from '../shipping-errors.domain';

/** The shipping service's own copy of the SKUs and warehouses there are: it never reads another service's tables. */
const catalog = new CatalogCopy({ name: 'shipping-catalog', tablePrefix: 'shipping', warehouses: true });
export const shippingCatalogProjection = catalog.projection;

@Injectable()
export class ShippingCatalog {
  private readonly reader: CatalogCopyReader;

  constructor(@Inject(PLATFORM_CONTEXT) platform: PlatformContext, @Inject(RUNNING_PROJECTIONS) projections: RunningProjections) {
    this.reader = catalog.reader(platform.store.db, platform.s, projections, () => platform.store.headPosition());
  }

  /** Refuses a SKU the item master never registered, then the first warehouse never created. */
  async require(sku: string, warehouses: readonly string[]): Promise<void> {
    if ((await this.reader.unknownSku([sku])) !== undefined) throw new ItemNotFound(sku);
    const warehouse = await this.reader.unknownWarehouse(warehouses);
    if (warehouse !== undefined) throw new WarehouseNotFound(warehouse);
  }
}
