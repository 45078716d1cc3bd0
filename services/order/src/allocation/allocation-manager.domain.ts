import {
  orderStreamId,
  parseAllocationLineId,
  type BinQuantity,
  type OrderCommand,
  type OrderEvent,
} from '../orders/order-model.domain';
import { addBackOrder, removeOrder, takeOldest, type BackOrderQueue } from './back-order-queue.domain';
import { STAGING, warehouseOfStream, warehouseStreamId, type WarehouseCommandOut, type WarehouseEventIn } from './warehouse-messages.domain';

/**
 * The allocation process manager, as pure functions: given its state and one event (an order's or a
 * warehouse's), the commands to send, as data. It decides nothing an order decides (which warehouse
 * next, what is back-ordered, what a cancel releases: the order stream does, under its expected
 * version); it carries requests to the warehouses and answers back, and it keeps the one thing no
 * single order can: the back-order queue across orders, served oldest order first when stock arrives.
 *
 * Idempotent by event id: a redelivered event yields no command. Every command it sends is idempotent
 * at its target too (the warehouse allocates an attempt's line id once; the order books each answer,
 * pick, shortfall and retry once), so a command sent twice from an outbox changes nothing either.
 */
export interface AllocationManagerState {
  /** Event ids already reacted to. The consumer keeps this with its checkpoint, in the same transaction as the commands it queues. */
  readonly handled: Readonly<Record<string, true>>;
  readonly backOrderQueue: BackOrderQueue;
  /** Bins a short pick put on hold until counted (`[warehouse, bin]`): stock there cannot be allocated yet. */
  readonly binsOnHold: Readonly<Record<string, true>>;
}

export const initialAllocationManagerState: AllocationManagerState = { handled: {}, backOrderQueue: {}, binsOnHold: {} };

/** An event as delivered: the envelope's id (for idempotency) and stream (a warehouse event names its warehouse only there). */
export type Delivered<E> = E & { readonly eventId: string; readonly streamId: string };

export type AllocationManagerEvent = Delivered<OrderEvent | WarehouseEventIn>;

export type ProcessCommand =
  | { readonly service: 'warehouse'; readonly streamId: string; readonly command: WarehouseCommandOut }
  | { readonly service: 'order'; readonly streamId: string; readonly command: OrderCommand };

export interface Reaction {
  readonly state: AllocationManagerState;
  readonly commands: readonly ProcessCommand[];
}

/** A record, not a list, so that the compiler fails when an event the manager reads is added without it. */
const subscribed: Record<AllocationManagerEvent['type'], true> = {
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
  'warehouse.StockReceived': true,
  'warehouse.StockPutAway': true,
  'warehouse.StockMoved': true,
  'warehouse.BinCounted': true,
  'warehouse.StockAdjusted': true,
  'warehouse.StockAllocated': true,
  'warehouse.AllocationShorted': true,
  'warehouse.AllocationReleased': true,
  'warehouse.StockPicked': true,
  'warehouse.PickShorted': true,
  'warehouse.StockDispatched': true,
};
/** The event types the manager's consumer subscribes to; it skips any other type without calling it. */
export const ALLOCATION_MANAGER_EVENT_TYPES = Object.keys(subscribed) as readonly AllocationManagerEvent['type'][];

/**
 * Event ids kept in `handled`, newest last. From Kafka the consumer's inbox already skips every event it
 * recorded; the set only has to cover what a crash can deliver again before the inbox row is written (the
 * events in flight, a few per partition). Kept whole, it grew with every event and was saved whole each
 * time, and the distributed order service slowed down as it ran.
 */
export const HANDLED_REMEMBERED = 1_000;

function remember(handled: Readonly<Record<string, true>>, eventId: string): Readonly<Record<string, true>> {
  const ids = Object.keys(handled);
  const kept = ids.length >= HANDLED_REMEMBERED ? ids.slice(ids.length - HANDLED_REMEMBERED + 1) : ids;
  const next: Record<string, true> = {};
  for (const id of kept) next[id] = true;
  next[eventId] = true;
  return next;
}

