export { InventoryModule } from './inventory.module';
export { itemsProjection } from './items/items.projection';
export { ITEM_EVENT_TYPES } from './items/item.domain';
export { stockProjection } from './stock/stock.projection';
export { ledgerProjection } from './ledger/ledger.projection';

import { itemsProjection } from './items/items.projection';
import { ledgerProjection } from './ledger/ledger.projection';
import { stockProjection } from './stock/stock.projection';
/** Every read model the inventory service needs running (the item master first: /status lists them in this order). */
export const inventoryProjections = [itemsProjection, stockProjection, ledgerProjection];
