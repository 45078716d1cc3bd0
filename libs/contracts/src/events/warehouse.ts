import { Type } from '@sinclair/typebox';
import { BinQuantity, data, OrderLineRef, Text, Units, UnitsOrNone, type DataByType } from './common';

/**
 * Events of the warehouse service (topic `bintrail.warehouse.events`, one stream per warehouse,
 * `warehouse-<code>`): bins and the physical stock in them, and the units held for order lines.
 */
const Bin = Type.Object(
  {
    code: Text('bin code, e.g. A-01-03'),
    kind: Type.Union([Type.Literal('storage'), Type.Literal('dock'), Type.Literal('staging')]),
    zone: Type.Optional(Text()),
    capacity: Type.Optional(Units('units the bin holds at most, across all SKUs; absent = no limit')),
  },
  { additionalProperties: false },
);

export const WarehouseCreatedV1 = data({ code: Text('warehouse code'), name: Type.String(), bins: Type.Array(Bin) }, 'A warehouse was created with its dock and staging bins.');
export const BinAddedV1 = Type.Object(Bin.properties, { additionalProperties: false, description: 'A bin was added to the warehouse.' });
export const StockReceivedV1 = data(
  { receiptId: Text(), sku: Text(), bin: Text(), quantity: Units(), expectedReceiptId: Type.Optional(Text('the ASN the units came in under')) },
  'Units of a SKU were received into a bin (the dock unless another was named).',
);
export const StockPutAwayV1 = data(
  { sku: Text(), fromBin: Text(), toBin: Text(), quantity: Units(), suggested: Type.Boolean({ description: 'true when the warehouse chose toBin' }) },
  'Units were put away from the dock into a storage bin.',
);
export const StockMovedV1 = data({ sku: Text(), fromBin: Text(), toBin: Text(), quantity: Units() }, 'Unallocated units were moved between bins.');
export const BinCountedV1 = data(
  { countId: Text(), bin: Text(), sku: Text(), countedQuantity: UnitsOrNone(), previousQuantity: UnitsOrNone(), reason: Type.String() },
  'A bin was counted for a SKU: the count is the truth.',
);
export const StockAdjustedV1 = data(
  { countId: Text(), bin: Text(), sku: Text(), delta: Type.Integer({ description: 'units gained (positive) or lost (negative)' }), reason: Type.String() },
  'On-hand changed by a count.',
);
export const StockAllocatedV1 = data(
  { ...OrderLineRef, requested: Units(), allocations: Type.Array(BinQuantity), shortQuantity: UnitsOrNone('units no bin could cover') },
  'Units of a SKU were allocated to an order line, bin by bin (the pick list).',
);
export const StockReallocatedV1 = data(
  { ...OrderLineRef, fromBin: Text(), quantity: Units(), reallocations: Type.Array(BinQuantity) },
  'Units a line held in fromBin are now held in other bins (a count found fromBin short).',
);
export const AllocationShortedV1 = data({ ...OrderLineRef, bin: Text(), quantity: Units() }, 'Units a line held in a bin that no other bin could cover.');
export const AllocationReleasedV1 = data(
  { ...OrderLineRef, allocations: Type.Array(BinQuantity), stagedQuantity: UnitsOrNone('picked units that stay in STAGING, unallocated') },
  'Everything an order line still held was given back.',
);
export const StockPickedV1 = data({ ...OrderLineRef, bin: Text(), quantity: Units() }, 'Units were picked from a bin into STAGING for an order line.');
export const PickShortedV1 = data(
  { ...OrderLineRef, bin: Text(), shortQuantity: Units(), reallocations: Type.Array(BinQuantity), unfilledQuantity: UnitsOrNone() },
  'A picker found fewer units than allocated; the rest was re-allocated where possible.',
);
export const StockDispatchedV1 = data({ ...OrderLineRef, quantity: Units(), shipmentId: Text() }, 'Staged units of a line left the warehouse.');

export const WAREHOUSE_EVENT_SCHEMAS = {
  'warehouse.WarehouseCreated': { 1: WarehouseCreatedV1 },
  'warehouse.BinAdded': { 1: BinAddedV1 },
  'warehouse.StockReceived': { 1: StockReceivedV1 },
  'warehouse.StockPutAway': { 1: StockPutAwayV1 },
  'warehouse.StockMoved': { 1: StockMovedV1 },
  'warehouse.BinCounted': { 1: BinCountedV1 },
  'warehouse.StockAdjusted': { 1: StockAdjustedV1 },
  'warehouse.StockAllocated': { 1: StockAllocatedV1 },
  'warehouse.StockReallocated': { 1: StockReallocatedV1 },
  'warehouse.AllocationShorted': { 1: AllocationShortedV1 },
  'warehouse.AllocationReleased': { 1: AllocationReleasedV1 },
  'warehouse.StockPicked': { 1: StockPickedV1 },
  'warehouse.PickShorted': { 1: PickShortedV1 },
  'warehouse.StockDispatched': { 1: StockDispatchedV1 },
} as const;

/** The data of each warehouse event at version 1, by type. */
export type WarehouseEventData = DataByType<typeof WAREHOUSE_EVENT_SCHEMAS, 1>;
