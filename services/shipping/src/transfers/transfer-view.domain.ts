import { transferStreamId, type Transfer, type TransferEvent, type TransferStatus } from './transfer.domain';

/**
 * A transfer as GET /transfers/:id shows it: the transfer stream's own events, and the source
 * warehouse's events on the transfer's line (orderId = lineId = `transfer-<id>`): what it allocated,
 * what is short, the bins still to pick. The shipping scope may not import the warehouse service
 * (module boundaries), so the warehouse events below mirror the `data` of its public events
 * (services/warehouse/src/stock/warehouse-model.domain.ts). Pure: the read model stores what this returns.
 */
type Event<Type extends string, Data> = { readonly type: Type; readonly data: Data };

export interface BinQuantity {
  readonly bin: string;
  readonly quantity: number;
}

type Line = { readonly orderId: string; readonly lineId: string; readonly sku: string };

export type WarehouseLineEvent =
  | Event<'warehouse.StockAllocated', Line & { readonly requested: number; readonly allocations: readonly BinQuantity[]; readonly shortQuantity: number }>
  | Event<'warehouse.StockReallocated', Line & { readonly fromBin: string; readonly quantity: number; readonly reallocations: readonly BinQuantity[] }>
  | Event<'warehouse.AllocationShorted', Line & { readonly bin: string; readonly quantity: number }>
  | Event<'warehouse.AllocationReleased', Line & { readonly allocations: readonly BinQuantity[]; readonly stagedQuantity: number }>
  | Event<'warehouse.StockPicked', Line & { readonly bin: string; readonly quantity: number }>
  | Event<'warehouse.PickShorted', Line & { readonly bin: string; readonly shortQuantity: number; readonly reallocations: readonly BinQuantity[]; readonly unfilledQuantity: number }>
  | Event<'warehouse.StockDispatched', Line & { readonly quantity: number; readonly shipmentId: string }>;

/** A record, not a list, so that the compiler fails when an event type is added without it. */
const lineEventTypes: Record<WarehouseLineEvent['type'], true> = {
  'warehouse.StockAllocated': true,
  'warehouse.StockReallocated': true,
  'warehouse.AllocationShorted': true,
  'warehouse.AllocationReleased': true,
  'warehouse.StockPicked': true,
  'warehouse.PickShorted': true,
  'warehouse.StockDispatched': true,
};
export const WAREHOUSE_LINE_EVENT_TYPES = Object.keys(lineEventTypes) as readonly WarehouseLineEvent['type'][];

/** Where picked units wait for dispatch in every warehouse. */
const STAGING = 'STAGING';

export interface TransferView {
  readonly transferId: string;
  readonly sku: string;
  readonly quantity: number;
  readonly fromWarehouse: string;
  readonly toWarehouse: string;
  readonly status: TransferStatus;
  /** The source warehouse's pick list for the transfer (`GET /warehouses/:from/pick-lists/:pickListId`). */
  readonly pickListId: string;
  /** Units the source holds for the transfer (to pick and picked); set once it answered. */
  readonly allocated?: number;
  /** quantity − allocated: units the source could not cover (or, after dispatch, that were never picked). */
  readonly short?: number;
  /** Bins and units still to pick at the source, by bin code; set once it answered. */
  readonly pickList?: readonly BinQuantity[];
  /** Picks the transfer has booked (what a dispatch now would send). */
  readonly picked: number;
  readonly dispatched: number;
  readonly dispatchedAt?: string;
  readonly carrier?: string;
  readonly trackingNumber?: string;
  readonly received?: number;
  readonly discrepancy?: { readonly dispatched: number; readonly received: number; readonly difference: number };
}

/** The stored row: the view, and the units the source reports picked (the transfer books them a moment later). */
export interface TransferRow {
  readonly view: TransferView;
  readonly pickedAtSource: number;
}

/** The transfer a warehouse line event is about, or undefined for an order's line. */
export function transferOfLine(data: Line): string | undefined {
  const prefix = transferStreamId('');
  return data.orderId.startsWith(prefix) && data.lineId === data.orderId ? data.orderId.slice(prefix.length) : undefined;
}

export const transferIdOf = (event: TransferEvent | WarehouseLineEvent): string | undefined =>
  event.type.startsWith('shipping.') ? (event as TransferEvent).data.transferId : transferOfLine((event as WarehouseLineEvent).data);

