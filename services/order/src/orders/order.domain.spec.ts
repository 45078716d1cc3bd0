import type { Decider } from '@bintrail/service-kit';
import {
  accountedFor,
  evolveOrder,
  initialOrderState,
  InconsistentReport,
  InvalidOrder,
  InvalidQuantity,
  ORDER_EVENT_TYPES,
  OrderAlreadyPlaced,
  orderDecider,
  OrderNotCancellable,
  OrderNotFound,
  OrderNotShipped,
  orderStatus,
  orderStreamId,
  parseAllocationLineId,
  UnknownOrderLine,
  type Order,
  type OrderCommand,
  type OrderEvent,
  type OrderState,
} from './order.domain';
import {
  allocatedInWh1,
  backOrdered,
  backOrderFilled,
  given,
  lineAllocated,
  lineDispatched,
  linePicked,
  nothingAllocated,
  orderPlaced,
  PLACED_AT,
  placeOrder,
  recordAllocation,
  requested,
} from './order.test-helper';

const line = (state: OrderState, lineId: string) => (state as Order).lines.find((l) => l.lineId === lineId)!;
const quantities = (state: OrderState, lineId: string) => {
  const { ordered, awaiting, allocated, backOrdered: waiting, cancelled, shipped, picked, toAllocate } = line(state, lineId);
  return { ordered, toAllocate, awaiting, allocated, backOrdered: waiting, cancelled, shipped, picked };
};
const cancel = { type: 'CancelOrder', orderId: 'O1', reason: 'customer changed their mind', cancelledAt: '2026-03-02T10:00:00.000Z' } as const satisfies OrderCommand;
const retry = (lineId: string, quantity: number, warehouse = 'WH1', requestId = 'E9/L1'): OrderCommand => ({ type: 'RetryBackOrder', orderId: 'O1', lineId, warehouse, quantity, requestId });

/** L1 back-ordered 3 after WH1 allocated 2 and WH2 had none; L2 allocated in WH1. */
const l1BackOrdered: readonly OrderEvent[] = [
  orderPlaced,
  requested('L1', 1, 'WH1', 5),
  requested('L2', 1, 'WH1', 2),
  lineAllocated('L2', 1, 'WH1', 2),
  lineAllocated('L1', 1, 'WH1', 2, 3),
  requested('L1', 2, 'WH2', 3),
  nothingAllocated('L1', 2, 'WH2', 3),
  backOrdered('L1', 3),
];

