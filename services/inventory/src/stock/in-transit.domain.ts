/**
 * Units in route to a warehouse, per (SKU, destination warehouse), from the shipping service's events as
 * the inventory reads them. Module boundaries: the inventory scope may not import the shipping service,
 * so these mirror the `data` of its public events and the rule of its `inTransitChanges`
 * (services/shipping/src/in-transit/in-transit.domain.ts): an ASN's units from registration until
 * received or released by the close, a transfer's from dispatch until received. Pure.
 */
type Event<Type extends string, Data> = { readonly type: Type; readonly data: Data };
type Line = { readonly sku: string; readonly quantity: number };
type TransferRef = { readonly sku: string; readonly toWarehouse: string };

export type InTransitEvent =
  | Event<'shipping.ExpectedReceiptRegistered', { readonly warehouse: string; readonly lines: readonly Line[] }>
  | Event<'shipping.ExpectedReceiptReceived', { readonly warehouse: string; readonly sku: string; readonly quantity: number }>
  | Event<'shipping.ExpectedReceiptClosed', { readonly warehouse: string; readonly shortages: readonly Line[] }>
  | Event<'shipping.TransferDispatched', TransferRef & { readonly quantity: number }>
  | Event<'shipping.TransferReceived', TransferRef & { readonly dispatched: number }>;

/** A record, not a list, so that the compiler fails when an event type is added without it. */
const eventTypes: Record<InTransitEvent['type'], true> = {
  'shipping.ExpectedReceiptRegistered': true,
  'shipping.ExpectedReceiptReceived': true,
  'shipping.ExpectedReceiptClosed': true,
  'shipping.TransferDispatched': true,
  'shipping.TransferReceived': true,
};
export const IN_TRANSIT_EVENT_TYPES = Object.keys(eventTypes) as readonly InTransitEvent['type'][];

export interface InTransitChange {
  readonly sku: string;
  readonly warehouse: string;
  readonly delta: number;
}

export function inTransitChanges(event: InTransitEvent): readonly InTransitChange[] {
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
      // Whatever arrived, the dispatched units are no longer on their way.
      return [{ sku: event.data.sku, warehouse: event.data.toWarehouse, delta: -event.data.dispatched }];
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}