export function evolveTransferRow(row: TransferRow | null, event: TransferEvent | WarehouseLineEvent): TransferRow | null {
  if (event.type === 'shipping.TransferRequested') {
    if (row) return row;
    const { transferId, sku, quantity, fromWarehouse, toWarehouse } = event.data;
    return { view: { transferId, sku, quantity, fromWarehouse, toWarehouse, status: 'requested', pickListId: transferStreamId(transferId), picked: 0, dispatched: 0 }, pickedAtSource: 0 };
  }
  if (!row) return null;
  const v = row.view;
  const view = (change: Partial<TransferView>): TransferRow => ({ ...row, view: { ...v, ...change } });
  switch (event.type) {
    case 'shipping.TransferPicked':
      return view({ picked: event.data.picked });
    case 'shipping.TransferDispatched': {
      const { quantity, dispatchedAt, carrier, trackingNumber } = event.data;
      return view({ status: 'dispatched', dispatched: quantity, dispatchedAt, ...(carrier === undefined ? {} : { carrier }), ...(trackingNumber === undefined ? {} : { trackingNumber }) });
    }
    case 'shipping.TransferReceived':
      return view({ status: 'received', received: event.data.quantity });
    case 'shipping.TransferDiscrepancy': {
      const { dispatched, received, difference } = event.data;
      return view({ discrepancy: { dispatched, received, difference } });
    }
    case 'warehouse.StockAllocated': {
      const allocated = event.data.requested - event.data.shortQuantity;
      return view({ allocated, short: v.quantity - allocated, pickList: changeBins([], event.data.allocations) });
    }
    case 'warehouse.StockReallocated':
      return view({ pickList: changeBins(v.pickList ?? [], [{ bin: event.data.fromBin, quantity: -event.data.quantity }, ...event.data.reallocations]) });
    case 'warehouse.AllocationShorted': {
      const { bin, quantity } = event.data;
      return covered(view({ pickList: bin === STAGING ? (v.pickList ?? []) : changeBins(v.pickList ?? [], [{ bin, quantity: -quantity }]) }), -quantity);
    }
    case 'warehouse.AllocationReleased': {
      const { allocations, stagedQuantity } = event.data;
      const released = allocations.reduce((n, a) => n + a.quantity, 0) + stagedQuantity;
      return covered(view({ pickList: changeBins(v.pickList ?? [], allocations.map((a) => ({ bin: a.bin, quantity: -a.quantity }))) }), -released);
    }
    case 'warehouse.StockPicked': {
      const picked = view({ pickList: changeBins(v.pickList ?? [], [{ bin: event.data.bin, quantity: -event.data.quantity }]) });
      return { ...picked, pickedAtSource: row.pickedAtSource + event.data.quantity };
    }
    case 'warehouse.PickShorted': {
      const { bin, shortQuantity, reallocations, unfilledQuantity } = event.data;
      return covered(view({ pickList: changeBins(v.pickList ?? [], [{ bin, quantity: -shortQuantity }, ...reallocations]) }), -unfilledQuantity);
    }
    case 'warehouse.StockDispatched':
      return row;
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

/** The source covers `delta` units more (negative: fewer) of the transfer. */
function covered(row: TransferRow, delta: number): TransferRow {
  if (delta === 0) return row;
  const allocated = (row.view.allocated ?? 0) + delta;
  return { ...row, view: { ...row.view, allocated, short: row.view.quantity - allocated } };
}

/** Adds quantities per bin; bins left with nothing drop out; by bin code. */
function changeBins(bins: readonly BinQuantity[], changes: readonly BinQuantity[]): BinQuantity[] {
  const byBin = new Map(bins.map((b) => [b.bin, b.quantity]));
  for (const { bin, quantity } of changes) byBin.set(bin, (byBin.get(bin) ?? 0) + quantity);
  return [...byBin.entries()]
    .filter(([, quantity]) => quantity !== 0)
    .map(([bin, quantity]) => ({ bin, quantity }))
    .sort((a, b) => (a.bin < b.bin ? -1 : a.bin > b.bin ? 1 : 0));
}

/** What a command's answer shows: the transfer as its own stream has it (the source's allocation is in the read model only). */
export function viewOfStream(t: Transfer): Omit<TransferView, 'allocated' | 'short' | 'pickList'> {
  const { transferId, sku, requested, fromWarehouse, toWarehouse, status, picked, dispatched, dispatchedAt, carriage, receipt } = t;
  return {
    transferId,
    sku,
    quantity: requested,
    fromWarehouse,
    toWarehouse,
    status,
    pickListId: transferStreamId(transferId),
    picked,
    dispatched,
    ...(dispatchedAt === undefined ? {} : { dispatchedAt }),
    ...carriage,
    ...(receipt === undefined ? {} : { received: receipt.quantity }),
    ...(receipt !== undefined && receipt.quantity !== dispatched ? { discrepancy: { dispatched, received: receipt.quantity, difference: receipt.quantity - dispatched } } : {}),
  };
}
