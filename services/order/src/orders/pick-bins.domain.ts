import { parseAllocationLineId, type BinQuantity } from './order-model.domain';

/**
 * The warehouse events that name an order's allocation line (`<lineId>#<attempt>`), as the order
 * service reads them for its own view of the pick list (which bins, how many from each). They mirror
 * the warehouse's public events (module boundaries: no import of the warehouse service).
 */
interface LineData {
  readonly orderId: string;
  readonly lineId: string;
  readonly sku: string;
}
type Event<Type extends string, Data> = { readonly type: Type; readonly data: LineData & Data };

export type WarehouseLineEvent =
  | Event<'warehouse.StockAllocated', { readonly allocations: readonly BinQuantity[] }>
  | Event<'warehouse.StockReallocated', { readonly fromBin: string; readonly quantity: number; readonly reallocations: readonly BinQuantity[] }>
  | Event<'warehouse.AllocationShorted', { readonly bin: string; readonly quantity: number }>
  | Event<'warehouse.AllocationReleased', { readonly allocations: readonly BinQuantity[] }>
  | Event<'warehouse.StockPicked', { readonly bin: string; readonly quantity: number }>
  | Event<'warehouse.PickShorted', { readonly bin: string; readonly shortQuantity: number; readonly reallocations: readonly BinQuantity[] }>;

const types: Record<WarehouseLineEvent['type'], true> = {
  'warehouse.StockAllocated': true,
  'warehouse.StockReallocated': true,
  'warehouse.AllocationShorted': true,
  'warehouse.AllocationReleased': true,
  'warehouse.StockPicked': true,
  'warehouse.PickShorted': true,
};
export const WAREHOUSE_LINE_EVENT_TYPES = Object.keys(types) as readonly WarehouseLineEvent['type'][];

const STAGING = 'STAGING';

export interface PickBinChange {
  readonly orderId: string;
  /** The order's line id and attempt, parsed from the warehouse's line id. */
  readonly lineId: string;
  readonly allocationLineId: string;
  /** Units to pick per bin: + allocated there, − picked, shorted, released or moved to another bin. */
  readonly bins: readonly BinQuantity[];
}

/** What the event changes on the order line's units still to pick, per bin; undefined for a line the order service did not ask for. */
export function pickBinChange(event: WarehouseLineEvent): PickBinChange | undefined {
  const { orderId, lineId: allocationLineId } = event.data;
  const attempt = parseAllocationLineId(allocationLineId);
  if (!attempt) return undefined;
  const bins = ((): BinQuantity[] => {
    switch (event.type) {
      case 'warehouse.StockAllocated':
        return [...event.data.allocations];
      case 'warehouse.StockReallocated':
        return [{ bin: event.data.fromBin, quantity: -event.data.quantity }, ...event.data.reallocations];
      case 'warehouse.AllocationShorted':
        return event.data.bin === STAGING ? [] : [{ bin: event.data.bin, quantity: -event.data.quantity }];
      case 'warehouse.AllocationReleased':
        return event.data.allocations.map((a) => ({ bin: a.bin, quantity: -a.quantity }));
      case 'warehouse.StockPicked':
        return [{ bin: event.data.bin, quantity: -event.data.quantity }];
      case 'warehouse.PickShorted':
        return [{ bin: event.data.bin, quantity: -event.data.shortQuantity }, ...event.data.reallocations];
      default: {
        const unhandled: never = event;
        return unhandled;
      }
    }
  })();
  return { orderId, lineId: attempt.lineId, allocationLineId, bins };
}
