import { Inject, Injectable } from '@nestjs/common';
import { CatalogCopy, RUNNING_PROJECTIONS, type CatalogCopyReader, type RunningProjections } from '@bintrail/projections';
import { PLATFORM_CONTEXT, type PlatformContext } from '@bintrail/service-kit';

/** The order service's own copy of the SKUs (item master) and warehouses there are: it never reads another service's tables. */
const catalog = new CatalogCopy({ name: 'order-catalog', tablePrefix: 'order', warehouses: true });
export const catalogProjection = catalog.projection;

/** A SKU the item master never registered (404, like the warehouse's). */
export class ItemNotFound extends Error {
  readonly code = 'ItemNotFound';
  constructor(readonly sku: string) {
    super(`item ${sku} is not registered (PUT /items/${sku} registers it)`);
    this.name = 'ItemNotFound';
  }
}

@Injectable()
export class Catalog {
  private readonly reader: CatalogCopyReader;

  constructor(@Inject(PLATFORM_CONTEXT) platform: PlatformContext, @Inject(RUNNING_PROJECTIONS) projections: RunningProjections) {
    this.reader = catalog.reader(platform.store.db, platform.s, projections, () => platform.store.headPosition());
  }

  /** Refuses the first SKU the item master never registered. */
  async requireItems(skus: readonly string[]): Promise<void> {
    const missing = await this.reader.unknownSku(skus);
    if (missing !== undefined) throw new ItemNotFound(missing);
  }

  /** The warehouses to allocate from, in code order (the preference list of a new order). */
  warehouses(): Promise<string[]> {
    return this.reader.warehouses();
  }
}
