/**
 * The warehouse service's public events as replenishment reads them: bin layout (kind and zone) and the
 * stock of one SKU per bin. Only the contract's type names and `data` fields are used, never the
 * warehouse service's code or tables (a service imports shared libraries only).
 */
interface BinQuantity {
  readonly bin: string;
  readonly quantity: number;
}
interface BinDefinition {
  readonly code: string;
  readonly kind: 'storage' | 'dock' | 'staging';
  readonly zone?: string;
}
type Event<Type extends string, Data> = { readonly type: Type; readonly data: Data };
type SkuEvent<Type extends string, Data> = Event<Type, { readonly sku: string } & Data>;

export type WarehouseLayoutEvent = Event<'warehouse.WarehouseCreated', { readonly code: string; readonly bins: readonly BinDefinition[] }> | Event<'warehouse.BinAdded', BinDefinition>;

export type WarehouseStockEvent =
  | SkuEvent<'warehouse.StockReceived', { readonly bin: string; readonly quantity: number }>
  | SkuEvent<'warehouse.StockPutAway', { readonly fromBin: string; readonly toBin: string; readonly quantity: number }>
  | SkuEvent<'warehouse.StockMoved', { readonly fromBin: string; readonly toBin: string; readonly quantity: number }>
  | SkuEvent<'warehouse.StockAdjusted', { readonly bin: string; readonly delta: number }>
  | SkuEvent<'warehouse.StockAllocated', { readonly allocations: readonly BinQuantity[] }>
  | SkuEvent<'warehouse.StockReallocated', { readonly fromBin: string; readonly reallocations: readonly BinQuantity[] }>
  | SkuEvent<'warehouse.AllocationShorted', { readonly bin: string; readonly quantity: number }>
  | SkuEvent<'warehouse.AllocationReleased', { readonly allocations: readonly BinQuantity[]; readonly stagedQuantity: number }>
  | SkuEvent<'warehouse.StockPicked', { readonly bin: string; readonly quantity: number }>
  | SkuEvent<'warehouse.PickShorted', { readonly bin: string; readonly shortQuantity: number; readonly reallocations: readonly BinQuantity[] }>
  | SkuEvent<'warehouse.StockDispatched', { readonly quantity: number }>;

/** Records, not lists: a new event type in the unions does not compile until it is listed here. */
const layoutTypes: Record<WarehouseLayoutEvent['type'], true> = { 'warehouse.WarehouseCreated': true, 'warehouse.BinAdded': true };
const stockTypes: Record<WarehouseStockEvent['type'], true> = {
  'warehouse.StockReceived': true,
  'warehouse.StockPutAway': true,
  'warehouse.StockMoved': true,
  'warehouse.StockAdjusted': true,
  'warehouse.StockAllocated': true,
  'warehouse.StockReallocated': true,
  'warehouse.AllocationShorted': true,
  'warehouse.AllocationReleased': true,
  'warehouse.StockPicked': true,
  'warehouse.PickShorted': true,
  'warehouse.StockDispatched': true,
};
export const WAREHOUSE_LAYOUT_EVENT_TYPES = Object.keys(layoutTypes) as readonly WarehouseLayoutEvent['type'][];
export const WAREHOUSE_STOCK_EVENT_TYPES = Object.keys(stockTypes) as readonly WarehouseStockEvent['type'][];

export const isLayoutEvent = (event: { readonly type: string }): event is WarehouseLayoutEvent => Object.hasOwn(layoutTypes, event.type);
export const isStockEvent = (event: { readonly type: string }): event is WarehouseStockEvent => Object.hasOwn(stockTypes, event.type);

/** Picked units wait here, still held for their order line, until dispatch (every warehouse has it). */
export const STAGING = 'STAGING';

/** The zone whose bins hold back-up stock: units there are moved to a pick face before anyone picks them. */
export const RESERVE_ZONE = 'RESERVE';

export interface BinLayout {
  readonly kind: BinDefinition['kind'];
  readonly zone: string | null;
}
/** bin code → kind and zone, per warehouse. */
export type WarehouseLayout = Readonly<Record<string, BinLayout>>;