describe('order stream', () => {
  it('runs under handleCommand as a Decider, one stream per order', () => {
    const decider: Decider<OrderCommand, OrderEvent, OrderState> = orderDecider;
    expect(decider.initialState).toEqual({ exists: false });
    expect(orderStreamId('O1')).toBe('order-O1');
    expect(ORDER_EVENT_TYPES.every((type) => type.startsWith('order.'))).toBe(true);
    expect(parseAllocationLineId('L-1#12')).toEqual({ lineId: 'L-1', attempt: 12 });
    expect(parseAllocationLineId('L1')).toBeUndefined();
  });

  it('refuses everything but PlaceOrder before the order exists', () => {
    given().when(cancel).thenThrows(OrderNotFound, { code: 'OrderNotFound' });
    given().when(recordAllocation('L1', 1, 'WH1', 5)).thenThrows(OrderNotFound);
  });

  describe('PlaceOrder', () => {
    it('places the order and asks the first warehouse of the preference list for every line', () => {
      const state = given().when(placeOrder).then([orderPlaced, requested('L1', 1, 'WH1', 5), requested('L2', 1, 'WH1', 2)]);
      expect(orderStatus(state)).toBe('allocating');
      expect(quantities(state, 'L1')).toEqual({ ordered: 5, toAllocate: 0, awaiting: 5, allocated: 0, backOrdered: 0, cancelled: 0, shipped: 0, picked: 0 });
    });

    it('leaves an absent customer reference out of the event (plain JSON)', () => {
      const { customerRef: _ref, ...withoutRef } = placeOrder;
      const state = given().when(withoutRef).then([
        { type: 'order.OrderPlaced', data: { orderId: 'O1', placedAt: PLACED_AT, warehouses: ['WH1', 'WH2'], lines: placeOrder.lines } },
        requested('L1', 1, 'WH1', 5),
        requested('L2', 1, 'WH1', 2),
      ]);
      expect(state).toMatchObject({ exists: true, orderId: 'O1' });
      expect(state).not.toHaveProperty('customerRef');
    });

    it('changes nothing when the same order is placed again, and refuses the same id with other lines', () => {
      given(orderPlaced).when(placeOrder).then([]);
      given(orderPlaced)
        .when({ ...placeOrder, lines: [{ lineId: 'L1', sku: 'S1', quantity: 6 }] })
        .thenThrows(OrderAlreadyPlaced, { orderId: 'O1' });
    });

    it.each([
      [{ lines: [] }, InvalidOrder, { field: 'lines' }],
      [{ warehouses: [] }, InvalidOrder, { field: 'warehouses' }],
      [{ warehouses: ['WH1', 'WH1'] }, InvalidOrder, { field: 'warehouses' }],
      [{ lines: [placeOrder.lines[0], placeOrder.lines[0]] }, InvalidOrder, { field: 'lines[].lineId' }],
      [{ lines: [{ lineId: 'L#1', sku: 'S1', quantity: 1 }] }, InvalidOrder, { field: 'lineId' }],
      [{ lines: [{ lineId: 'L1', sku: 'S1', quantity: 0 }] }, InvalidQuantity, { field: 'quantity', value: 0 }],
      [{ lines: [{ lineId: 'L1', sku: 'S1', quantity: 1.5 }] }, InvalidQuantity, { field: 'quantity', value: 1.5 }],
    ] as const)('refuses %j', (change, error, fields) => {
      given()
        .when({ ...placeOrder, ...change } as OrderCommand)
        .thenThrows(error as typeof InvalidOrder, fields);
    });
  });

  describe('RecordAllocation', () => {
    it('books a full allocation; the answer that completes the order makes it ready to pick', () => {
      const partly = [orderPlaced, requested('L1', 1, 'WH1', 5), requested('L2', 1, 'WH1', 2), lineAllocated('L1', 1, 'WH1', 5)];
      const state = given(partly)
        .when(recordAllocation('L2', 1, 'WH1', 2))
        .then([
          lineAllocated('L2', 1, 'WH1', 2),
          {
            type: 'order.OrderReadyToPick',
            data: {
              orderId: 'O1',
              allocations: [
                { lineId: 'L1', sku: 'S1', allocationLineId: 'L1#1', warehouse: 'WH1', quantity: 5 },
                { lineId: 'L2', sku: 'S2', allocationLineId: 'L2#1', warehouse: 'WH1', quantity: 2 },
              ],
            },
          },
        ]);
      expect(orderStatus(state)).toBe('allocated');
    });

    it('asks the next warehouse for what the first one was short of, as a new attempt (a new line id there)', () => {
      const state = given(orderPlaced, requested('L1', 1, 'WH1', 5), requested('L2', 1, 'WH1', 2))
        .when(recordAllocation('L1', 1, 'WH1', 2))
        .then([lineAllocated('L1', 1, 'WH1', 2, 3), requested('L1', 2, 'WH2', 3)]);
      expect(quantities(state, 'L1')).toEqual({ ordered: 5, toAllocate: 0, awaiting: 3, allocated: 2, backOrdered: 0, cancelled: 0, shipped: 0, picked: 0 });
    });

    it('back-orders what is still missing when every warehouse was asked', () => {
      const state = given(orderPlaced, requested('L1', 1, 'WH1', 5), requested('L2', 1, 'WH1', 2), lineAllocated('L1', 1, 'WH1', 2, 3), requested('L1', 2, 'WH2', 3))
        .when(recordAllocation('L1', 2, 'WH2', 0))
        .then([nothingAllocated('L1', 2, 'WH2', 3), backOrdered('L1', 3)]);
      expect(quantities(state, 'L1')).toEqual({ ordered: 5, toAllocate: 0, awaiting: 0, allocated: 2, backOrdered: 3, cancelled: 0, shipped: 0, picked: 0 });
    });

    it('books an answer once: the same answer again changes nothing', () => {
      given(allocatedInWh1).when(recordAllocation('L1', 1, 'WH1', 5)).then([]);
    });

    it('refuses an answer from another warehouse, for an attempt never made, or for more than was asked', () => {
      given(orderPlaced, requested('L1', 1, 'WH1', 5)).when(recordAllocation('L1', 1, 'WH2', 5)).thenThrows(InconsistentReport, { attempt: 1 });
      given(orderPlaced, requested('L1', 1, 'WH1', 5)).when(recordAllocation('L1', 2, 'WH1', 5)).thenThrows(UnknownOrderLine, { lineId: 'L1', attempt: 2 });
      given(orderPlaced, requested('L1', 1, 'WH1', 5)).when(recordAllocation('L9', 1, 'WH1', 5)).thenThrows(UnknownOrderLine, { lineId: 'L9' });
      given(orderPlaced, requested('L1', 1, 'WH1', 5)).when(recordAllocation('L1', 1, 'WH1', 6)).thenThrows(InconsistentReport);
    });
  });

  describe('back-orders', () => {
    it('retries back-ordered units in the warehouse stock arrived in, as a new attempt', () => {
      const state = given(l1BackOrdered).when(retry('L1', 3)).then([requested('L1', 3, 'WH1', 3, true, 'E9/L1')]);
      expect(quantities(state, 'L1')).toMatchObject({ awaiting: 3, backOrdered: 0, allocated: 2 });
      expect(orderStatus(state)).toBe('allocating');
    });

    it('asks for no more than is back-ordered, and for nothing twice for the same request', () => {
      given(l1BackOrdered).when(retry('L1', 10)).then([requested('L1', 3, 'WH1', 3, true, 'E9/L1')]);
      given(l1BackOrdered, requested('L1', 3, 'WH1', 3, true, 'E9/L1')).when(retry('L1', 3)).then([]);
      given(l1BackOrdered, requested('L1', 3, 'WH1', 3, true, 'E9/L1')).when(retry('L1', 3, 'WH1', 'E10/L1')).then([]);
    });

    it('fills the back-order; filling the last of it makes the order ready to pick', () => {
      given(l1BackOrdered, requested('L1', 3, 'WH1', 3, true, 'E9/L1'))
        .when(recordAllocation('L1', 3, 'WH1', 3))
        .then([
          backOrderFilled('L1', 3, 'WH1', 3),
          {
            type: 'order.OrderReadyToPick',
            data: {
              orderId: 'O1',
              allocations: [
                { lineId: 'L1', sku: 'S1', allocationLineId: 'L1#1', warehouse: 'WH1', quantity: 2 },
                { lineId: 'L1', sku: 'S1', allocationLineId: 'L1#3', warehouse: 'WH1', quantity: 3 },
                { lineId: 'L2', sku: 'S2', allocationLineId: 'L2#1', warehouse: 'WH1', quantity: 2 },
              ],
            },
          },
        ]);
    });

    it('back-orders again what a retry was still short of (the line keeps its place: the event carries the order time)', () => {
      const state = given(l1BackOrdered, requested('L1', 3, 'WH1', 3, true, 'E9/L1'))
        .when(recordAllocation('L1', 3, 'WH1', 1))
        .then([backOrderFilled('L1', 3, 'WH1', 1, 2), backOrdered('L1', 2, 'still short after retry')]);
      expect(quantities(state, 'L1')).toMatchObject({ ordered: 5, allocated: 3, backOrdered: 2, awaiting: 0 });
      expect(orderStatus(state)).toBe('back-ordered');
    });
  });

  describe('CancelOrder', () => {
    it('names every warehouse line to release and the back-orders it drops', () => {
      const state = given(l1BackOrdered)
        .when(cancel)
        .then([
          {
            type: 'order.OrderCancelled',
            data: {
              orderId: 'O1',
              reason: 'customer changed their mind',
              cancelledAt: '2026-03-02T10:00:00.000Z',
              releases: [
                { lineId: 'L1', sku: 'S1', allocationLineId: 'L1#1', warehouse: 'WH1', quantity: 2 },
                { lineId: 'L2', sku: 'S2', allocationLineId: 'L2#1', warehouse: 'WH1', quantity: 2 },
              ],
              backOrdersCancelled: [{ lineId: 'L1', sku: 'S1', quantity: 3 }],
            },
          },
        ]);
      expect(orderStatus(state)).toBe('cancelled');
      expect(quantities(state, 'L1')).toMatchObject({ ordered: 5, allocated: 0, backOrdered: 0, cancelled: 5 });
    });

    it('allocates nothing after the cancel: a late answer is given straight back', () => {
      const asked = [orderPlaced, requested('L1', 1, 'WH1', 5), requested('L2', 1, 'WH1', 2)];
      const cancelled: OrderEvent = { type: 'order.OrderCancelled', data: { orderId: 'O1', reason: cancel.reason, cancelledAt: cancel.cancelledAt, releases: [], backOrdersCancelled: [] } };
      expect(quantities(given(asked).when(cancel).then([cancelled]), 'L1')).toMatchObject({ awaiting: 5, cancelled: 0 });
      given(asked, cancelled).when(cancel).then([]);
      const after = given(asked, cancelled)
        .when(recordAllocation('L1', 1, 'WH1', 4))
        .then([{ type: 'order.LateAllocationReleased', data: { orderId: 'O1', lineId: 'L1', sku: 'S1', attempt: 1, allocationLineId: 'L1#1', warehouse: 'WH1', quantity: 4, requested: 5 } }]);
      expect(quantities(after, 'L1')).toMatchObject({ ordered: 5, awaiting: 0, allocated: 0, cancelled: 5 });
      given(asked, cancelled).when(retry('L1', 1)).then([]);
    });

    it('refuses once units were dispatched', () => {
      const shipped = [...allocatedInWh1, linePicked('L1', 1, 'WH1', 5, 'P1'), lineDispatched('L1', 1, 'WH1', 5)];
      given(shipped).when(cancel).thenThrows(OrderNotCancellable, { orderId: 'O1' });
    });
  });

  describe('picking, dispatch and delivery', () => {
    const pick = (lineId: string, quantity: number, pickId: string): OrderCommand => ({ type: 'RecordPick', orderId: 'O1', lineId, attempt: 1, warehouse: 'WH1', quantity, pickId });
    const dispatch = (lineId: string, quantity: number): OrderCommand => ({ type: 'RecordDispatch', orderId: 'O1', lineId, attempt: 1, warehouse: 'WH1', quantity, shipmentId: 'SH1' });

    it('books picks once each; the last pick completes the picking', () => {
      const state = given(allocatedInWh1).when(pick('L1', 5, 'P1')).then([linePicked('L1', 1, 'WH1', 5, 'P1')]);
      expect(orderStatus(state)).toBe('picking');
      given(allocatedInWh1, linePicked('L1', 1, 'WH1', 5, 'P1')).when(pick('L1', 5, 'P1')).then([]);
      const ready = given(allocatedInWh1, linePicked('L1', 1, 'WH1', 5, 'P1'))
        .when(pick('L2', 2, 'P2'))
        .then([linePicked('L2', 1, 'WH1', 2, 'P2'), { type: 'order.PicksCompleted', data: { orderId: 'O1' } }]);
      expect(orderStatus(ready)).toBe('ready to ship');
      given(allocatedInWh1).when(pick('L1', 6, 'P1')).thenThrows(InconsistentReport);
    });

    it('back-orders what a short pick left unfilled, and what a count found gone from the staging area', () => {
      const shortfall = (quantity: number, staged: boolean): OrderCommand => ({ type: 'RecordShortfall', orderId: 'O1', lineId: 'L1', attempt: 1, warehouse: 'WH1', quantity, staged, shortfallId: 'E5' });
      const lost = (quantity: number, staged: boolean): OrderEvent => ({
        type: 'order.AllocationLost',
        data: { orderId: 'O1', lineId: 'L1', sku: 'S1', attempt: 1, allocationLineId: 'L1#1', warehouse: 'WH1', quantity, staged, shortfallId: 'E5' },
      });
      const state = given(allocatedInWh1).when(shortfall(2, false)).then([lost(2, false), backOrdered('L1', 2, 'allocation lost')]);
      expect(quantities(state, 'L1')).toMatchObject({ ordered: 5, allocated: 3, backOrdered: 2 });
      given(allocatedInWh1, lost(2, false), backOrdered('L1', 2, 'allocation lost')).when(shortfall(2, false)).then([]);
      const staged = given(allocatedInWh1, linePicked('L1', 1, 'WH1', 5, 'P1')).when(shortfall(1, true)).then([lost(1, true), backOrdered('L1', 1, 'allocation lost')]);
      expect(quantities(staged, 'L1')).toMatchObject({ allocated: 4, picked: 4, backOrdered: 1 });
      given(allocatedInWh1).when(shortfall(1, true)).thenThrows(InconsistentReport); // nothing picked yet
    });

    it('ships the order when its last unit is dispatched, and delivers it after that', () => {
      const picked = [...allocatedInWh1, linePicked('L1', 1, 'WH1', 5, 'P1'), linePicked('L2', 1, 'WH1', 2, 'P2')];
      given(picked).when(dispatch('L1', 5)).then([lineDispatched('L1', 1, 'WH1', 5)]);
      const shipped = given(picked, lineDispatched('L1', 1, 'WH1', 5))
        .when(dispatch('L2', 2))
        .then([lineDispatched('L2', 1, 'WH1', 2), { type: 'order.OrderShipped', data: { orderId: 'O1', shipments: ['SH1'] } }]);
      expect(orderStatus(shipped)).toBe('shipped');
      expect(quantities(shipped, 'L1')).toMatchObject({ ordered: 5, shipped: 5, allocated: 0, picked: 0 });
      given(picked, lineDispatched('L1', 1, 'WH1', 5)).when(dispatch('L1', 5)).then([]);

      const deliver: OrderCommand = { type: 'RecordDelivery', orderId: 'O1', deliveredAt: '2026-03-04T12:00:00.000Z' };
      const history = [...picked, lineDispatched('L1', 1, 'WH1', 5), lineDispatched('L2', 1, 'WH1', 2)];
      const delivered = given(history).when(deliver).then([{ type: 'order.OrderDelivered', data: { orderId: 'O1', deliveredAt: '2026-03-04T12:00:00.000Z' } }]);
      expect(orderStatus(delivered)).toBe('delivered');
    });

    it('takes a delivery reported before its dispatch is booked, and delivers the order when the last unit is dispatched', () => {
      // The carrier's delivery comes through the shipping service, the dispatch through the warehouse: either may arrive first.
      const picked = [...allocatedInWh1, linePicked('L1', 1, 'WH1', 5, 'P1'), linePicked('L2', 1, 'WH1', 2, 'P2')];
      const deliveredAt = '2026-03-04T12:00:00.000Z';
      const deliver: OrderCommand = { type: 'RecordDelivery', orderId: 'O1', deliveredAt };
      const reported = { type: 'order.DeliveryReported' as const, data: { orderId: 'O1', deliveredAt } };
      const early = given(picked).when(deliver).then([reported]);
      expect(orderStatus(early)).toBe('ready to ship');
      given(picked, reported).when(deliver).then([]);
      given(picked, reported, lineDispatched('L1', 1, 'WH1', 5)).when(deliver).then([]);
      const delivered = given(picked, reported, lineDispatched('L1', 1, 'WH1', 5))
        .when(dispatch('L2', 2))
        .then([
          lineDispatched('L2', 1, 'WH1', 2),
          { type: 'order.OrderShipped', data: { orderId: 'O1', shipments: ['SH1'] } },
          { type: 'order.OrderDelivered', data: { orderId: 'O1', deliveredAt } },
        ]);
      expect(orderStatus(delivered)).toBe('delivered');
    });

    it('refuses a delivery of a cancelled order', () => {
      const cancelled: OrderEvent = { type: 'order.OrderCancelled', data: { orderId: 'O1', reason: 'customer', cancelledAt: PLACED_AT, releases: [], backOrdersCancelled: [] } };
      given(allocatedInWh1, cancelled)
        .when({ type: 'RecordDelivery', orderId: 'O1', deliveredAt: '2026-03-04T12:00:00.000Z' })
        .thenThrows(OrderNotShipped);
    });
  });

  it('accounts for every ordered unit after every event', () => {
    const history = [...l1BackOrdered, requested('L1', 3, 'WH1', 3, true, 'E9/L1'), backOrderFilled('L1', 3, 'WH1', 1, 2), backOrdered('L1', 2, 'still short after retry')];
    history.reduce((state: OrderState, event) => {
      const next = evolveOrder(state, event);
      for (const l of (next as Order).lines) expect(accountedFor(l)).toBe(l.ordered);
      return next;
    }, initialOrderState);
  });
});
