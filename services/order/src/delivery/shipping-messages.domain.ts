import type { OrderCommand } from '../orders/order-model.domain';

/**
 * The shipping service's events the order service acts on, as it reads them (module boundaries: the
 * order scope may not import the shipping service; these mirror the `data` of its public events,
 * services/shipping/src/shipments/shipment.domain.ts). Dispatches reach the order through the warehouse
 * (`warehouse.StockDispatched`, the allocation manager); deliveries come from here. Pure.
 */
type Event<Type extends string, Data> = { readonly type: Type; readonly data: Data };

export type ShippingEventIn = Event<'shipping.ShipmentDelivered', { readonly shipmentId: string; readonly orderId: string; readonly warehouse: string; readonly deliveredAt: string }>;

export const SHIPPING_EVENT_TYPES_IN: readonly ShippingEventIn['type'][] = ['shipping.ShipmentDelivered'];

export function deliveryCommandFor(event: ShippingEventIn): Extract<OrderCommand, { type: 'RecordDelivery' }> {
  return { type: 'RecordDelivery', orderId: event.data.orderId, deliveredAt: event.data.deliveredAt };
}
