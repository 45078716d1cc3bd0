import { Inject, Injectable } from '@nestjs/common';
import { CatalogCopy, RUNNING_PROJECTIONS, type CatalogCopyReader, type RunningProjections } from '@bintrail/projections';
import { PLATFORM_CONTEXT, type PlatformContext } from '@bintrail/service-kit';
import { ItemNotRegistered } from '../stock/warehouse.domain';

/**
 * The SKUs the warehouse may book: its own copy, fed by `inventory.ItemRegistered`, so that it never
 * reads the inventory service's tables.
 */
const knownItems = new CatalogCopy({ name: 'warehouse-known-items', tablePrefix: 'warehouse', warehouses: false });
export const knownItemsProjection = knownItems.projection;

@Injectable()
export class KnownItems {
  private readonly reader: CatalogCopyReader;

  constructor(@Inject(PLATFORM_CONTEXT) platform: PlatformContext, @Inject(RUNNING_PROJECTIONS) projections: RunningProjections) {
    this.reader = knownItems.reader(platform.store.db, platform.s, projections, () => platform.store.headPosition());
  }

  /** Refuses a SKU the item master never registered (waiting, bounded, for one registered a moment ago). */
  async require(sku: string): Promise<void> {
    if ((await this.reader.unknownSku([sku])) !== undefined) throw new ItemNotRegistered(sku);
  }
}
