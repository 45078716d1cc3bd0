import { recordedEvents } from '@bintrail/testing';
import { binKey, foldStockBatch, stockBookingOf, stockKeysOf, totalsKey, type StockRows } from './stock-batch.domain';

const recorded = recordedEvents({ from: 100, step: 1 });
const none: StockRows = { totals: new Map(), bins: new Map(), backOrders: new Map() };

describe('the stock projection folding a batch', () => {
  it('reads each row the batch touches once', () => {
    const bookings = [
      recorded('warehouse.StockReceived', { sku: 'S1', bin: 'DOCK', quantity: 5 }),
      recorded('warehouse.StockPutAway', { sku: 'S1', fromBin: 'DOCK', toBin: 'A-01', quantity: 5 }),
      recorded('shipping.TransferDispatched', { sku: 'S1', toWarehouse: 'WH1', quantity: 2 }, 'transfer-T1'),
      recorded('order.LineBackOrdered', { sku: 'S2', quantity: 1 }, 'order-O1'),
    ].map(stockBookingOf);
    expect(stockKeysOf(bookings)).toEqual({
      totals: [['S1', 'WH1']],
      bins: [
        ['S1', 'WH1', 'DOCK'],
        ['S1', 'WH1', 'A-01'],
      ],
      backOrders: ['S2'],
    });
  });

  it('adds up the rows found in log order, each with the position of the last event that moved it; an emptied bin goes', () => {
    const received = recorded('warehouse.StockReceived', { sku: 'S1', bin: 'DOCK', quantity: 5 });
    const putAway = recorded('warehouse.StockPutAway', { sku: 'S1', fromBin: 'DOCK', toBin: 'A-01', quantity: 8 });
    const before: StockRows = {
      totals: new Map([[totalsKey('S1', 'WH1'), { sku: 'S1', warehouse: 'WH1', onHand: 3, reserved: 0, inTransit: 4, backOrdered: 0, position: 7 }]]),
      bins: new Map([[binKey('S1', 'WH1', 'DOCK'), { sku: 'S1', warehouse: 'WH1', bin: 'DOCK', onHand: 3, reserved: 0, position: 7 }]]),
      backOrders: new Map(),
    };
    const after = foldStockBatch([received, putAway].map(stockBookingOf), before);
    expect([...after.totals.values()]).toEqual([{ sku: 'S1', warehouse: 'WH1', onHand: 8, reserved: 0, inTransit: 4, backOrdered: 0, position: received.globalPosition }]);
    expect([...after.bins.entries()]).toEqual([
      [binKey('S1', 'WH1', 'DOCK'), undefined],
      [binKey('S1', 'WH1', 'A-01'), { sku: 'S1', warehouse: 'WH1', bin: 'A-01', onHand: 8, reserved: 0, position: putAway.globalPosition }],
    ]);
  });

  it('leaves out a bin row that came and went within the batch, and a zero in-transit change', () => {
    const bookings = [
      recorded('warehouse.StockReceived', { sku: 'S1', bin: 'DOCK', quantity: 5 }),
      recorded('warehouse.StockPutAway', { sku: 'S1', fromBin: 'DOCK', toBin: 'A-01', quantity: 5 }),
      recorded('shipping.ExpectedReceiptRegistered', { warehouse: 'WH2', lines: [{ sku: 'S1', quantity: 0 }] }, 'asn-A1'),
    ].map(stockBookingOf);
    const after = foldStockBatch(bookings, none);
    expect([...after.bins.keys()]).toEqual([binKey('S1', 'WH1', 'A-01')]);
    expect([...after.totals.keys()]).toEqual([totalsKey('S1', 'WH1')]);
  });

  it('refuses the batch at the first event that would take a figure below zero, though later ones make up for it', () => {
    const adjusted = recorded('warehouse.StockAdjusted', { sku: 'S1', bin: 'DOCK', delta: -1 });
    const received = recorded('warehouse.StockReceived', { sku: 'S1', bin: 'DOCK', quantity: 5 });
    expect(() => foldStockBatch([adjusted, received].map(stockBookingOf), none)).toThrow('S1 in WH1 would be -1 on hand, 0 reserved');
    expect(() => foldStockBatch([recorded('order.AllocationRequested', { sku: 'S2', quantity: 1, retry: true }, 'order-O1')].map(stockBookingOf), none)).toThrow('S2 would have -1 units back-ordered');
  });
});
