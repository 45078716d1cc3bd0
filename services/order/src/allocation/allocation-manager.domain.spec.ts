import { decideOrder, evolveOrder, initialOrderState, orderStatus, type Order, type OrderCommand, type OrderEvent } from '../orders/order.domain';
import {
  ALLOCATION_MANAGER_EVENT_TYPES,
  HANDLED_REMEMBERED,
  initialAllocationManagerState,
  reactToEvent,
  type AllocationManagerEvent,
  type AllocationManagerState,
  type ProcessCommand,
} from './allocation-manager.domain';
import { backOrdersOf } from './back-order-queue.domain';
import { OrderFlow } from './order-flow.test-helper';

let ids = 0;
const delivered = (streamId: string, event: Omit<AllocationManagerEvent, 'eventId' | 'streamId'>, eventId = `E${++ids}`) => ({ ...event, eventId, streamId }) as AllocationManagerEvent;
const fromWh1 = (event: Omit<AllocationManagerEvent, 'eventId' | 'streamId'>, eventId?: string) => delivered('warehouse-WH1', event, eventId);

function react(state: AllocationManagerState, ...events: AllocationManagerEvent[]): { state: AllocationManagerState; commands: ProcessCommand[] } {
  const commands: ProcessCommand[] = [];
  for (const event of events) {
    const reaction = reactToEvent(state, event);
    state = reaction.state;
    commands.push(...reaction.commands);
  }
  return { state, commands };
}

const backOrdered = (orderId: string, lineId: string, quantity: number, placedAt: string): AllocationManagerEvent =>
  delivered(`order-${orderId}`, { type: 'order.LineBackOrdered', data: { orderId, lineId, sku: 'S1', placedAt, quantity, reason: 'every warehouse short' } });
const received = (quantity: number, bin = 'DOCK', eventId?: string) => fromWh1({ type: 'warehouse.StockReceived', data: { receiptId: 'R1', sku: 'S1', bin, quantity } }, eventId);
const retry = (orderId: string, lineId: string, quantity: number, requestId: string): ProcessCommand => ({
  service: 'order',
  streamId: `order-${orderId}`,
  command: { type: 'RetryBackOrder', orderId, lineId, warehouse: 'WH1', quantity, requestId },
});

const place = (orderId: string, quantity: number, placedAt: string, warehouses = ['WH1', 'WH2']): OrderCommand => ({
  type: 'PlaceOrder',
  orderId,
  lines: [{ lineId: 'L1', sku: 'S1', quantity }],
  warehouses,
  placedAt,
});
const line = (flow: OrderFlow, orderId: string) => (flow.orders.get(orderId) as Order).lines[0]!;
const ofType = <T extends AllocationManagerEvent['type']>(flow: OrderFlow, type: T) => flow.log.filter((e): e is Extract<AllocationManagerEvent, { type: T }> => e.type === type);

