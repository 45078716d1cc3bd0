/**
 * The order stream's vocabulary (`order-<orderId>`): commands, events, state, and how events fold
 * into state. Every unit of an order line is in exactly one place at every event:
 *
 *   ordered == toAllocate + awaiting + allocated + backOrdered + cancelled + shipped
 *
 * `toAllocate` is only ever non-zero between two events of one decision (a warehouse's short part
 * on its way to the next warehouse or to the back-order), so after every decision
 * allocated + backOrdered == ordered for a line with no answer outstanding, nothing cancelled or shipped.
 */
export interface BinQuantity {
  readonly bin: string;
  readonly quantity: number;
}

export interface OrderLineInput {
  readonly lineId: string;
  readonly sku: string;
  readonly quantity: number;
}

/** The commands the process manager sends carry ids derived from the warehouse event behind them: a redelivered command changes nothing. */
export type OrderCommand =
  | { readonly type: 'PlaceOrder'; readonly orderId: string; readonly lines: readonly OrderLineInput[]; readonly warehouses: readonly string[]; readonly customerRef?: string; readonly placedAt: string }
  | { readonly type: 'CancelOrder'; readonly orderId: string; readonly reason: string; readonly cancelledAt: string }
  | ({ readonly type: 'RecordAllocation'; readonly allocations: readonly BinQuantity[]; readonly allocatedQuantity: number } & AttemptCommand)
  | { readonly type: 'RetryBackOrder'; readonly orderId: string; readonly lineId: string; readonly warehouse: string; readonly quantity: number; readonly requestId: string }
  | ({ readonly type: 'RecordPick'; readonly quantity: number; readonly pickId: string } & AttemptCommand)
  /** The warehouse could not keep `quantity` units for the line (a short pick nothing covered, a count that found them gone). */
  | ({ readonly type: 'RecordShortfall'; readonly quantity: number; readonly staged: boolean; readonly shortfallId: string } & AttemptCommand)
  | ({ readonly type: 'RecordDispatch'; readonly quantity: number; readonly shipmentId: string } & AttemptCommand)
  | { readonly type: 'RecordDelivery'; readonly orderId: string; readonly deliveredAt: string };

interface AttemptCommand {
  readonly orderId: string;
  readonly lineId: string;
  readonly attempt: number;
  readonly warehouse: string;
}

export type CommandOf<Type extends OrderCommand['type']> = Extract<OrderCommand, { readonly type: Type }>;

type Event<Type extends string, Data> = { readonly type: Type; readonly data: Data };

/** One request to one warehouse for units of one line; `allocationLineId` is the line id the warehouse knows it by. */
export interface AttemptRef {
  readonly orderId: string;
  readonly lineId: string;
  readonly sku: string;
  readonly attempt: number;
  readonly allocationLineId: string;
  readonly warehouse: string;
}

export type BackOrderReason = 'every warehouse short' | 'still short after retry' | 'allocation lost';

export type OrderEvent =
  | Event<'order.OrderPlaced', { readonly orderId: string; readonly placedAt: string; readonly warehouses: readonly string[]; readonly lines: readonly OrderLineInput[]; readonly customerRef?: string }>
  | Event<'order.AllocationRequested', AttemptRef & { readonly quantity: number; readonly retry: boolean; readonly requestId?: string }>
  | Event<'order.LineAllocated', AttemptRef & { readonly quantity: number; readonly bins: readonly BinQuantity[]; readonly shortQuantity: number }>
  | Event<'order.BackOrderFilled', AttemptRef & { readonly quantity: number; readonly bins: readonly BinQuantity[]; readonly shortQuantity: number }>
  | Event<'order.NothingAllocated', AttemptRef & { readonly shortQuantity: number }>
  | Event<'order.LineBackOrdered', { readonly orderId: string; readonly lineId: string; readonly sku: string; readonly placedAt: string; readonly quantity: number; readonly reason: BackOrderReason }>
  | Event<'order.AllocationLost', AttemptRef & { readonly quantity: number; readonly staged: boolean; readonly shortfallId: string }>
  | Event<'order.LinePicked', AttemptRef & { readonly quantity: number; readonly pickId: string }>
  | Event<'order.LineDispatched', AttemptRef & { readonly quantity: number; readonly shipmentId: string }>
  | Event<'order.OrderReadyToPick', { readonly orderId: string; readonly allocations: readonly AllocationHeld[] }>
  | Event<'order.PicksCompleted', { readonly orderId: string }>
  | Event<'order.OrderShipped', { readonly orderId: string; readonly shipments: readonly string[] }>
  /** The carrier delivered before the order had booked its dispatch (the two come by different services): the order is delivered once it is shipped. */
  | Event<'order.DeliveryReported', { readonly orderId: string; readonly deliveredAt: string }>
  | Event<'order.OrderDelivered', { readonly orderId: string; readonly deliveredAt: string }>
  | Event<'order.OrderCancelled', { readonly orderId: string; readonly reason: string; readonly cancelledAt: string; readonly releases: readonly AllocationHeld[]; readonly backOrdersCancelled: readonly LineQuantity[] }>
  /** A warehouse answered after the order was cancelled: what it allocated (maybe 0) goes straight back. */
  | Event<'order.LateAllocationReleased', AttemptRef & { readonly quantity: number; readonly requested: number }>;

export type EventOf<Type extends OrderEvent['type']> = Extract<OrderEvent, { readonly type: Type }>;

export interface LineQuantity {
  readonly lineId: string;
  readonly sku: string;
  readonly quantity: number;
}

