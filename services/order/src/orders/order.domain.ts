import {
  InconsistentReport,
  InvalidOrder,
  OrderAlreadyPlaced,
  OrderNotCancellable,
  OrderNotFound,
  OrderNotShipped,
  requireId,
  requirePositive,
  requireUnique,
  UnknownOrderLine,
} from './order-errors.domain';
import {
  allocationLineId,
  attemptRef,
  findAttempt,
  findLine,
  initialOrderState,
  milestones,
  type Attempt,
  type CommandOf,
  type Order,
  type OrderCommand,
  type OrderEvent,
  type OrderLine,
  type OrderState,
} from './order-model.domain';
import { applyOrderEvent, evolveOrder } from './order-evolve.domain';

/**
 * A sales order as one stream (`order-<orderId>`). The order decides every step of its own lines'
 * allocation (which warehouse next, when the rest is back-ordered, what a cancel releases) under its
 * expected version; the process manager only carries its requests to the warehouses and their
 * answers back. So two answers, a retry and a cancel racing for the same order are serialised here.
 */
export * from './order-model.domain';
export { evolveOrder, applyOrderEvent } from './order-evolve.domain';
export * from './order-errors.domain';

export function decideOrder(command: OrderCommand, state: OrderState): OrderEvent[] {
  if (command.type === 'PlaceOrder') return placeOrder(command, state);
  if (!state.exists) throw new OrderNotFound();
  return withMilestones(state, decideOnOrder(command, state));
}

/** The shape `handleCommand` of @bintrail/service-kit runs. */
export const orderDecider = { decide: decideOrder, evolve: evolveOrder, initialState: initialOrderState };

function decideOnOrder(command: Exclude<OrderCommand, CommandOf<'PlaceOrder'>>, o: Order): OrderEvent[] {
  switch (command.type) {
    case 'CancelOrder':
      return cancelOrder(command, o);
    case 'RecordAllocation':
      return recordAllocation(command, o);
    case 'RetryBackOrder':
      return retryBackOrder(command, o);
    case 'RecordPick':
      return recordPick(command, o);
    case 'RecordShortfall':
      return recordShortfall(command, o);
    case 'RecordDispatch':
      return recordDispatch(command, o);
    case 'RecordDelivery':
      return recordDelivery(command, o);
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
}

/** Placing the same order again (a retried request) changes nothing; the same id with other content is refused. */
function placeOrder(command: CommandOf<'PlaceOrder'>, state: OrderState): OrderEvent[] {
  const { orderId, placedAt, warehouses, customerRef } = command;
  const lines = command.lines.map(({ lineId, sku, quantity }) => ({ lineId, sku, quantity }));
  const data = { orderId, placedAt, warehouses: [...warehouses], lines, ...(customerRef === undefined ? {} : { customerRef }) };
  if (state.exists) {
    const current = { ...data, lines: state.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.ordered })), warehouses: state.warehouses };
    if (JSON.stringify(current) === JSON.stringify(data) && state.placedAt === placedAt && state.customerRef === customerRef) return [];
    throw new OrderAlreadyPlaced(orderId);
  }
  requireId('orderId', orderId);
  if (lines.length === 0) throw new InvalidOrder('lines', 'an order has at least one line');
  if (warehouses.length === 0) throw new InvalidOrder('warehouses', 'name at least one warehouse to allocate from');
  requireUnique('lines[].lineId', lines.map((l) => l.lineId));
  requireUnique('warehouses', warehouses);
  for (const line of lines) {
    requireId('lineId', line.lineId);
    if (line.sku.length === 0) throw new InvalidOrder('sku', 'must not be empty');
    requirePositive('quantity', line.quantity);
  }
  const first = warehouses[0]!;
  return [
    { type: 'order.OrderPlaced', data },
    ...lines.map(
      ({ lineId, sku, quantity }): OrderEvent => ({
        type: 'order.AllocationRequested',
        data: { orderId, lineId, sku, attempt: 1, allocationLineId: allocationLineId(lineId, 1), warehouse: first, quantity, retry: false },
      }),
    ),
  ];
}

/**
 * Releases every unit a warehouse holds for the order (picked ones too) and drops the back-orders.
 * Requests still unanswered are released when their answer comes (LateAllocationReleased).
 */
function cancelOrder(command: CommandOf<'CancelOrder'>, o: Order): OrderEvent[] {
  if (o.cancelled) return [];
  if (o.lines.some((l) => l.shipped > 0)) throw new OrderNotCancellable(o.orderId);
  const { reason, cancelledAt } = command;
  const releases = o.lines.flatMap((l) =>
    l.attempts.filter((a) => a.held > 0).map((a) => ({ lineId: l.lineId, sku: l.sku, allocationLineId: a.allocationLineId, warehouse: a.warehouse, quantity: a.held })),
  );
  const backOrdersCancelled = o.lines.filter((l) => l.backOrdered > 0).map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.backOrdered }));
  return [{ type: 'order.OrderCancelled', data: { orderId: o.orderId, reason, cancelledAt, releases, backOrdersCancelled } }];
}

