import { STAGING, totalOf, type WarehouseEvent } from '../stock/warehouse.domain';

/** How one event changes the units of one SKU in one bin: on hand, and held for order lines (allocated). */
export interface BinChange {
  readonly bin: string;
  readonly sku: string;
  readonly onHand: number;
  readonly allocated: number;
}

/**
 * What an event does to bin quantities, as the read models book it: the same arithmetic as the
 * stream's evolve, one row per (bin, SKU) touched (so one upsert never updates a row twice), zero
 * changes left out. Events that change no quantity (layout, counts without a difference) give none.
 */
export function binChanges(event: WarehouseEvent): BinChange[] {
  const changes: BinChange[] = [];
  const add = (bin: string, sku: string, onHand: number, allocated: number) => changes.push({ bin, sku, onHand, allocated });
  switch (event.type) {
    case 'warehouse.WarehouseCreated':
    case 'warehouse.BinAdded':
    case 'warehouse.BinCounted':
      break;
    case 'warehouse.StockReceived':
      add(event.data.bin, event.data.sku, event.data.quantity, 0);
      break;
    case 'warehouse.StockPutAway':
    case 'warehouse.StockMoved':
      add(event.data.fromBin, event.data.sku, -event.data.quantity, 0);
      add(event.data.toBin, event.data.sku, event.data.quantity, 0);
      break;
    case 'warehouse.StockAdjusted':
      add(event.data.bin, event.data.sku, event.data.delta, 0);
      break;
    case 'warehouse.StockAllocated':
      for (const a of event.data.allocations) add(a.bin, event.data.sku, 0, a.quantity);
      break;
    case 'warehouse.StockReallocated':
      add(event.data.fromBin, event.data.sku, 0, -totalOf(event.data.reallocations));
      for (const a of event.data.reallocations) add(a.bin, event.data.sku, 0, a.quantity);
      break;
    case 'warehouse.AllocationShorted':
      add(event.data.bin, event.data.sku, 0, -event.data.quantity);
      break;
    case 'warehouse.AllocationReleased':
      for (const a of event.data.allocations) add(a.bin, event.data.sku, 0, -a.quantity);
      add(STAGING, event.data.sku, 0, -event.data.stagedQuantity);
      break;
    case 'warehouse.StockPicked':
      // Picked units leave the bin and wait in STAGING, still held for the line until dispatch.
      add(event.data.bin, event.data.sku, -event.data.quantity, -event.data.quantity);
      add(STAGING, event.data.sku, event.data.quantity, event.data.quantity);
      break;
    case 'warehouse.PickShorted':
      add(event.data.bin, event.data.sku, 0, -event.data.shortQuantity);
      for (const a of event.data.reallocations) add(a.bin, event.data.sku, 0, a.quantity);
      break;
    case 'warehouse.StockDispatched':
      add(STAGING, event.data.sku, -event.data.quantity, -event.data.quantity);
      break;
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
  return merge(changes);
}

function merge(changes: readonly BinChange[]): BinChange[] {
  const merged = new Map<string, BinChange>();
  for (const c of changes) {
    const key = JSON.stringify([c.bin, c.sku]);
    const before = merged.get(key);
    merged.set(key, before ? { ...c, onHand: before.onHand + c.onHand, allocated: before.allocated + c.allocated } : c);
  }
  return [...merged.values()].filter((c) => c.onHand !== 0 || c.allocated !== 0);
}

/** The warehouse stream of an event (`warehouse-WH1` → `WH1`): stock events do not repeat it in their data. */
export function warehouseOfStream(streamId: string): string {
  return streamId.startsWith('warehouse-') ? streamId.slice('warehouse-'.length) : streamId;
}
