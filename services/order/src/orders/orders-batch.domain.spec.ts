import type { RecordedEvent } from '@bintrail/contracts';
import { recordedEvents } from '@bintrail/testing';
import { allocatedInWh1, linePicked, orderPlaced, PLACED_AT, requested } from './order.test-helper';
import { foldOrdersBatch, ordersBookingOf, ordersKeysOf, pickBinKey, type OrdersBooking, type OrdersRowsBefore, type PickBinRow } from './orders-batch.domain';
import { evolveOrder, initialOrderState, type OrderEvent } from './order.domain';

const recorded = recordedEvents();
const order = (event: OrderEvent) => recorded(event.type, event.data, 'order-O1');
const line = { orderId: 'O1', lineId: 'L1#1', sku: 'S1' };
const allocated = (bins: { bin: string; quantity: number }[], data = line) =>
  recorded('warehouse.StockAllocated', { ...data, requested: 5, allocations: bins, shortQuantity: 0 });
const picked = (bin: string, quantity: number) => recorded('warehouse.StockPicked', { ...line, bin, quantity });

const bookings = (events: readonly RecordedEvent[]) => events.map(ordersBookingOf).filter((b): b is OrdersBooking => b !== undefined);
const nothingBefore: OrdersRowsBefore = { orders: new Map(), present: new Set(), pickBins: new Map() };
const bin = (b: string, quantity: number): PickBinRow => ({ orderId: 'O1', allocationLineId: 'L1#1', warehouse: 'WH1', bin: b, lineId: 'L1', quantity });

describe('orders batch fold', () => {
  it("folds an order placed and allocated in one batch: its state, the last event's position, and the bins of its pick list", () => {
    const events = [...allocatedInWh1.map(order), allocated([{ bin: 'A-01', quantity: 3 }, { bin: 'B-01', quantity: 2 }]), picked('A-01', 3)];
    const after = foldOrdersBatch(bookings(events), nothingBefore);
    expect(after.orders.get('O1')).toEqual({ orderId: 'O1', placedAt: PLACED_AT, state: allocatedInWh1.reduce(evolveOrder, initialOrderState), position: events[4]!.globalPosition });
    // A-01 came and went within the batch: nothing to write for it
    expect([...after.pickBins.entries()]).toEqual([[pickBinKey('O1', 'L1#1', 'WH1', 'B-01'), bin('B-01', 2)]]);
  });

  it('ignores allocation lines of orders it does not know, and lines the order service did not ask for', () => {
    const events = [allocated([{ bin: 'A-01', quantity: 3 }]), allocated([{ bin: 'A-01', quantity: 3 }], { ...line, lineId: 'manual' }), order(orderPlaced)];
    expect(bookings(events).map((b) => b.kind)).toEqual(['pick-bins', 'order']);
    expect(foldOrdersBatch(bookings(events), nothingBefore).pickBins.size).toBe(0);
    // known from the table, not folded here
    const known = foldOrdersBatch(bookings(events.slice(0, 1)), { ...nothingBefore, present: new Set(['O1']) });
    expect([...known.pickBins.values()]).toEqual([bin('A-01', 3)]);
    expect(known.orders.size).toBe(0);
  });

  it('writes nothing for an order event before its order was placed', () => {
    expect(foldOrdersBatch(bookings([order(requested('L1', 1, 'WH1', 5))]), nothingBefore).orders.size).toBe(0);
  });

  it('reads the state only of the orders it folds, and each row once', () => {
    const events = [allocated([{ bin: 'A-01', quantity: 3 }]), order(orderPlaced), picked('A-01', 1), recorded('warehouse.StockPicked', { ...line, orderId: 'O2', bin: 'A-01', quantity: 1 })];
    expect(ordersKeysOf(bookings(events))).toEqual({
      orders: [
        { orderId: 'O1', folded: true },
        { orderId: 'O2', folded: false },
      ],
      pickBins: [
        ['O1', 'L1#1', 'WH1', 'A-01'],
        ['O2', 'L1#1', 'WH1', 'A-01'],
      ],
    });
  });

  it('folds over the rows found, keeping placed_at and line ids as first written, and marks emptied rows for deletion', () => {
    const state = allocatedInWh1.reduce(evolveOrder, initialOrderState);
    if (!state.exists) throw new Error('placed');
    const before: OrdersRowsBefore = {
      orders: new Map([['O1', { orderId: 'O1', placedAt: 'as first written', state, position: 5 }]]),
      present: new Set(['O1']),
      pickBins: new Map([[pickBinKey('O1', 'L1#1', 'WH1', 'A-01'), { ...bin('A-01', 5), lineId: 'as first written' }]]),
    };
    const events = [order(linePicked('L1', 1, 'WH1', 2, 'P1')), picked('A-01', 2), picked('A-01', 3)];
    const after = foldOrdersBatch(bookings(events), before);
    expect(after.orders.get('O1')).toMatchObject({ placedAt: 'as first written', position: events[0]!.globalPosition });
    expect(after.orders.get('O1')!.state.lines[0]!.picked).toBe(2);
    expect([...after.pickBins.entries()]).toEqual([[pickBinKey('O1', 'L1#1', 'WH1', 'A-01'), undefined]]);
  });

  it('refuses a pick bin going below zero part-way, even when the batch as a whole nets out', () => {
    const events = [order(orderPlaced), picked('A-01', 2), allocated([{ bin: 'A-01', quantity: 3 }])];
    expect(() => foldOrdersBatch(bookings(events), nothingBefore)).toThrow('order O1 L1#1 would have -2 units to pick in bin A-01 of WH1');
  });
});
