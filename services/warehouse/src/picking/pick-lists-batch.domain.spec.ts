import type { RecordedEvent } from '@bintrail/contracts';
import { recordedEvents } from '@bintrail/testing';
import { foldPickListsBatch, pickBinKey, pickLineKey, pickListBookingOf, pickListKeysOf, type PickListBooking, type PickListRows } from './pick-lists-batch.domain';

const recorded = recordedEvents({ from: 100, step: 1 });
const line = { orderId: 'O1', lineId: 'L1', sku: 'S1' };
const allocated = (requested: number, allocations: { bin: string; quantity: number }[], data = line) => recorded('warehouse.StockAllocated', { ...data, requested, allocations, shortQuantity: 0 });
const picked = (bin: string, quantity: number) => recorded('warehouse.StockPicked', { ...line, bin, quantity });
const bookings = (events: readonly RecordedEvent[]) => events.map(pickListBookingOf).filter((b): b is PickListBooking => b !== undefined);
const none: PickListRows = { lines: new Map(), bins: new Map() };
const L1 = pickLineKey('WH1', 'O1', 'L1');
const binOf = (bin: string) => pickBinKey('WH1', 'O1', 'L1', bin);

describe('the pick-lists projection folding a batch', () => {
  it('reads each row the batch touches once, and passes over events that book no pick list', () => {
    const events = [allocated(5, [{ bin: 'A-01', quantity: 5 }]), recorded('warehouse.StockReceived', { sku: 'S1', bin: 'DOCK', quantity: 5 }), picked('A-01', 2), picked('B-01', 1)];
    expect(bookings(events)).toHaveLength(3);
    expect(pickListKeysOf(bookings(events))).toEqual({
      lines: [['WH1', 'O1', 'L1']],
      bins: [
        ['WH1', 'O1', 'L1', 'A-01'],
        ['WH1', 'O1', 'L1', 'B-01'],
      ],
    });
  });

  it('books a line allocated, picked and dispatched in one batch: what is left to pick, what is staged, the last position', () => {
    const events = [
      allocated(5, [{ bin: 'A-01', quantity: 3 }, { bin: 'B-01', quantity: 2 }]),
      picked('A-01', 3), // A-01 came and went
      recorded('warehouse.PickShorted', { ...line, bin: 'B-01', shortQuantity: 1, reallocations: [{ bin: 'C-01', quantity: 1 }], unfilledQuantity: 0 }),
      recorded('warehouse.StockDispatched', { ...line, quantity: 2, shipmentId: 'SH1' }),
    ];
    const after = foldPickListsBatch(bookings(events), none);
    expect([...after.lines.values()]).toEqual([{ warehouse: 'WH1', orderId: 'O1', lineId: 'L1', sku: 'S1', requested: 5, staged: 1, position: events[3]!.globalPosition }]);
    expect([...after.bins.entries()]).toEqual([
      [binOf('B-01'), { warehouse: 'WH1', orderId: 'O1', lineId: 'L1', bin: 'B-01', quantity: 1 }],
      [binOf('C-01'), { warehouse: 'WH1', orderId: 'O1', lineId: 'L1', bin: 'C-01', quantity: 1 }],
    ]);
  });

  it('keeps what the line was first allocated with, and books bins of a line it never saw allocated without making it a line', () => {
    const before: PickListRows = {
      lines: new Map([[L1, { warehouse: 'WH1', orderId: 'O1', lineId: 'L1', sku: 'S1', requested: 5, staged: 2, position: 7 }]]),
      bins: new Map([[binOf('A-01'), { warehouse: 'WH1', orderId: 'O1', lineId: 'L1', bin: 'A-01', quantity: 1 }]]),
    };
    const events = [allocated(9, [{ bin: 'A-01', quantity: 1 }], { ...line, sku: 'S9' }), recorded('warehouse.PickShorted', { ...line, lineId: 'L2', bin: 'A-01', shortQuantity: 0, reallocations: [{ bin: 'C-01', quantity: 1 }], unfilledQuantity: 0 }), picked('A-01', 2)];
    const after = foldPickListsBatch(bookings(events), before);
    expect([...after.lines.values()]).toEqual([{ warehouse: 'WH1', orderId: 'O1', lineId: 'L1', sku: 'S1', requested: 5, staged: 4, position: events[2]!.globalPosition }]);
    expect([...after.bins.entries()]).toEqual([
      [binOf('A-01'), undefined], // emptied: to delete
      [pickBinKey('WH1', 'O1', 'L2', 'C-01'), { warehouse: 'WH1', orderId: 'O1', lineId: 'L2', bin: 'C-01', quantity: 1 }],
    ]);
  });

  it('refuses a bin going below zero part-way, even when the batch as a whole nets out', () => {
    const events = [picked('A-01', 2), allocated(2, [{ bin: 'A-01', quantity: 2 }])];
    expect(() => foldPickListsBatch(bookings(events), none)).toThrow('order O1 line L1 would have -2 units to pick in bin A-01 of WH1');
  });
});