/**
 * A warehouse's answer to one attempt, booked once. The short part goes to the next warehouse of the
 * preference list not yet asked for this line, and is back-ordered when every one was; the short part
 * of a back-order retry goes back to the back-order (it keeps its place: the queue is by order age).
 */
function recordAllocation(command: CommandOf<'RecordAllocation'>, o: Order): OrderEvent[] {
  const { line, attempt } = requireAttempt(o, command);
  if (attempt.answered) return [];
  const { allocatedQuantity, allocations } = command;
  const report = (rule: string) => new InconsistentReport(o.orderId, line.lineId, attempt.attempt, rule);
  if (!Number.isSafeInteger(allocatedQuantity) || allocatedQuantity < 0 || allocatedQuantity > attempt.requested) {
    throw report(`allocated ${allocatedQuantity} of ${attempt.requested} requested`);
  }
  if (allocations.reduce((sum, a) => sum + a.quantity, 0) !== allocatedQuantity) throw report('the bins do not add up to the allocated quantity');
  const ref = attemptRef(o, line, attempt);
  if (o.cancelled) return [{ type: 'order.LateAllocationReleased', data: { ...ref, quantity: allocatedQuantity, requested: attempt.requested } }];

  const shortQuantity = attempt.requested - allocatedQuantity;
  const answer: OrderEvent =
    allocatedQuantity === 0
      ? { type: 'order.NothingAllocated', data: { ...ref, shortQuantity } }
      : { type: attempt.retry ? 'order.BackOrderFilled' : 'order.LineAllocated', data: { ...ref, quantity: allocatedQuantity, bins: allocations, shortQuantity } };
  if (shortQuantity === 0) return [answer];
  const backOrder = (reason: 'every warehouse short' | 'still short after retry'): OrderEvent => ({
    type: 'order.LineBackOrdered',
    data: { orderId: o.orderId, lineId: line.lineId, sku: line.sku, placedAt: o.placedAt, quantity: shortQuantity, reason },
  });
  if (attempt.retry) return [answer, backOrder('still short after retry')];
  const asked = line.attempts.filter((a) => !a.retry).map((a) => a.warehouse);
  const next = o.warehouses.find((w) => !asked.includes(w));
  if (next === undefined) return [answer, backOrder('every warehouse short')];
  return [answer, requestAllocation(o, line, next, shortQuantity, false)];
}

/** Stock arrived in `warehouse`: ask it for (up to) `quantity` back-ordered units, as a new attempt. */
function retryBackOrder(command: CommandOf<'RetryBackOrder'>, o: Order): OrderEvent[] {
  requirePositive('quantity', command.quantity);
  if (o.cancelled || o.handled[command.requestId]) return [];
  const line = requireLine(o, command.lineId);
  const quantity = Math.min(command.quantity, line.backOrdered);
  if (quantity === 0) return [];
  return [requestAllocation(o, line, command.warehouse, quantity, true, command.requestId)];
}

/** Picks on a cancelled order are not booked: the release takes the staged units back too. */
function recordPick(command: CommandOf<'RecordPick'>, o: Order): OrderEvent[] {
  requirePositive('quantity', command.quantity);
  if (o.cancelled || o.handled[command.pickId]) return [];
  const { line, attempt } = requireAttempt(o, command);
  if (command.quantity > attempt.held - attempt.picked) {
    throw new InconsistentReport(o.orderId, line.lineId, attempt.attempt, `picked ${command.quantity}, only ${attempt.held - attempt.picked} left to pick`);
  }
  return [{ type: 'order.LinePicked', data: { ...attemptRef(o, line, attempt), quantity: command.quantity, pickId: command.pickId } }];
}

/** Units the warehouse could not keep for the line are back-ordered (they keep the order's place in the queue). */
function recordShortfall(command: CommandOf<'RecordShortfall'>, o: Order): OrderEvent[] {
  const { quantity, staged, shortfallId } = command;
  requirePositive('quantity', quantity);
  if (o.cancelled || o.handled[shortfallId]) return [];
  const { line, attempt } = requireAttempt(o, command);
  const couldLose = staged ? attempt.picked : attempt.held - attempt.picked;
  if (quantity > couldLose) throw new InconsistentReport(o.orderId, line.lineId, attempt.attempt, `lost ${quantity}, only ${couldLose} ${staged ? 'staged' : 'to pick'}`);
  return [
    { type: 'order.AllocationLost', data: { ...attemptRef(o, line, attempt), quantity, staged, shortfallId } },
    { type: 'order.LineBackOrdered', data: { orderId: o.orderId, lineId: line.lineId, sku: line.sku, placedAt: o.placedAt, quantity, reason: 'allocation lost' } },
  ];
}

