/**
 * The shipping service's events the warehouse acts on, as the warehouse reads them (module boundaries:
 * the warehouse scope may not import the shipping service; these mirror the `data` of its public events,
 * services/shipping/src/shipments/shipment.domain.ts), and the warehouse commands each asks for. Pure.
 */
type Event<Type extends string, Data> = { readonly type: Type; readonly data: Data };

export type ShippingEventIn = Event<
  'shipping.ShipmentDispatched',
  {
    readonly shipmentId: string;
    readonly orderId: string;
    readonly warehouse: string;
    readonly carrier: string;
    readonly trackingNumber: string;
    readonly dispatchedAt: string;
    /** `lineId` is the line id the warehouse allocated and staged the units under (`L1#1`). */
    readonly lines: readonly { readonly lineId: string; readonly sku: string; readonly quantity: number }[];
  }
>;

export const SHIPPING_EVENT_TYPES_IN: readonly ShippingEventIn['type'][] = ['shipping.ShipmentDispatched'];

export type ShippingDrivenCommand = { readonly type: 'DispatchStock'; readonly orderId: string; readonly lineId: string; readonly shipmentId: string };

/** A dispatched shipment takes each line's staged units off the warehouse's on-hand (idempotent per line and shipment). */
export function dispatchCommandsFor(event: ShippingEventIn): { readonly warehouse: string; readonly command: ShippingDrivenCommand }[] {
  const { warehouse, orderId, shipmentId, lines } = event.data;
  return lines.map(({ lineId }) => ({ warehouse, command: { type: 'DispatchStock', orderId, lineId, shipmentId } }));
}
