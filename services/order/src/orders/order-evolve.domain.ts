import type { Attempt, EventOf, Order, OrderEvent, OrderLine, OrderState } from './order-model.domain';

/** How the order stream's events fold into its state; every event moves units between the quantities of order-model.domain.ts. */
export function evolveOrder(state: OrderState, event: OrderEvent): OrderState {
  if (event.type === 'order.OrderPlaced') return placed(event.data);
  return state.exists ? applyOrderEvent(state, event) : state;
}

export function applyOrderEvent(o: Order, event: OrderEvent): Order {
  switch (event.type) {
    case 'order.OrderPlaced':
      return placed(event.data);
    case 'order.AllocationRequested': {
      const { attempt, allocationLineId, warehouse, quantity, retry, requestId } = event.data;
      const requested: Attempt = { attempt, allocationLineId, warehouse, requested: quantity, retry, answered: false, held: 0, picked: 0, shipments: [] };
      const from = retry ? 'backOrdered' : 'toAllocate';
      const next = changeLine(o, event.data.lineId, (l) => ({ ...l, [from]: l[from] - quantity, awaiting: l.awaiting + quantity, attempts: [...l.attempts, requested] }));
      return requestId === undefined ? next : handled(next, requestId);
    }
    case 'order.LineAllocated':
    case 'order.BackOrderFilled':
    case 'order.NothingAllocated': {
      const quantity = event.type === 'order.NothingAllocated' ? 0 : event.data.quantity;
      return changeAttempt(o, event.data, (l, a) => [
        { ...l, awaiting: l.awaiting - a.requested, allocated: l.allocated + quantity, toAllocate: l.toAllocate + event.data.shortQuantity },
        { ...a, answered: true, held: quantity },
      ]);
    }
    case 'order.LineBackOrdered':
      return changeLine(o, event.data.lineId, (l) => ({ ...l, toAllocate: l.toAllocate - event.data.quantity, backOrdered: l.backOrdered + event.data.quantity }));
    case 'order.AllocationLost': {
      const { quantity, staged, shortfallId } = event.data;
      const fromPicked = staged ? quantity : 0;
      const lost = changeAttempt(o, event.data, (l, a) => [
        { ...l, allocated: l.allocated - quantity, picked: l.picked - fromPicked, toAllocate: l.toAllocate + quantity },
        { ...a, held: a.held - quantity, picked: a.picked - fromPicked },
      ]);
      return handled(lost, shortfallId);
    }
    case 'order.LinePicked': {
      const { quantity, pickId } = event.data;
      return handled(
        changeAttempt(o, event.data, (l, a) => [
          { ...l, picked: l.picked + quantity },
          { ...a, picked: a.picked + quantity },
        ]),
        pickId,
      );
    }
    case 'order.LineDispatched': {
      const { quantity, shipmentId } = event.data;
      return changeAttempt(o, event.data, (l, a) => [
        { ...l, allocated: l.allocated - quantity, picked: l.picked - quantity, shipped: l.shipped + quantity },
        { ...a, held: a.held - quantity, picked: a.picked - quantity, shipments: [...a.shipments, shipmentId] },
      ]);
    }
    case 'order.OrderReadyToPick':
    case 'order.PicksCompleted':
    case 'order.OrderShipped':
      return o;
    case 'order.DeliveryReported':
      return { ...o, deliveryReportedAt: event.data.deliveredAt };
    case 'order.OrderDelivered':
      return { ...o, deliveredAt: event.data.deliveredAt };
    case 'order.OrderCancelled':
      return {
        ...o,
        cancelled: true,
        lines: o.lines.map((l) => ({
          ...l,
          cancelled: l.cancelled + l.toAllocate + l.backOrdered + l.allocated,
          toAllocate: 0,
          backOrdered: 0,
          allocated: 0,
          picked: 0,
          attempts: l.attempts.map((a) => ({ ...a, held: 0, picked: 0 })),
        })),
      };
    case 'order.LateAllocationReleased':
      return changeAttempt(o, event.data, (l, a) => [
        { ...l, awaiting: l.awaiting - a.requested, cancelled: l.cancelled + a.requested },
        { ...a, answered: true },
      ]);
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

function placed({ orderId, placedAt, warehouses, lines, customerRef }: EventOf<'order.OrderPlaced'>['data']): Order {
  return {
    exists: true,
    orderId,
    placedAt,
    ...(customerRef === undefined ? {} : { customerRef }),
    warehouses,
    lines: lines.map(({ lineId, sku, quantity }) => ({
      lineId,
      sku,
      ordered: quantity,
      toAllocate: quantity,
      awaiting: 0,
      allocated: 0,
      backOrdered: 0,
      cancelled: 0,
      shipped: 0,
      picked: 0,
      attempts: [],
    })),
    cancelled: false,
    handled: {},
  };
}

const handled = (o: Order, id: string): Order => ({ ...o, handled: { ...o.handled, [id]: true } });

function changeLine(o: Order, lineId: string, change: (line: OrderLine) => OrderLine): Order {
  return { ...o, lines: o.lines.map((l) => (l.lineId === lineId ? change(l) : l)) };
}

function changeAttempt(o: Order, ref: { readonly lineId: string; readonly attempt: number }, change: (line: OrderLine, a: Attempt) => readonly [OrderLine, Attempt]): Order {
  return changeLine(o, ref.lineId, (line) => {
    const [changed, attempt] = change(line, line.attempts[ref.attempt - 1]!);
    return { ...changed, attempts: changed.attempts.map((a) => (a.attempt === ref.attempt ? attempt : a)) };
  });
}