/** A dispatch is booked once per shipment and attempt. After a cancel there is nothing to book: the release won the race at the warehouse. */
function recordDispatch(command: CommandOf<'RecordDispatch'>, o: Order): OrderEvent[] {
  requirePositive('quantity', command.quantity);
  if (o.cancelled) return [];
  const { line, attempt } = requireAttempt(o, command);
  if (attempt.shipments.includes(command.shipmentId)) return [];
  if (command.quantity > attempt.picked) {
    throw new InconsistentReport(o.orderId, line.lineId, attempt.attempt, `dispatched ${command.quantity}, only ${attempt.picked} picked`);
  }
  return [{ type: 'order.LineDispatched', data: { ...attemptRef(o, line, attempt), quantity: command.quantity, shipmentId: command.shipmentId } }];
}

/**
 * The delivery comes from the shipping service, the dispatch through the warehouse: either may reach the
 * order first. Before the order is shipped the delivery is kept (DeliveryReported) and completes the order
 * with its last dispatch (withMilestones); only a cancelled order refuses it.
 */
function recordDelivery(command: CommandOf<'RecordDelivery'>, o: Order): OrderEvent[] {
  if (o.deliveredAt !== undefined || o.deliveryReportedAt !== undefined) return [];
  const data = { orderId: o.orderId, deliveredAt: command.deliveredAt };
  if (milestones.isFullyShipped(o)) return [{ type: 'order.OrderDelivered', data }];
  if (o.cancelled) throw new OrderNotShipped(o.orderId);
  return [{ type: 'order.DeliveryReported', data }];
}

function requestAllocation(o: Order, line: OrderLine, warehouse: string, quantity: number, retry: boolean, requestId?: string): OrderEvent {
  const attempt = line.attempts.length + 1;
  return {
    type: 'order.AllocationRequested',
    data: {
      orderId: o.orderId,
      lineId: line.lineId,
      sku: line.sku,
      attempt,
      allocationLineId: allocationLineId(line.lineId, attempt),
      warehouse,
      quantity,
      retry,
      ...(requestId === undefined ? {} : { requestId }),
    },
  };
}

/**
 * The order's milestones follow from its quantities: the decision that completes the allocation,
 * the picking or the dispatch of every line says so, once per time it happens.
 */
function withMilestones(before: Order, events: OrderEvent[]): OrderEvent[] {
  if (events.length === 0) return events;
  const after = events.reduce(applyOrderEvent, before);
  const reached = (test: (o: Order) => boolean) => !test(before) && test(after);
  const { orderId } = after;
  const extra: OrderEvent[] = [];
  if (reached(milestones.isFullyAllocated)) {
    const allocations = after.lines.flatMap((l) =>
      l.attempts.filter((a) => a.held - a.picked > 0).map((a) => ({ lineId: l.lineId, sku: l.sku, allocationLineId: a.allocationLineId, warehouse: a.warehouse, quantity: a.held - a.picked })),
    );
    if (allocations.length > 0) extra.push({ type: 'order.OrderReadyToPick', data: { orderId, allocations } });
  }
  if (reached(milestones.isFullyPicked)) extra.push({ type: 'order.PicksCompleted', data: { orderId } });
  if (reached(milestones.isFullyShipped)) {
    const shipments = [...new Set(after.lines.flatMap((l) => l.attempts.flatMap((a) => a.shipments)))].sort();
    extra.push({ type: 'order.OrderShipped', data: { orderId, shipments } });
    if (after.deliveryReportedAt !== undefined && after.deliveredAt === undefined) extra.push({ type: 'order.OrderDelivered', data: { orderId, deliveredAt: after.deliveryReportedAt } });
  }
  return [...events, ...extra];
}

function requireLine(o: Order, lineId: string): OrderLine {
  const line = findLine(o, lineId);
  if (!line) throw new UnknownOrderLine(o.orderId, lineId);
  return line;
}

function requireAttempt(o: Order, ref: { readonly lineId: string; readonly attempt: number; readonly warehouse: string }): { line: OrderLine; attempt: Attempt } {
  const line = requireLine(o, ref.lineId);
  const attempt = findAttempt(line, ref.attempt);
  if (!attempt) throw new UnknownOrderLine(o.orderId, ref.lineId, ref.attempt);
  if (attempt.warehouse !== ref.warehouse) throw new InconsistentReport(o.orderId, ref.lineId, ref.attempt, `asked ${attempt.warehouse}, answered by ${ref.warehouse}`);
  return { line, attempt };
}
