export * from './stock/warehouse.domain';
export { WarehouseModule } from './warehouse.module';
export { binStockProjection } from './bins/bin-stock.projection';
export { knownItemsProjection } from './known-items/known-items.projection';
export { binChanges, type BinChange } from './bins/bin-changes.domain';
export { pickListsProjection } from './picking/pick-lists.projection';
export { WAREHOUSE_TRANSPORT, WAREHOUSE_GROUP } from './transport';

import { binStockProjection } from './bins/bin-stock.projection';
import { knownItemsProjection } from './known-items/known-items.projection';
import { pickListsProjection } from './picking/pick-lists.projection';
/** Every read model the warehouse service needs running. */
export const warehouseProjections = [knownItemsProjection, binStockProjection, pickListsProjection];
