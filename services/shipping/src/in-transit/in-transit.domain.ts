import type { ExpectedReceiptEvent } from '../expected-receipts/expected-receipt.domain';
import type { ShipmentEvent } from '../shipments/shipment.domain';
import type { TransferEvent } from '../transfers/transfer.domain';

/**
 * Units in route to a warehouse, per (SKU, destination warehouse), folded from the shipping events
 * alone (each event names its SKU and warehouse, so no stream state is needed): an ASN's units from
 * registration until received or released by the close, a transfer's from dispatch until received.
 * Outbound shipments never count: once dispatched the units are the customer's, not company stock.
 * The inventory totals read model can fold a batch of events with `inTransitChanges` and write the
 * sums as set-based SQL.
 */
export type ShippingEvent = ShipmentEvent | ExpectedReceiptEvent | TransferEvent;

export interface InTransitChange {
  readonly sku: string;
  readonly warehouse: string;
  readonly delta: number;
}

/** warehouse → SKU → units in transit to it; nothing in transit means no entry. */
export type InTransitTotals = Readonly<Record<string, Readonly<Record<string, number>>>>;

export const emptyInTransit: InTransitTotals = {};

/** A record, not a list, so that the compiler fails when an event type is added without it. */
const changesInTransit: Record<ShippingEvent['type'], boolean> = {
  'shipping.ShipmentOpened': false,
  'shipping.ShipmentDispatched': false,
  'shipping.ShipmentDelivered': false,
  'shipping.ExpectedReceiptRegistered': true,
  'shipping.ExpectedReceiptReceived': true,
  'shipping.ReceiptDiscrepancy': false,
  'shipping.ExpectedReceiptClosed': true,
  'shipping.TransferRequested': false,
  'shipping.TransferPicked': false,
  'shipping.TransferDispatched': true,
  'shipping.TransferReceived': true,
  'shipping.TransferDiscrepancy': false,
};
/** The events a read model of in-transit units subscribes to. */
export const IN_TRANSIT_EVENT_TYPES = (Object.keys(changesInTransit) as ShippingEvent['type'][]).filter((type) => changesInTransit[type]);

export function inTransitChanges(event: ShippingEvent): readonly InTransitChange[] {
  switch (event.type) {
    case 'shipping.ExpectedReceiptRegistered':
      return event.data.lines.map(({ sku, quantity }) => ({ sku, warehouse: event.data.warehouse, delta: quantity }));
    case 'shipping.ExpectedReceiptReceived':
      return [{ sku: event.data.sku, warehouse: event.data.warehouse, delta: -event.data.quantity }];
    case 'shipping.ExpectedReceiptClosed':
      return event.data.shortages.map(({ sku, quantity }) => ({ sku, warehouse: event.data.warehouse, delta: -quantity }));
    case 'shipping.TransferDispatched':
      return [{ sku: event.data.sku, warehouse: event.data.toWarehouse, delta: event.data.quantity }];
    case 'shipping.TransferReceived':
      // Whatever arrived, the dispatched units are no longer on their way: the difference is the TransferDiscrepancy.
      return [{ sku: event.data.sku, warehouse: event.data.toWarehouse, delta: -event.data.dispatched }];
    case 'shipping.ShipmentOpened':
    case 'shipping.ShipmentDispatched':
    case 'shipping.ShipmentDelivered':
    case 'shipping.ReceiptDiscrepancy':
    case 'shipping.TransferRequested':
    case 'shipping.TransferPicked':
    case 'shipping.TransferDiscrepancy':
      return [];
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

export function evolveInTransit(totals: InTransitTotals, event: ShippingEvent): InTransitTotals {
  return inTransitChanges(event).reduce(applyChange, totals);
}

export const inTransitOf = (totals: InTransitTotals, sku: string, warehouse: string): number => {
  const skus = Object.hasOwn(totals, warehouse) ? totals[warehouse]! : {};
  return Object.hasOwn(skus, sku) ? skus[sku]! : 0;
};

/** Over every warehouse: the company-wide units of the SKU in transit. */
export const inTransitOfSku = (totals: InTransitTotals, sku: string): number => Object.keys(totals).reduce((sum, warehouse) => sum + inTransitOf(totals, sku, warehouse), 0);

export const inTransitTotals = (events: readonly ShippingEvent[]): InTransitTotals => events.reduce(evolveInTransit, emptyInTransit);

function applyChange(totals: InTransitTotals, { sku, warehouse, delta }: InTransitChange): InTransitTotals {
  if (delta === 0) return totals;
  const next = inTransitOf(totals, sku, warehouse) + delta;
  const { [warehouse]: _skus, ...otherWarehouses } = totals;
  const { [sku]: _previous, ...otherSkus } = Object.hasOwn(totals, warehouse) ? totals[warehouse]! : {};
  const skus = next === 0 ? otherSkus : { ...otherSkus, [sku]: next };
  return Object.keys(skus).length === 0 ? otherWarehouses : { ...otherWarehouses, [warehouse]: skus };
}
