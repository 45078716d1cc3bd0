export * from './stock/warehouse.domain';
export { WarehouseModule } from './warehouse.module';
export { binStockProjection } from './bins/bin-stock.projection';
export { knownItemsProjection } from './known-items/known-items.projection';
export { binChanges, type BinChange } from './bins/bin-changes.domain';

import { binStockProjection } from './bins/bin-stock.projection';
import { knownItemsProjection } from './known-items/known-items.projection';
/** Every read model the warehouse service needs running. */
export const warehouseProjections = [knownItemsProjection, binStockProjection];
