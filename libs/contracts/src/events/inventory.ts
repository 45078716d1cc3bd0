import { Type } from '@sinclair/typebox';
import { data, Text, type DataByType } from './common';

/** Events of the inventory service (topic `bintrail.inventory.events`): the item master, one stream per SKU. */
const item = { sku: Text(), description: Type.String(), unit: Text('unit of measure stock is counted in: each, box, kg …') };

export const ItemRegisteredV1 = data(item, 'A SKU was registered in the item master.');
export const ItemUpdatedV1 = data(item, "A SKU's description or unit changed.");

export const INVENTORY_EVENT_SCHEMAS = {
  'inventory.ItemRegistered': { 1: ItemRegisteredV1 },
  'inventory.ItemUpdated': { 1: ItemUpdatedV1 },
} as const;

/** The data of each inventory event at version 1, by type. */
export type InventoryEventData = DataByType<typeof INVENTORY_EVENT_SCHEMAS, 1>;