describe('allocation process manager', () => {
  it('subscribes to the order events and to the warehouse events about allocations and arriving stock', () => {
    expect(ALLOCATION_MANAGER_EVENT_TYPES).toContain('warehouse.StockAllocated');
    expect(ALLOCATION_MANAGER_EVENT_TYPES).toContain('order.AllocationRequested');
    expect(ALLOCATION_MANAGER_EVENT_TYPES).not.toContain('warehouse.StockReallocated'); // bins change, the quantity does not
  });

  describe('as pure reactions', () => {
    it('carries an allocation request to the warehouse it names, under the attempt line id', () => {
      const { commands } = react(
        initialAllocationManagerState,
        delivered('order-O1', { type: 'order.AllocationRequested', data: { orderId: 'O1', lineId: 'L1', sku: 'S1', attempt: 2, allocationLineId: 'L1#2', warehouse: 'WH2', quantity: 3, retry: false } }),
      );
      expect(commands).toEqual([{ service: 'warehouse', streamId: 'warehouse-WH2', command: { type: 'AllocateStock', orderId: 'O1', lineId: 'L1#2', sku: 'S1', quantity: 3 } }]);
    });

    it("carries the warehouse's answer back to the order, naming the warehouse by its stream", () => {
      const answer = fromWh1({ type: 'warehouse.StockAllocated', data: { orderId: 'O1', lineId: 'L1#1', sku: 'S1', requested: 5, allocations: [{ bin: 'A-01', quantity: 2 }], shortQuantity: 3 } });
      expect(react(initialAllocationManagerState, answer).commands).toEqual([
        {
          service: 'order',
          streamId: 'order-O1',
          command: { type: 'RecordAllocation', orderId: 'O1', lineId: 'L1', attempt: 1, warehouse: 'WH1', allocations: [{ bin: 'A-01', quantity: 2 }], allocatedQuantity: 2 },
        },
      ]);
    });

    it('remembers a bounded number of handled event ids, the newest, and still ignores a recent duplicate', () => {
      let state = initialAllocationManagerState;
      const answers = Array.from({ length: HANDLED_REMEMBERED + 50 }, (_, i) =>
        fromWh1({ type: 'warehouse.StockAllocated', data: { orderId: `O${i}`, lineId: 'L1#1', sku: 'S1', requested: 1, allocations: [{ bin: 'A-01', quantity: 1 }], shortQuantity: 0 } }),
      );
      for (const answer of answers) state = reactToEvent(state, answer).state;
      expect(Object.keys(state.handled)).toHaveLength(HANDLED_REMEMBERED);
      expect(Object.keys(state.handled).at(-1)).toBe(answers.at(-1)!.eventId);
      expect(reactToEvent(state, answers.at(-1)!).commands).toEqual([]);
    });

    it('ignores allocations the order service did not ask for (no attempt in the line id)', () => {
      const foreign = fromWh1({ type: 'warehouse.StockAllocated', data: { orderId: 'X', lineId: 'manual', sku: 'S1', requested: 1, allocations: [], shortQuantity: 1 } });
      expect(react(initialAllocationManagerState, foreign).commands).toEqual([]);
    });

    it('yields nothing for an event it has handled already', () => {
      const event = backOrdered('O1', 'L1', 3, '2026-03-01T09:00:00.000Z');
      const first = reactToEvent(initialAllocationManagerState, event);
      const again = reactToEvent(first.state, event);
      expect(again).toEqual({ state: first.state, commands: [] });
      const arrival = received(5, 'DOCK', 'R-event');
      const retried = reactToEvent(first.state, arrival);
      expect(retried.commands).toHaveLength(1);
      expect(reactToEvent(retried.state, arrival).commands).toEqual([]);
    });

    it('retries the oldest back-orders first, up to the units that arrived, each older one in full before a younger one', () => {
      const { state } = react(
        initialAllocationManagerState,
        backOrdered('O3', 'L1', 4, '2026-03-01T11:00:00.000Z'),
        backOrdered('O1', 'L2', 3, '2026-03-01T09:00:00.000Z'),
        backOrdered('O2', 'L1', 2, '2026-03-01T09:00:00.000Z'),
        backOrdered('O1', 'L1', 1, '2026-03-01T09:00:00.000Z'),
      );
      expect(backOrdersOf(state.backOrderQueue, 'S1').map((b) => `${b.orderId}/${b.lineId}`)).toEqual(['O1/L1', 'O1/L2', 'O2/L1', 'O3/L1']);
      const { state: after, commands } = react(state, received(5, 'DOCK', 'R1'));
      expect(commands).toEqual([retry('O1', 'L1', 1, 'R1/L1'), retry('O1', 'L2', 3, 'R1/L2'), retry('O2', 'L1', 1, 'R1/L1')]);
      expect(backOrdersOf(after.backOrderQueue, 'S1')).toEqual([
        { orderId: 'O2', lineId: 'L1', placedAt: '2026-03-01T09:00:00.000Z', quantity: 1 },
        { orderId: 'O3', lineId: 'L1', placedAt: '2026-03-01T11:00:00.000Z', quantity: 4 },
      ]);
    });

    it('wakes back-orders on receipts, count gains, released allocations and units leaving a bin on hold, not on putaway from the dock', () => {
      const { state } = react(initialAllocationManagerState, backOrdered('O1', 'L1', 100, '2026-03-01T09:00:00.000Z'));
      const woken = (event: AllocationManagerEvent, from = state) => react(from, event).commands.map((c) => (c.command as { quantity: number }).quantity);
      expect(woken(received(4))).toEqual([4]);
      expect(woken(fromWh1({ type: 'warehouse.StockAdjusted', data: { countId: 'C1', bin: 'A-01', sku: 'S1', delta: 2, reason: 'found' } }))).toEqual([2]);
      expect(woken(fromWh1({ type: 'warehouse.StockAdjusted', data: { countId: 'C1', bin: 'A-01', sku: 'S1', delta: -2, reason: 'lost' } }))).toEqual([]);
      expect(woken(fromWh1({ type: 'warehouse.AllocationReleased', data: { orderId: 'O9', lineId: 'L1#1', sku: 'S1', allocations: [{ bin: 'A-01', quantity: 3 }], stagedQuantity: 2 } }))).toEqual([3]);
      expect(woken(fromWh1({ type: 'warehouse.StockPutAway', data: { sku: 'S1', fromBin: 'DOCK', toBin: 'A-01', quantity: 4, suggested: true } }))).toEqual([]);

      const shortPick = fromWh1({ type: 'warehouse.PickShorted', data: { orderId: 'O9', lineId: 'L1#1', sku: 'S1', bin: 'B-01', shortQuantity: 2, reallocations: [], unfilledQuantity: 2 } });
      const onHold = react(state, shortPick);
      expect(onHold.commands).toEqual([
        { service: 'order', streamId: 'order-O9', command: { type: 'RecordShortfall', orderId: 'O9', lineId: 'L1', attempt: 1, warehouse: 'WH1', quantity: 2, staged: false, shortfallId: shortPick.eventId } },
      ]);
      expect(woken(received(3, 'B-01'), onHold.state)).toEqual([]); // nothing is allocated from a bin on hold
      expect(woken(fromWh1({ type: 'warehouse.StockMoved', data: { sku: 'S1', fromBin: 'B-01', toBin: 'A-02', quantity: 3 } }), onHold.state)).toEqual([3]);
      expect(woken(fromWh1({ type: 'warehouse.BinCounted', data: { countId: 'C2', bin: 'B-01', sku: 'S1', countedQuantity: 5, previousQuantity: 7, reason: 'short pick' } }), onHold.state)).toEqual([5]);
      expect(woken(fromWh1({ type: 'warehouse.BinCounted', data: { countId: 'C2', bin: 'B-01', sku: 'S1', countedQuantity: 5, previousQuantity: 7, reason: 'cycle' } }))).toEqual([]);
    });

    it('releases what a cancelled order held and drops its back-orders from the queue', () => {
      const { state } = react(initialAllocationManagerState, backOrdered('O1', 'L1', 3, '2026-03-01T09:00:00.000Z'));
      const cancelled: OrderEvent = {
        type: 'order.OrderCancelled',
        data: {
          orderId: 'O1',
          reason: 'customer',
          cancelledAt: '2026-03-02T09:00:00.000Z',
          releases: [
            { lineId: 'L1', sku: 'S1', allocationLineId: 'L1#1', warehouse: 'WH1', quantity: 2 },
            { lineId: 'L1', sku: 'S1', allocationLineId: 'L1#2', warehouse: 'WH2', quantity: 1 },
          ],
          backOrdersCancelled: [{ lineId: 'L1', sku: 'S1', quantity: 3 }],
        },
      };
      const after = react(state, delivered('order-O1', cancelled));
      expect(after.commands).toEqual([
        { service: 'warehouse', streamId: 'warehouse-WH1', command: { type: 'ReleaseAllocation', orderId: 'O1', lineId: 'L1#1' } },
        { service: 'warehouse', streamId: 'warehouse-WH2', command: { type: 'ReleaseAllocation', orderId: 'O1', lineId: 'L1#2' } },
      ]);
      expect(after.state.backOrderQueue).toEqual({});
    });
  });

  describe('in any arrival order (from Kafka: order.events and warehouse.events interleave)', () => {
    const given = (...past: AllocationManagerEvent[]) => ({
      when: (event: AllocationManagerEvent) => ({
        then: (commands: readonly ProcessCommand[]) => expect(reactToEvent(react(initialAllocationManagerState, ...past).state, event).commands).toEqual(commands),
      }),
    });
    const requestData = { orderId: 'O1', lineId: 'L1', sku: 'S1', attempt: 1, allocationLineId: 'L1#1', warehouse: 'WH1', quantity: 2, retry: false };
    const requested = delivered('order-O1', { type: 'order.AllocationRequested', data: requestData });
    const allocated = fromWh1({ type: 'warehouse.StockAllocated', data: { orderId: 'O1', lineId: 'L1#1', sku: 'S1', requested: 2, allocations: [{ bin: 'A-01', quantity: 2 }], shortQuantity: 0 } });
    const record: ProcessCommand = {
      service: 'order',
      streamId: 'order-O1',
      command: { type: 'RecordAllocation', orderId: 'O1', lineId: 'L1', attempt: 1, warehouse: 'WH1', allocations: [{ bin: 'A-01', quantity: 2 }], allocatedQuantity: 2 },
    };
    const allocate: ProcessCommand = { service: 'warehouse', streamId: 'warehouse-WH1', command: { type: 'AllocateStock', orderId: 'O1', lineId: 'L1#1', sku: 'S1', quantity: 2 } };

    it('carries an answer back to its order before the request it answers has reached the manager', () => {
      given().when(allocated).then([record]);
      given(requested).when(allocated).then([record]);
      // The request itself, late: the warehouse allocates an attempt's line id once.
      given(allocated).when(requested).then([allocate]);
      given(allocated, requested).when(allocated).then([]);
    });

    it('the answer it carries is booked by the order, which holds the request already', () => {
      const placed: OrderEvent = { type: 'order.OrderPlaced', data: { orderId: 'O1', placedAt: '2026-03-01T09:00:00.000Z', warehouses: ['WH1'], lines: [{ lineId: 'L1', sku: 'S1', quantity: 2 }] } };
      const order = [placed, { type: 'order.AllocationRequested', data: requestData } as OrderEvent].reduce(evolveOrder, initialOrderState);
      const booked = decideOrder(record.command as OrderCommand, order).map((e) => e.type);
      expect(booked).toEqual(['order.LineAllocated', 'order.OrderReadyToPick']);
    });
  });

  describe('with the order streams and warehouses', () => {
    it('asks the second warehouse when the first is short, and back-orders what neither has', () => {
      const flow = new OrderFlow(['WH1', 'WH2']);
      flow.receive('WH1', 'S1', 2);
      flow.receive('WH2', 'S1', 1);
      flow.order(place('O1', 5, '2026-03-01T09:00:00.000Z'));
      flow.settle();
      expect(flow.sent.filter((c) => c.service === 'warehouse').map((c) => [c.streamId, c.command])).toEqual([
        ['warehouse-WH1', { type: 'AllocateStock', orderId: 'O1', lineId: 'L1#1', sku: 'S1', quantity: 5 }],
        ['warehouse-WH2', { type: 'AllocateStock', orderId: 'O1', lineId: 'L1#2', sku: 'S1', quantity: 3 }],
      ]);
      expect(line(flow, 'O1')).toMatchObject({ ordered: 5, allocated: 3, backOrdered: 2, awaiting: 0 });
      expect(ofType(flow, 'order.LineBackOrdered').map((e) => e.data)).toEqual([
        { orderId: 'O1', lineId: 'L1', sku: 'S1', placedAt: '2026-03-01T09:00:00.000Z', quantity: 2, reason: 'every warehouse short' },
      ]);
      expect(orderStatus(flow.orders.get('O1')!)).toBe('back-ordered');
    });

    it('fills back-orders oldest order first when stock arrives, however the orders were placed', () => {
      const flow = new OrderFlow(['WH1', 'WH2']);
      flow.order(place('O2', 3, '2026-03-01T10:00:00.000Z'));
      flow.order(place('O1', 4, '2026-03-01T09:00:00.000Z'));
      flow.order(place('O3', 2, '2026-03-01T11:00:00.000Z'));
      flow.settle();
      expect(backOrdersOf(flow.manager.backOrderQueue, 'S1').map((b) => b.orderId)).toEqual(['O1', 'O2', 'O3']);

      flow.receive('WH2', 'S1', 6);
      flow.settle();
      expect(['O1', 'O2', 'O3'].map((o) => line(flow, o).backOrdered)).toEqual([0, 1, 2]);
      expect(ofType(flow, 'order.BackOrderFilled').map((e) => [e.data.orderId, e.data.lineId, e.data.allocationLineId, e.data.quantity])).toEqual([
        ['O1', 'L1', 'L1#3', 4],
        ['O2', 'L1', 'L1#3', 2],
      ]);
      expect(orderStatus(flow.orders.get('O1')!)).toBe('allocated');

      flow.receive('WH1', 'S1', 10);
      flow.settle();
      expect(['O1', 'O2', 'O3'].map((o) => line(flow, o).allocated)).toEqual([4, 3, 2]);
      expect(flow.free('WH1', 'S1')).toBe(7);
    });

    it('sends nothing new for a redelivered event', () => {
      const flow = new OrderFlow(['WH1']);
      flow.receive('WH1', 'S1', 1);
      flow.order(place('O1', 3, '2026-03-01T09:00:00.000Z', ['WH1']));
      flow.settle();
      for (let i = 0; i < flow.log.length; i++) expect(flow.redeliver(i)).toEqual({ state: flow.manager, commands: [] });
    });

    it('releases what a cancelled order held, and the released units wake the next back-order', () => {
      const flow = new OrderFlow(['WH1']);
      flow.receive('WH1', 'S1', 3);
      flow.order(place('O1', 3, '2026-03-01T09:00:00.000Z', ['WH1']));
      flow.order(place('O2', 2, '2026-03-01T10:00:00.000Z', ['WH1']));
      flow.settle();
      expect(line(flow, 'O2')).toMatchObject({ allocated: 0, backOrdered: 2 });

      flow.order({ type: 'CancelOrder', orderId: 'O1', reason: 'customer', cancelledAt: '2026-03-02T09:00:00.000Z' });
      flow.settle();
      expect(flow.sent).toContainEqual({ service: 'warehouse', streamId: 'warehouse-WH1', command: { type: 'ReleaseAllocation', orderId: 'O1', lineId: 'L1#1' } });
      expect(line(flow, 'O1')).toMatchObject({ ordered: 3, allocated: 0, cancelled: 3 });
      expect(flow.heldBy('WH1', 'O1', 'L1#1')).toEqual({ held: 0, staged: 0 });
      expect(line(flow, 'O2')).toMatchObject({ allocated: 2, backOrdered: 0 });
      expect(flow.free('WH1', 'S1')).toBe(1);
    });

    it('gives back what a warehouse allocated after the order was cancelled', () => {
      const flow = new OrderFlow(['WH1']);
      flow.receive('WH1', 'S1', 5);
      flow.settle();
      flow.order(place('O1', 3, '2026-03-01T09:00:00.000Z', ['WH1']));
      flow.order({ type: 'CancelOrder', orderId: 'O1', reason: 'customer', cancelledAt: '2026-03-02T09:00:00.000Z' }); // before the request reached WH1
      flow.settle();
      expect(ofType(flow, 'order.LateAllocationReleased')).toHaveLength(1);
      expect(line(flow, 'O1')).toMatchObject({ awaiting: 0, allocated: 0, cancelled: 3 });
      expect(flow.free('WH1', 'S1')).toBe(5);
    });

    it('back-orders what a short pick left unfilled, and picks, ships and completes the rest', () => {
      const flow = new OrderFlow(['WH1']);
      flow.receive('WH1', 'S1', 4);
      flow.order(place('O1', 4, '2026-03-01T09:00:00.000Z', ['WH1']));
      flow.settle();
      flow.pick('WH1', 'O1', 'L1#1', 4, 3);
      flow.settle();
      expect(line(flow, 'O1')).toMatchObject({ allocated: 3, picked: 3, backOrdered: 1 });
      flow.receive('WH1', 'S1', 1);
      flow.settle();
      expect(line(flow, 'O1')).toMatchObject({ allocated: 4, picked: 3, backOrdered: 0 });
      flow.pick('WH1', 'O1', 'L1#2', 1, 1);
      flow.settle();
      expect(orderStatus(flow.orders.get('O1')!)).toBe('ready to ship');
      flow.dispatch('WH1', 'O1', 'L1#1', 'SH1');
      flow.dispatch('WH1', 'O1', 'L1#2', 'SH1');
      flow.settle();
      expect(orderStatus(flow.orders.get('O1')!)).toBe('shipped');
      expect(ofType(flow, 'order.OrderShipped').map((e) => e.data)).toEqual([{ orderId: 'O1', shipments: ['SH1'] }]);
    });

    it('dispatches a line once per shipment: what is picked after it waits for the next shipment, at the warehouse and on the order alike', () => {
      // given a back-order filled in WH1 (attempt 2), one unit picked and dispatched in SH1, then the other picked
      const flow = new OrderFlow(['WH1']);
      flow.order(place('O1', 2, '2026-03-01T09:00:00.000Z', ['WH1']));
      flow.settle();
      flow.receive('WH1', 'S1', 2);
      flow.settle();
      flow.pick('WH1', 'O1', 'L1#2', 1, 1);
      flow.settle();
      flow.dispatch('WH1', 'O1', 'L1#2', 'SH1');
      flow.settle();
      flow.pick('WH1', 'O1', 'L1#2', 1, 1);
      flow.settle();
      expect(line(flow, 'O1')).toMatchObject({ allocated: 1, picked: 1, shipped: 1 });

      // when SH1 is dispatched again: the warehouse ships nothing, and the order and the warehouse still agree
      flow.dispatch('WH1', 'O1', 'L1#2', 'SH1');
      flow.settle();
      expect(ofType(flow, 'order.LineDispatched')).toHaveLength(1);
      expect(ofType(flow, 'warehouse.StockDispatched')).toHaveLength(1);
      expect(line(flow, 'O1')).toMatchObject({ allocated: 1, picked: 1, shipped: 1 });
      expect(flow.heldBy('WH1', 'O1', 'L1#2')).toEqual({ held: 1, staged: 1 });

      // then the next shipment takes the unit and ships the order
      flow.dispatch('WH1', 'O1', 'L1#2', 'SH2');
      flow.settle();
      expect(line(flow, 'O1')).toMatchObject({ allocated: 0, picked: 0, shipped: 2 });
      expect(flow.heldBy('WH1', 'O1', 'L1#2')).toEqual({ held: 0, staged: 0 });
      expect(ofType(flow, 'order.OrderShipped').map((e) => e.data)).toEqual([{ orderId: 'O1', shipments: ['SH1', 'SH2'] }]);
    });
  });
});