export type AllocationHeld = Omit<AttemptRef, 'orderId' | 'attempt'> & { readonly quantity: number };

/** A record, not a list, so that the compiler fails when an event type is added without it. */
const eventTypes: Record<OrderEvent['type'], true> = {
  'order.OrderPlaced': true,
  'order.AllocationRequested': true,
  'order.LineAllocated': true,
  'order.BackOrderFilled': true,
  'order.NothingAllocated': true,
  'order.LineBackOrdered': true,
  'order.AllocationLost': true,
  'order.LinePicked': true,
  'order.LineDispatched': true,
  'order.OrderReadyToPick': true,
  'order.PicksCompleted': true,
  'order.OrderShipped': true,
  'order.DeliveryReported': true,
  'order.OrderDelivered': true,
  'order.OrderCancelled': true,
  'order.LateAllocationReleased': true,
};
export const ORDER_EVENT_TYPES = Object.keys(eventTypes) as readonly OrderEvent['type'][];

export interface Attempt {
  readonly attempt: number;
  readonly allocationLineId: string;
  readonly warehouse: string;
  readonly requested: number;
  /** A back-order retry (stock arrived) rather than a step through the warehouse preference list. */
  readonly retry: boolean;
  readonly answered: boolean;
  /** Units the warehouse holds for this attempt: still to pick, and picked (staged) not yet dispatched. */
  readonly held: number;
  readonly picked: number;
  readonly shipments: readonly string[];
}

export interface OrderLine {
  readonly lineId: string;
  readonly sku: string;
  readonly ordered: number;
  readonly toAllocate: number;
  readonly awaiting: number;
  readonly allocated: number;
  readonly backOrdered: number;
  readonly cancelled: number;
  readonly shipped: number;
  /** Allocated units picked and not yet dispatched (part of `allocated`). */
  readonly picked: number;
  readonly attempts: readonly Attempt[];
}

export interface Order {
  readonly exists: true;
  readonly orderId: string;
  readonly placedAt: string;
  readonly customerRef?: string;
  /** Where lines are allocated, in order of preference; fixed when the order is placed, so a replay asks the same warehouses. */
  readonly warehouses: readonly string[];
  readonly lines: readonly OrderLine[];
  readonly cancelled: boolean;
  readonly deliveredAt?: string;
  /** A delivery reported before the order was shipped: it becomes OrderDelivered when the last unit is dispatched. */
  readonly deliveryReportedAt?: string;
  /** Ids of the process manager's commands already applied (pick, shortfall, retry): each changes the order once. */
  readonly handled: Readonly<Record<string, true>>;
}

export type OrderState = { readonly exists: false } | Order;

export const initialOrderState: OrderState = { exists: false };

export type OrderStatus = 'placed' | 'allocating' | 'back-ordered' | 'allocated' | 'picking' | 'ready to ship' | 'shipped' | 'delivered' | 'cancelled';

export function orderStreamId(orderId: string): string {
  return `order-${orderId}`;
}

/** The warehouse allocates a line once in its life; every attempt (a retry in the same warehouse too) therefore has its own line id there. */
export const ATTEMPT_SEPARATOR = '#';
export const allocationLineId = (lineId: string, attempt: number): string => `${lineId}${ATTEMPT_SEPARATOR}${attempt}`;

export function parseAllocationLineId(id: string): { readonly lineId: string; readonly attempt: number } | undefined {
  const at = id.lastIndexOf(ATTEMPT_SEPARATOR);
  const attempt = Number(id.slice(at + 1));
  return at > 0 && Number.isSafeInteger(attempt) && attempt > 0 ? { lineId: id.slice(0, at), attempt } : undefined;
}

export const findLine = (order: Order, lineId: string): OrderLine | undefined => order.lines.find((l) => l.lineId === lineId);

export const findAttempt = (line: OrderLine, attempt: number): Attempt | undefined => line.attempts[attempt - 1];

export const attemptRef = (order: Order, line: OrderLine, a: Attempt): AttemptRef => ({
  orderId: order.orderId,
  lineId: line.lineId,
  sku: line.sku,
  attempt: a.attempt,
  allocationLineId: a.allocationLineId,
  warehouse: a.warehouse,
});

/** The quantities an order line's units are in; they always add up to `ordered`. */
export const accountedFor = (l: OrderLine): number => l.toAllocate + l.awaiting + l.allocated + l.backOrdered + l.cancelled + l.shipped;

const isFullyAllocated = (o: Order) => !o.cancelled && o.lines.every((l) => l.allocated + l.shipped === l.ordered);
const isFullyPicked = (o: Order) => !o.cancelled && o.lines.every((l) => l.picked + l.shipped === l.ordered);
const isFullyShipped = (o: Order) => !o.cancelled && o.lines.every((l) => l.shipped === l.ordered);

export const milestones = { isFullyAllocated, isFullyPicked, isFullyShipped };

export function orderStatus(state: OrderState): OrderStatus | undefined {
  if (!state.exists) return undefined;
  const { lines } = state;
  if (state.cancelled) return 'cancelled';
  if (state.deliveredAt !== undefined) return 'delivered';
  if (isFullyShipped(state)) return 'shipped';
  if (isFullyPicked(state)) return 'ready to ship';
  if (lines.some((l) => l.picked > 0 || l.shipped > 0)) return 'picking';
  if (lines.some((l) => l.toAllocate > 0 && l.attempts.length === 0)) return 'placed';
  if (lines.some((l) => l.toAllocate > 0 || l.awaiting > 0)) return 'allocating';
  if (lines.some((l) => l.backOrdered > 0)) return 'back-ordered';
  return 'allocated';
}
