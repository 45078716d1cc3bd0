import { STAGING, type BinQuantity, type WarehouseEvent } from '../stock/warehouse-model.domain';

/** What one event changes on one order line's pick list: units to pick per bin, and units picked into STAGING. */
export interface PickListChange {
  readonly orderId: string;
  readonly lineId: string;
  readonly sku: string;
  /** Set when the line is allocated. */
  readonly requested?: number;
  /** Units to pick, per bin (never STAGING). */
  readonly toPick: readonly BinQuantity[];
  readonly staged: number;
}

/** The pick-list part of a warehouse event (the same bookkeeping as LineAllocation.bins, per line), or undefined. */
export function pickListChange(event: WarehouseEvent): PickListChange | undefined {
  const line = (d: { orderId: string; lineId: string; sku: string }) => ({ orderId: d.orderId, lineId: d.lineId, sku: d.sku });
  const neg = (list: readonly BinQuantity[]) => list.map((a) => ({ bin: a.bin, quantity: -a.quantity }));
  switch (event.type) {
    case 'warehouse.StockAllocated':
      return { ...line(event.data), requested: event.data.requested, toPick: event.data.allocations, staged: 0 };
    case 'warehouse.StockReallocated':
      return { ...line(event.data), toPick: [{ bin: event.data.fromBin, quantity: -event.data.quantity }, ...event.data.reallocations], staged: 0 };
    case 'warehouse.AllocationShorted':
      return event.data.bin === STAGING
        ? { ...line(event.data), toPick: [], staged: -event.data.quantity }
        : { ...line(event.data), toPick: [{ bin: event.data.bin, quantity: -event.data.quantity }], staged: 0 };
    case 'warehouse.AllocationReleased':
      return { ...line(event.data), toPick: neg(event.data.allocations), staged: -event.data.stagedQuantity };
    case 'warehouse.StockPicked':
      return { ...line(event.data), toPick: [{ bin: event.data.bin, quantity: -event.data.quantity }], staged: event.data.quantity };
    case 'warehouse.PickShorted':
      return { ...line(event.data), toPick: [{ bin: event.data.bin, quantity: -event.data.shortQuantity }, ...event.data.reallocations], staged: 0 };
    case 'warehouse.StockDispatched':
      return { ...line(event.data), toPick: [], staged: -event.data.quantity };
    default:
      return undefined;
  }
}
