/**
 * The order service's events the warehouse acts on, as the warehouse reads them (module boundaries:
 * the warehouse scope may not import the order service; these mirror the `data` of its public events),
 * and the warehouse command each one asks for. Pure: the message handler runs what this returns.
 */
type Event<Type extends string, Data> = { readonly type: Type; readonly data: Data };

interface AttemptRef {
  readonly orderId: string;
  readonly lineId: string;
  readonly sku: string;
  readonly attempt: number;
  /** The line id the warehouse knows the attempt by (`<lineId>#<attempt>`). */
  readonly allocationLineId: string;
  readonly warehouse: string;
}

export type OrderEventIn =
  | Event<'order.AllocationRequested', AttemptRef & { readonly quantity: number }>
  | Event<
      'order.OrderCancelled',
      { readonly orderId: string; readonly releases: readonly { readonly allocationLineId: string; readonly warehouse: string; readonly quantity: number }[] }
    >
  | Event<'order.LateAllocationReleased', AttemptRef & { readonly quantity: number }>;

export const ORDER_EVENT_TYPES_IN: readonly OrderEventIn['type'][] = ['order.AllocationRequested', 'order.OrderCancelled', 'order.LateAllocationReleased'];

export type OrderDrivenCommand =
  | { readonly type: 'AllocateStock'; readonly orderId: string; readonly lineId: string; readonly sku: string; readonly quantity: number }
  | { readonly type: 'ReleaseAllocation'; readonly orderId: string; readonly lineId: string };

/** What the order event asks of which warehouse. Each is idempotent there (a line is allocated once; a release of nothing is nothing). */
export function commandsFor(event: OrderEventIn): { readonly warehouse: string; readonly command: OrderDrivenCommand }[] {
  switch (event.type) {
    case 'order.AllocationRequested': {
      const { warehouse, orderId, allocationLineId, sku, quantity } = event.data;
      return [{ warehouse, command: { type: 'AllocateStock', orderId, lineId: allocationLineId, sku, quantity } }];
    }
    case 'order.OrderCancelled':
      return event.data.releases.map((r) => ({ warehouse: r.warehouse, command: { type: 'ReleaseAllocation', orderId: event.data.orderId, lineId: r.allocationLineId } }));
    case 'order.LateAllocationReleased': {
      const { warehouse, orderId, allocationLineId, quantity } = event.data;
      return quantity > 0 ? [{ warehouse, command: { type: 'ReleaseAllocation', orderId, lineId: allocationLineId } }] : [];
    }
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}