export function reactToEvent(state: AllocationManagerState, event: AllocationManagerEvent): Reaction {
  if (Object.hasOwn(state.handled, event.eventId)) return { state, commands: [] };
  const reaction = event.type.startsWith('order.') ? reactToOrder(state, event as Delivered<OrderEvent>) : reactToWarehouse(state, event as Delivered<WarehouseEventIn>);
  return { state: { ...reaction.state, handled: remember(reaction.state.handled, event.eventId) }, commands: reaction.commands };
}

const toWarehouse = (warehouse: string, command: WarehouseCommandOut): ProcessCommand => ({ service: 'warehouse', streamId: warehouseStreamId(warehouse), command });
const toOrder = (command: OrderCommand): ProcessCommand => ({ service: 'order', streamId: orderStreamId(command.orderId), command });
const release = (orderId: string, a: { readonly warehouse: string; readonly allocationLineId: string }) =>
  toWarehouse(a.warehouse, { type: 'ReleaseAllocation', orderId, lineId: a.allocationLineId });

function reactToOrder(state: AllocationManagerState, event: Delivered<OrderEvent>): Reaction {
  switch (event.type) {
    case 'order.AllocationRequested': {
      const { orderId, allocationLineId, sku, quantity, warehouse } = event.data;
      return { state, commands: [toWarehouse(warehouse, { type: 'AllocateStock', orderId, lineId: allocationLineId, sku, quantity })] };
    }
    case 'order.LineBackOrdered': {
      const { orderId, lineId, sku, placedAt, quantity } = event.data;
      return { state: { ...state, backOrderQueue: addBackOrder(state.backOrderQueue, sku, { orderId, lineId, placedAt, quantity }) }, commands: [] };
    }
    case 'order.OrderCancelled': {
      const { orderId, releases } = event.data;
      return { state: { ...state, backOrderQueue: removeOrder(state.backOrderQueue, orderId) }, commands: releases.map((r) => release(orderId, r)) };
    }
    case 'order.LateAllocationReleased':
      return { state, commands: event.data.quantity > 0 ? [release(event.data.orderId, event.data)] : [] };
    case 'order.OrderPlaced':
    case 'order.LineAllocated':
    case 'order.BackOrderFilled':
    case 'order.NothingAllocated':
    case 'order.AllocationLost':
    case 'order.LinePicked':
    case 'order.LineDispatched':
    case 'order.OrderReadyToPick':
    case 'order.PicksCompleted':
    case 'order.OrderShipped':
    case 'order.DeliveryReported':
    case 'order.OrderDelivered':
      return { state, commands: [] };
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

function reactToWarehouse(state: AllocationManagerState, event: Delivered<WarehouseEventIn>): Reaction {
  const warehouse = warehouseOfStream(event.streamId);
  if (warehouse === undefined) return { state, commands: [] };
  const onHold = (bin: string) => Object.hasOwn(state.binsOnHold, binKey(warehouse, bin));
  const none = { state, commands: [] };
  switch (event.type) {
    case 'warehouse.StockReceived':
      return onHold(event.data.bin) ? none : stockArrived(state, event, warehouse, event.data.sku, event.data.quantity);
    case 'warehouse.StockAdjusted':
      return event.data.delta > 0 && !onHold(event.data.bin) ? stockArrived(state, event, warehouse, event.data.sku, event.data.delta) : none;
    case 'warehouse.StockPutAway':
    case 'warehouse.StockMoved': {
      // Stock is allocated from the dock as well as from storage: only units leaving a bin on hold become allocatable.
      const { fromBin, toBin, sku, quantity } = event.data;
      return onHold(fromBin) && !onHold(toBin) ? stockArrived(state, event, warehouse, sku, quantity) : none;
    }
    case 'warehouse.BinCounted': {
      const { bin, sku, countedQuantity, previousQuantity } = event.data;
      if (!onHold(bin)) return none;
      const { [binKey(warehouse, bin)]: _counted, ...binsOnHold } = state.binsOnHold;
      // A gain comes as StockAdjusted next; here only the units that were there all along come off hold.
      return stockArrived({ ...state, binsOnHold }, event, warehouse, sku, Math.min(countedQuantity, previousQuantity));
    }
    case 'warehouse.AllocationReleased':
      return stockArrived(state, event, warehouse, event.data.sku, freeIn(event.data.allocations, (bin) => !onHold(bin)));
    case 'warehouse.StockAllocated':
    case 'warehouse.StockPicked':
    case 'warehouse.PickShorted':
    case 'warehouse.AllocationShorted':
    case 'warehouse.StockDispatched':
      return reactToAllocationLine(state, event, warehouse);
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

type LineEvent = Extract<
  WarehouseEventIn,
  { readonly type: 'warehouse.StockAllocated' | 'warehouse.StockPicked' | 'warehouse.PickShorted' | 'warehouse.AllocationShorted' | 'warehouse.StockDispatched' }
>;

/** A warehouse's report on one allocation attempt goes back to the order it belongs to. */
function reactToAllocationLine(state: AllocationManagerState, event: Delivered<LineEvent>, warehouse: string): Reaction {
  const attemptOf = parseAllocationLineId(event.data.lineId);
  if (!attemptOf) return { state, commands: [] }; // not an allocation the order service asked for
  const ref = { orderId: event.data.orderId, ...attemptOf, warehouse };
  switch (event.type) {
    case 'warehouse.StockAllocated': {
      const { allocations, requested, shortQuantity } = event.data;
      return { state, commands: [toOrder({ type: 'RecordAllocation', ...ref, allocations, allocatedQuantity: requested - shortQuantity })] };
    }
    case 'warehouse.StockPicked':
      return { state, commands: [toOrder({ type: 'RecordPick', ...ref, quantity: event.data.quantity, pickId: event.eventId })] };
    case 'warehouse.PickShorted': {
      const held = { ...state, binsOnHold: { ...state.binsOnHold, [binKey(warehouse, event.data.bin)]: true as const } };
      const { unfilledQuantity } = event.data;
      const commands = unfilledQuantity > 0 ? [toOrder({ type: 'RecordShortfall', ...ref, quantity: unfilledQuantity, staged: false, shortfallId: event.eventId })] : [];
      return { state: held, commands };
    }
    case 'warehouse.AllocationShorted': {
      const { quantity, bin } = event.data;
      return { state, commands: [toOrder({ type: 'RecordShortfall', ...ref, quantity, staged: bin === STAGING, shortfallId: event.eventId })] };
    }
    case 'warehouse.StockDispatched': {
      const { quantity, shipmentId } = event.data;
      return { state, commands: [toOrder({ type: 'RecordDispatch', ...ref, quantity, shipmentId })] };
    }
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

/**
 * Units of a SKU became allocatable in a warehouse: the oldest back-orders of that SKU are retried
 * there, up to that many units in all, so that a younger order is never asked before an older one
 * is asked for all it waits for.
 */
function stockArrived(state: AllocationManagerState, event: Delivered<WarehouseEventIn>, warehouse: string, sku: string, available: number): Reaction {
  if (available <= 0) return { state, commands: [] };
  const { queue, taken } = takeOldest(state.backOrderQueue, sku, available);
  const commands = taken.map(({ orderId, lineId, quantity }) =>
    toOrder({ type: 'RetryBackOrder', orderId, lineId, warehouse, quantity, requestId: `${event.eventId}/${lineId}` }),
  );
  return { state: { ...state, backOrderQueue: queue }, commands };
}

const binKey = (warehouse: string, bin: string): string => JSON.stringify([warehouse, bin]);

const freeIn = (allocations: readonly BinQuantity[], allocatable: (bin: string) => boolean): number =>
  allocations.filter((a) => allocatable(a.bin)).reduce((sum, a) => sum + a.quantity, 0);
