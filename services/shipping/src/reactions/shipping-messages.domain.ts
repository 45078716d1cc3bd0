import type { ExpectedReceiptCommand } from '../expected-receipts/expected-receipt.domain';
import type { ShipmentCommand, ShipmentLine } from '../shipments/shipment.domain';
import type { TransferCommand } from '../transfers/transfer.domain';
import { transferOfLine } from '../transfers/transfer-view.domain';

/**
 * The order and warehouse events the shipping service reacts to, as it reads them. The shipping scope
 * may not import the order or warehouse services (module boundaries), so these mirror the `data` of their
 * public events (services/order/src/orders/order-model.domain.ts, services/warehouse/src/stock/warehouse-model.domain.ts).
 * Pure: the message handler keeps the picks and runs what this returns.
 */
type Event<Type extends string, Data> = { readonly type: Type; readonly data: Data };

interface AttemptRef {
  readonly orderId: string;
  readonly lineId: string;
  readonly sku: string;
  readonly attempt: number;
  /** The line id the warehouse knows the attempt by (`<lineId>#<attempt>`): the shipment line's id. */
  readonly allocationLineId: string;
  readonly warehouse: string;
}

export type ShippingEventIn =
  | Event<'order.LinePicked', AttemptRef & { readonly quantity: number; readonly pickId: string }>
  | Event<'order.AllocationLost', AttemptRef & { readonly quantity: number; readonly staged: boolean; readonly shortfallId: string }>
  | Event<'order.PicksCompleted', { readonly orderId: string }>
  | Event<'warehouse.StockReceived', { readonly receiptId: string; readonly sku: string; readonly bin: string; readonly quantity: number; readonly expectedReceiptId?: string }>
  | Event<'warehouse.StockPicked', { readonly orderId: string; readonly lineId: string; readonly sku: string; readonly bin: string; readonly quantity: number }>;

/** A record, not a list, so that the compiler fails when an event type is added without it. */
const eventTypes: Record<ShippingEventIn['type'], true> = {
  'order.LinePicked': true,
  'order.AllocationLost': true,
  'order.PicksCompleted': true,
  'warehouse.StockReceived': true,
  'warehouse.StockPicked': true,
};
export const SHIPPING_EVENT_TYPES_IN = Object.keys(eventTypes) as readonly ShippingEventIn['type'][];

/**
 * A change to the staged (picked, not dispatched) units of an order's attempt line, keyed by the event's
 * own id for it (pickId, shortfallId), so a redelivered event books nothing twice.
 */
export interface PickEntry {
  readonly orderId: string;
  readonly entryId: string;
  readonly allocationLineId: string;
  readonly warehouse: string;
  readonly sku: string;
  readonly delta: number;
}

export function pickEntryOf(event: ShippingEventIn): PickEntry | undefined {
  switch (event.type) {
    case 'order.LinePicked': {
      const { orderId, pickId, allocationLineId, warehouse, sku, quantity } = event.data;
      return { orderId, entryId: `pick:${pickId}`, allocationLineId, warehouse, sku, delta: quantity };
    }
    case 'order.AllocationLost': {
      const { orderId, shortfallId, allocationLineId, warehouse, sku, quantity, staged } = event.data;
      return staged ? { orderId, entryId: `lost:${shortfallId}`, allocationLineId, warehouse, sku, delta: -quantity } : undefined;
    }
    default:
      return undefined;
  }
}

/** One shipment per order and warehouse: the same order gives the same ids, so a redelivered PicksCompleted opens nothing new. */
export const shipmentIdOf = (orderId: string, warehouse: string): string => `${orderId}-${warehouse}`;

/** Summed staged units per attempt line of an order. */
export interface StagedLine {
  readonly allocationLineId: string;
  readonly warehouse: string;
  readonly sku: string;
  readonly quantity: number;
}

/** The shipments an order whose picks are complete needs: one per warehouse holding staged units, lines in id order. */
export function openShipmentCommands(orderId: string, staged: readonly StagedLine[]): Extract<ShipmentCommand, { type: 'OpenShipment' }>[] {
  const byWarehouse = new Map<string, ShipmentLine[]>();
  for (const line of [...staged].sort((a, b) => (a.allocationLineId < b.allocationLineId ? -1 : a.allocationLineId > b.allocationLineId ? 1 : 0))) {
    if (line.quantity <= 0) continue;
    const lines = byWarehouse.get(line.warehouse) ?? [];
    lines.push({ lineId: line.allocationLineId, sku: line.sku, quantity: line.quantity });
    byWarehouse.set(line.warehouse, lines);
  }
  return [...byWarehouse.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([warehouse, lines]) => ({ type: 'OpenShipment', shipmentId: shipmentIdOf(orderId, warehouse), orderId, warehouse, lines }));
}

/** A receipt booked against an ASN, as the ASN's command; a receipt naming none asks for nothing. */
export function asnReceiptCommand(event: ShippingEventIn): Extract<ExpectedReceiptCommand, { type: 'RecordAsnReceipt' }> | undefined {
  if (event.type !== 'warehouse.StockReceived' || event.data.expectedReceiptId === undefined) return undefined;
  const { expectedReceiptId, sku, quantity, receiptId } = event.data;
  return { type: 'RecordAsnReceipt', asnId: expectedReceiptId, sku, quantity, receiptId };
}

/** A pick at the source of a transfer's line, as the transfer's command (the warehouse event's id as pick id: a redelivery books nothing twice); an order's pick asks for nothing here. */
export function transferPickCommand(event: ShippingEventIn, eventId: string): Extract<TransferCommand, { type: 'RecordTransferPicked' }> | undefined {
  if (event.type !== 'warehouse.StockPicked') return undefined;
  const transferId = transferOfLine(event.data);
  return transferId === undefined ? undefined : { type: 'RecordTransferPicked', transferId, quantity: event.data.quantity, pickId: eventId };
}
