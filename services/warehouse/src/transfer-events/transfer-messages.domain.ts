import { DOCK } from '../stock/warehouse-model.domain';

/**
 * The shipping service's transfer events the warehouses act on, as they read them (module boundaries:
 * the warehouse scope may not import the shipping service; these mirror the `data` of its public events,
 * services/shipping/src/transfers/transfer.domain.ts), and the warehouse commands each asks for. Pure.
 *
 * The source allocates, picks and dispatches a transfer like an order line, under the `allocation` the
 * transfer names (order id = line id = `transfer-<id>`: its pick list); the destination books what
 * arrived at its dock.
 */
type Event<Type extends string, Data> = { readonly type: Type; readonly data: Data };

type TransferRef = { readonly transferId: string; readonly sku: string; readonly fromWarehouse: string; readonly toWarehouse: string };
type Allocation = { readonly orderId: string; readonly lineId: string };

export type TransferEventIn =
  | Event<'shipping.TransferRequested', TransferRef & { readonly quantity: number; readonly allocation: Allocation }>
  | Event<'shipping.TransferDispatched', TransferRef & { readonly quantity: number; readonly unpicked: number; readonly dispatchedAt: string; readonly allocation: Allocation }>
  | Event<'shipping.TransferReceived', TransferRef & { readonly quantity: number; readonly dispatched: number; readonly receiptId: string }>;

/** A record, not a list, so that the compiler fails when an event type is added without it. */
const eventTypes: Record<TransferEventIn['type'], true> = {
  'shipping.TransferRequested': true,
  'shipping.TransferDispatched': true,
  'shipping.TransferReceived': true,
};
export const TRANSFER_EVENT_TYPES_IN = Object.keys(eventTypes) as readonly TransferEventIn['type'][];

export type TransferDrivenCommand =
  | { readonly type: 'AllocateStock'; readonly orderId: string; readonly lineId: string; readonly sku: string; readonly quantity: number }
  | { readonly type: 'DispatchStock'; readonly orderId: string; readonly lineId: string; readonly shipmentId: string; readonly quantity: number }
  | { readonly type: 'ReleaseAllocation'; readonly orderId: string; readonly lineId: string }
  | { readonly type: 'ReceiveStock'; readonly receiptId: string; readonly sku: string; readonly quantity: number; readonly bin: string };

/**
 * What a transfer event asks of which warehouse, in order. Each is idempotent there (a line is allocated
 * once, dispatched once per shipment id, a release of nothing is nothing, a receipt line is booked once),
 * so a redelivered event changes nothing.
 */
export function transferCommandsFor(event: TransferEventIn): { readonly warehouse: string; readonly command: TransferDrivenCommand }[] {
  switch (event.type) {
    case 'shipping.TransferRequested': {
      const { fromWarehouse, allocation, sku, quantity } = event.data;
      return [{ warehouse: fromWarehouse, command: { type: 'AllocateStock', ...allocation, sku, quantity } }];
    }
    case 'shipping.TransferDispatched': {
      // The picked units leave STAGING; whatever the line still holds (bins never picked, a late pick) goes back to the source's stock.
      const { fromWarehouse, allocation, quantity } = event.data;
      return [
        { warehouse: fromWarehouse, command: { type: 'DispatchStock', ...allocation, shipmentId: allocation.orderId, quantity } },
        { warehouse: fromWarehouse, command: { type: 'ReleaseAllocation', ...allocation } },
      ];
    }
    case 'shipping.TransferReceived': {
      const { toWarehouse, receiptId, sku, quantity } = event.data;
      return quantity > 0 ? [{ warehouse: toWarehouse, command: { type: 'ReceiveStock', receiptId, sku, quantity, bin: DOCK } }] : [];
    }
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}
