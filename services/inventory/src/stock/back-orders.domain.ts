/**
 * The order service's events that move back-ordered units, as the inventory reads them (its public
 * contract: type names and `data` fields, never its code). A line's back-ordered units grow with
 * LineBackOrdered, shrink when a retry asks a warehouse for them again (AllocationRequested with
 * `retry`), and go when the order is cancelled.
 */
type Event<Type extends string, Data> = { readonly type: Type; readonly data: Data };

export type OrderBackOrderEvent =
  | Event<'order.LineBackOrdered', { readonly sku: string; readonly quantity: number }>
  | Event<'order.AllocationRequested', { readonly sku: string; readonly quantity: number; readonly retry: boolean }>
  | Event<'order.OrderCancelled', { readonly backOrdersCancelled: readonly { readonly sku: string; readonly quantity: number }[] }>;

const types: Record<OrderBackOrderEvent['type'], true> = {
  'order.LineBackOrdered': true,
  'order.AllocationRequested': true,
  'order.OrderCancelled': true,
};
export const ORDER_BACK_ORDER_EVENT_TYPES = Object.keys(types) as readonly OrderBackOrderEvent['type'][];

/** Back-ordered units per SKU the event adds (+) or takes away (−); no zero entries. */
export function backOrderChanges(event: OrderBackOrderEvent): { readonly sku: string; readonly delta: number }[] {
  switch (event.type) {
    case 'order.LineBackOrdered':
      return [{ sku: event.data.sku, delta: event.data.quantity }];
    case 'order.AllocationRequested':
      return event.data.retry ? [{ sku: event.data.sku, delta: -event.data.quantity }] : [];
    case 'order.OrderCancelled': {
      const bySku = new Map<string, number>();
      for (const b of event.data.backOrdersCancelled) bySku.set(b.sku, (bySku.get(b.sku) ?? 0) - b.quantity);
      return [...bySku.entries()].filter(([, delta]) => delta !== 0).map(([sku, delta]) => ({ sku, delta }));
    }
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}
