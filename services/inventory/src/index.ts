export { InventoryModule } from './inventory.module';
export { itemsProjection } from './items/items.projection';
export { ITEM_EVENT_TYPES } from './items/item.domain';

import { itemsProjection } from './items/items.projection';
/** Every read model the inventory service needs running. */
export const inventoryProjections = [itemsProjection];