export function evolveLayout(layout: WarehouseLayout, event: WarehouseLayoutEvent): WarehouseLayout {
  const entry = (b: BinDefinition): [string, BinLayout] => [b.code, { kind: b.kind, zone: b.zone ?? null }];
  switch (event.type) {
    case 'warehouse.WarehouseCreated':
      return Object.fromEntries(event.data.bins.map(entry));
    case 'warehouse.BinAdded':
      return { ...layout, ...Object.fromEntries([entry(event.data)]) };
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

export interface BinStock {
  readonly onHand: number;
  /** Units held for order lines (the inventory's "reserved"). */
  readonly allocated: number;
}
/** bin code → units of one SKU in one warehouse; a bin with nothing on hand and nothing allocated has no entry. */
export type SkuBins = Readonly<Record<string, BinStock>>;

/** Folds one stock event of the SKU into its bins, the same way the warehouse's own stream does. */
export function evolveSkuBins(bins: SkuBins, event: WarehouseStockEvent): SkuBins {
  const changes: [bin: string, onHand: number, allocated: number][] = [];
  switch (event.type) {
    case 'warehouse.StockReceived':
      changes.push([event.data.bin, event.data.quantity, 0]);
      break;
    case 'warehouse.StockPutAway':
    case 'warehouse.StockMoved':
      changes.push([event.data.fromBin, -event.data.quantity, 0], [event.data.toBin, event.data.quantity, 0]);
      break;
    case 'warehouse.StockAdjusted':
      changes.push([event.data.bin, event.data.delta, 0]);
      break;
    case 'warehouse.StockAllocated':
      for (const a of event.data.allocations) changes.push([a.bin, 0, a.quantity]);
      break;
    case 'warehouse.StockReallocated':
      for (const a of event.data.reallocations) changes.push([event.data.fromBin, 0, -a.quantity], [a.bin, 0, a.quantity]);
      break;
    case 'warehouse.AllocationShorted':
      changes.push([event.data.bin, 0, -event.data.quantity]);
      break;
    case 'warehouse.AllocationReleased':
      for (const a of event.data.allocations) changes.push([a.bin, 0, -a.quantity]);
      changes.push([STAGING, 0, -event.data.stagedQuantity]);
      break;
    case 'warehouse.StockPicked':
      // The picked units leave the bin and wait in STAGING, still held for the line.
      changes.push([event.data.bin, -event.data.quantity, -event.data.quantity], [STAGING, event.data.quantity, event.data.quantity]);
      break;
    case 'warehouse.PickShorted':
      changes.push([event.data.bin, 0, -event.data.shortQuantity]);
      for (const a of event.data.reallocations) changes.push([a.bin, 0, a.quantity]);
      break;
    case 'warehouse.StockDispatched':
      changes.push([STAGING, -event.data.quantity, -event.data.quantity]);
      break;
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
  return changes.reduce(change, bins);
}

function change(bins: SkuBins, [bin, onHand, allocated]: [string, number, number]): SkuBins {
  if (onHand === 0 && allocated === 0) return bins;
  const before = Object.hasOwn(bins, bin) ? bins[bin]! : { onHand: 0, allocated: 0 };
  const after = { onHand: before.onHand + onHand, allocated: before.allocated + allocated };
  const { [bin]: _before, ...others } = bins;
  return after.onHand === 0 && after.allocated === 0 ? others : { ...others, [bin]: after };
}

/**
 * The figures replenishment decides on, for one SKU in one warehouse:
 * - `available` = on hand − allocated over every bin (DOCK and STAGING included): what GET /inventory/:sku
 *   reports as the warehouse's available;
 * - `reserveFree`: the part of it in bins of the RESERVE zone (back-up stock, not picked from directly);
 * - `pickFaceAvailable` = available − reserveFree: what can be allocated and picked without a move first.
 */
export interface StockLevels {
  readonly onHand: number;
  readonly allocated: number;
  readonly available: number;
  readonly reserveFree: number;
  readonly pickFaceAvailable: number;
}

export const isReserveBin = (layout: WarehouseLayout, bin: string): boolean => Object.hasOwn(layout, bin) && layout[bin]!.zone === RESERVE_ZONE;

export function stockLevels(bins: SkuBins, layout: WarehouseLayout): StockLevels {
  let onHand = 0;
  let allocated = 0;
  let reserveFree = 0;
  for (const [bin, stock] of Object.entries(bins)) {
    onHand += stock.onHand;
    allocated += stock.allocated;
    if (isReserveBin(layout, bin)) reserveFree += stock.onHand - stock.allocated;
  }
  const available = onHand - allocated;
  return { onHand, allocated, available, reserveFree, pickFaceAvailable: available - reserveFree };
}

/** `warehouse-WH1` → `WH1`: stock events do not repeat the warehouse code in their data. */
export function warehouseOfStream(streamId: string): string {
  return streamId.startsWith('warehouse-') ? streamId.slice('warehouse-'.length) : streamId;
}
