import type { BinQuantity } from '../orders/order-model.domain';

/**
 * The warehouse messages the order service sends and reacts to, as the order service reads them.
 * The order scope may not import the warehouse service (module boundaries), so these mirror the data
 * of the warehouse events in services/warehouse (warehouse-model.domain.ts); they move to
 * libs/contracts once it carries the event schemas. Events the manager ignores are left out.
 */
type Event<Type extends string, Data> = { readonly type: Type; readonly data: Data };

interface AllocationLine {
  readonly orderId: string;
  /** The attempt's line id (`<lineId>#<attempt>`), not the order's line id. */
  readonly lineId: string;
  readonly sku: string;
}

export type WarehouseEventIn =
  | Event<'warehouse.StockReceived', { readonly receiptId: string; readonly sku: string; readonly bin: string; readonly quantity: number; readonly expectedReceiptId?: string }>
  | Event<'warehouse.StockPutAway', { readonly sku: string; readonly fromBin: string; readonly toBin: string; readonly quantity: number; readonly suggested: boolean }>
  | Event<'warehouse.StockMoved', { readonly sku: string; readonly fromBin: string; readonly toBin: string; readonly quantity: number }>
  | Event<'warehouse.BinCounted', { readonly countId: string; readonly bin: string; readonly sku: string; readonly countedQuantity: number; readonly previousQuantity: number; readonly reason: string }>
  | Event<'warehouse.StockAdjusted', { readonly countId: string; readonly bin: string; readonly sku: string; readonly delta: number; readonly reason: string }>
  | Event<'warehouse.StockAllocated', AllocationLine & { readonly requested: number; readonly allocations: readonly BinQuantity[]; readonly shortQuantity: number }>
  | Event<'warehouse.AllocationShorted', AllocationLine & { readonly bin: string; readonly quantity: number }>
  | Event<'warehouse.AllocationReleased', AllocationLine & { readonly allocations: readonly BinQuantity[]; readonly stagedQuantity: number }>
  | Event<'warehouse.StockPicked', AllocationLine & { readonly bin: string; readonly quantity: number }>
  | Event<'warehouse.PickShorted', AllocationLine & { readonly bin: string; readonly shortQuantity: number; readonly reallocations: readonly BinQuantity[]; readonly unfilledQuantity: number }>
  | Event<'warehouse.StockDispatched', AllocationLine & { readonly quantity: number; readonly shipmentId: string }>;

export type WarehouseCommandOut =
  | { readonly type: 'AllocateStock'; readonly orderId: string; readonly lineId: string; readonly sku: string; readonly quantity: number }
  | { readonly type: 'ReleaseAllocation'; readonly orderId: string; readonly lineId: string };

/** The outbound staging bin: units a line holds there are picked already. */
export const STAGING = 'STAGING';

const WAREHOUSE_STREAM_PREFIX = 'warehouse-';

export const warehouseStreamId = (code: string): string => `${WAREHOUSE_STREAM_PREFIX}${code}`;

/** `warehouse-WH1` → `WH1`: a warehouse event names its warehouse only through its stream. */
export function warehouseOfStream(streamId: string): string | undefined {
  return streamId.startsWith(WAREHOUSE_STREAM_PREFIX) ? streamId.slice(WAREHOUSE_STREAM_PREFIX.length) : undefined;
}
