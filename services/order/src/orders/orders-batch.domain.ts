import type { RecordedEvent } from '@bintrail/contracts';
import { warehouseOfStream } from '../allocation/warehouse-messages.domain';
import { evolveOrder, initialOrderState, type Order, type OrderEvent } from './order.domain';
import { pickBinChange, type PickBinChange, type WarehouseLineEvent } from './pick-bins.domain';

/**
 * The orders projection's batch path, pure: a batch's events folded in log order over the rows they touch,
 * with the same states, positions and refusals as `apply` event by event (orders.projection.ts), so that a
 * live batch reads its rows once and writes each touched row once. Which rows: `ordersKeysOf`; the fold:
 * `foldOrdersBatch`.
 */
export interface OrderRow {
  readonly orderId: string;
  /** As first written: `apply` never updates it. */
  readonly placedAt: string;
  readonly state: Order;
  readonly position: number;
}

export interface PickBinRow {
  readonly orderId: string;
  readonly allocationLineId: string;
  readonly warehouse: string;
  readonly bin: string;
  /** As first written: `apply` never updates it. */
  readonly lineId: string;
  readonly quantity: number;
}

/** What one event books, as `apply` dispatches it. */
export type OrdersBooking =
  | { readonly kind: 'order'; readonly orderId: string; readonly event: OrderEvent; readonly position: number }
  | { readonly kind: 'pick-bins'; readonly warehouse: string; readonly change: PickBinChange };

/** Undefined for an event `apply` passes over (a warehouse line this service did not ask for, a stream of no warehouse). */
export function ordersBookingOf(recorded: RecordedEvent): OrdersBooking | undefined {
  if (recorded.type.startsWith('order.')) {
    const event = { type: recorded.type, data: recorded.data } as OrderEvent;
    return { kind: 'order', orderId: (event.data as { orderId: string }).orderId, event, position: recorded.globalPosition };
  }
  const change = pickBinChange(recorded as unknown as WarehouseLineEvent);
  const warehouse = warehouseOfStream(recorded.streamId);
  return change && warehouse !== undefined ? { kind: 'pick-bins', warehouse, change } : undefined;
}

/** Map key of a pick bin row (codes never hold NUL). */
export const pickBinKey = (orderId: string, allocationLineId: string, warehouse: string, bin: string): string => `${orderId}\0${allocationLineId}\0${warehouse}\0${bin}`;

export interface OrdersKeys {
  /** Orders whose state the batch folds (read with their state), and orders it only needs to know are there. */
  readonly orders: readonly { readonly orderId: string; readonly folded: boolean }[];
  readonly pickBins: readonly (readonly [orderId: string, allocationLineId: string, warehouse: string, bin: string])[];
}

/** The rows the bookings may touch, each once: what the batch reads before it folds. */
export function ordersKeysOf(bookings: readonly OrdersBooking[]): OrdersKeys {
  const orders = new Map<string, boolean>();
  const pickBins = new Map<string, readonly [string, string, string, string]>();
  for (const b of bookings) {
    if (b.kind === 'order') {
      orders.set(b.orderId, true);
      continue;
    }
    const { orderId, allocationLineId } = b.change;
    if (!orders.has(orderId)) orders.set(orderId, false);
    for (const { bin } of b.change.bins) pickBins.set(pickBinKey(orderId, allocationLineId, b.warehouse, bin), [orderId, allocationLineId, b.warehouse, bin]);
  }
  return { orders: [...orders].map(([orderId, folded]) => ({ orderId, folded })), pickBins: [...pickBins.values()] };
}

/** The rows before a fold: the orders found with their state (the folded ones), every order id found, the pick bin rows found. */
export interface OrdersRowsBefore {
  readonly orders: ReadonlyMap<string, OrderRow>;
  readonly present: ReadonlySet<string>;
  readonly pickBins: ReadonlyMap<string, PickBinRow>;
}

/** The rows a fold changed, by key; a pick bin row emptied (and removed) as undefined. */
export interface OrdersRowsAfter {
  readonly orders: ReadonlyMap<string, OrderRow>;
  readonly pickBins: ReadonlyMap<string, PickBinRow | undefined>;
}

/** Folds the bookings over the rows as they were before the batch; throws what `apply` would throw for the first event it would refuse. */
export function foldOrdersBatch(bookings: readonly OrdersBooking[], before: OrdersRowsBefore): OrdersRowsAfter {
  const orders = new Map<string, OrderRow>();
  const pickBins = new Map<string, PickBinRow | undefined>();
  for (const b of bookings) {
    if (b.kind === 'order') {
      const was = orders.get(b.orderId) ?? before.orders.get(b.orderId);
      if (!was && before.present.has(b.orderId)) throw new Error(`order ${b.orderId} was read without its state`);
      const state = evolveOrder(was?.state ?? initialOrderState, b.event);
      if (!state.exists) continue; // an event before its order was placed: apply writes nothing
      orders.set(b.orderId, { orderId: b.orderId, placedAt: was?.placedAt ?? state.placedAt, state, position: b.position });
      continue;
    }
    const { orderId, allocationLineId, lineId } = b.change;
    // An allocation line of an order this service never placed; placed earlier in the batch counts.
    if (!before.present.has(orderId) && !orders.has(orderId)) continue;
    for (const { bin, quantity } of b.change.bins) {
      const key = pickBinKey(orderId, allocationLineId, b.warehouse, bin);
      const was = pickBins.has(key) ? pickBins.get(key) : before.pickBins.get(key);
      const left = (was?.quantity ?? 0) + quantity;
      if (left < 0) throw new Error(`order ${orderId} ${allocationLineId} would have ${left} units to pick in bin ${bin} of ${b.warehouse}`);
      pickBins.set(key, left === 0 ? undefined : { orderId, allocationLineId, warehouse: b.warehouse, bin, lineId: was?.lineId ?? lineId, quantity: left });
    }
  }
  // A pick bin row that came and went within the batch was never there.
  for (const [key, row] of pickBins) if (row === undefined && !before.pickBins.has(key)) pickBins.delete(key);
  return { orders, pickBins };
}
