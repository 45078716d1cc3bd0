/**
 * The warehouse service's stock events as the inventory reads them: only the fields its totals need.
 * These are the warehouse's public event contract (type names and `data` fields); the inventory
 * depends on that contract, never on the warehouse service's code or tables.
 */
interface BinQuantity {
  readonly bin: string;
  readonly quantity: number;
}
type Event<Type extends string, Data> = { readonly type: Type; readonly data: { readonly sku: string } & Data };

export type WarehouseStockEvent =
  | Event<'warehouse.StockReceived', { readonly bin: string; readonly quantity: number }>
  | Event<'warehouse.StockPutAway', { readonly fromBin: string; readonly toBin: string; readonly quantity: number }>
  | Event<'warehouse.StockMoved', { readonly fromBin: string; readonly toBin: string; readonly quantity: number }>
  | Event<'warehouse.StockAdjusted', { readonly bin: string; readonly delta: number }>
  | Event<'warehouse.StockAllocated', { readonly allocations: readonly BinQuantity[] }>
  | Event<'warehouse.StockReallocated', { readonly fromBin: string; readonly reallocations: readonly BinQuantity[] }>
  | Event<'warehouse.AllocationShorted', { readonly bin: string; readonly quantity: number }>
  | Event<'warehouse.AllocationReleased', { readonly allocations: readonly BinQuantity[]; readonly stagedQuantity: number }>
  | Event<'warehouse.StockPicked', { readonly bin: string; readonly quantity: number }>
  | Event<'warehouse.PickShorted', { readonly bin: string; readonly shortQuantity: number; readonly reallocations: readonly BinQuantity[] }>
  | Event<'warehouse.StockDispatched', { readonly quantity: number }>;

/** Where picked units wait for dispatch (every warehouse has it). */
const STAGING = 'STAGING';

/** A record, so that a new stock event type does not compile until it is listed. */
const types: Record<WarehouseStockEvent['type'], true> = {
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
export const WAREHOUSE_STOCK_EVENT_TYPES = Object.keys(types) as readonly WarehouseStockEvent['type'][];

/** Units of one SKU in one bin: on hand, and held for order lines (the inventory's "reserved"). */
export interface StockChange {
  readonly bin: string;
  readonly sku: string;
  readonly onHand: number;
  readonly reserved: number;
}

/** What a warehouse stock event changes, per (bin, SKU); one entry per pair, no zero entries. */
export function stockChanges(event: WarehouseStockEvent): StockChange[] {
  const { sku } = event.data;
  const changes: StockChange[] = [];
  const add = (bin: string, onHand: number, reserved: number) => changes.push({ bin, sku, onHand, reserved });
  switch (event.type) {
    case 'warehouse.StockReceived':
      add(event.data.bin, event.data.quantity, 0);
      break;
    case 'warehouse.StockPutAway':
    case 'warehouse.StockMoved':
      add(event.data.fromBin, -event.data.quantity, 0);
      add(event.data.toBin, event.data.quantity, 0);
      break;
    case 'warehouse.StockAdjusted':
      add(event.data.bin, event.data.delta, 0);
      break;
    case 'warehouse.StockAllocated':
      for (const a of event.data.allocations) add(a.bin, 0, a.quantity);
      break;
    case 'warehouse.StockReallocated':
      for (const a of event.data.reallocations) {
        add(event.data.fromBin, 0, -a.quantity);
        add(a.bin, 0, a.quantity);
      }
      break;
    case 'warehouse.AllocationShorted':
      add(event.data.bin, 0, -event.data.quantity);
      break;
    case 'warehouse.AllocationReleased':
      for (const a of event.data.allocations) add(a.bin, 0, -a.quantity);
      add(STAGING, 0, -event.data.stagedQuantity);
      break;
    case 'warehouse.StockPicked':
      // Picked units wait in STAGING, still reserved for the order line until dispatch.
      add(event.data.bin, -event.data.quantity, -event.data.quantity);
      add(STAGING, event.data.quantity, event.data.quantity);
      break;
    case 'warehouse.PickShorted':
      add(event.data.bin, 0, -event.data.shortQuantity);
      for (const a of event.data.reallocations) add(a.bin, 0, a.quantity);
      break;
    case 'warehouse.StockDispatched':
      add(STAGING, -event.data.quantity, -event.data.quantity);
      break;
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
  const merged = new Map<string, StockChange>();
  for (const c of changes) {
    const before = merged.get(c.bin);
    merged.set(c.bin, before ? { ...c, onHand: before.onHand + c.onHand, reserved: before.reserved + c.reserved } : c);
  }
  return [...merged.values()].filter((c) => c.onHand !== 0 || c.reserved !== 0);
}

/** `warehouse-WH1` → `WH1`: the warehouse's stock events do not repeat its code in their data. */
export function warehouseOfStream(streamId: string): string {
  return streamId.startsWith('warehouse-') ? streamId.slice('warehouse-'.length) : streamId;
}
