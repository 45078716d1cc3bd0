import { recordedEvents } from '@bintrail/testing';
import { binKey, binStockBookingOf, binStockKey, binStockKeysOf, foldBinStockBatch, type BinStockRows } from './bin-stock-batch.domain';

const recorded = recordedEvents({ from: 100, step: 1 });
const line = { orderId: 'O1', lineId: 'L1', sku: 'S1' };
const none: BinStockRows = { bins: new Map(), stock: new Map() };

describe('the bin-stock projection folding a batch', () => {
  it('reads each bin and each (bin, SKU) the batch touches once', () => {
    const bookings = [
      recorded('warehouse.WarehouseCreated', { code: 'WH1', name: 'North', bins: [{ code: 'DOCK', kind: 'dock' }] }),
      recorded('warehouse.StockReceived', { receiptId: 'R1', sku: 'S1', bin: 'DOCK', quantity: 5 }),
      recorded('warehouse.PickShorted', { ...line, bin: 'DOCK', shortQuantity: 0, reallocations: [], unfilledQuantity: 0 }),
      recorded('warehouse.StockReceived', { receiptId: 'R2', sku: 'S1', bin: 'DOCK', quantity: 5 }),
    ].map(binStockBookingOf);
    expect(binStockKeysOf(bookings)).toEqual({ bins: [['WH1', 'DOCK']], stock: [['WH1', 'DOCK', 'S1']] });
  });

  it('keeps a bin as first added, flags only a bin that exists, and books stock with the last position that moved it', () => {
    const before: BinStockRows = {
      bins: new Map([[binKey('WH1', 'A-01'), { warehouse: 'WH1', bin: 'A-01', kind: 'storage', zone: 'A', capacity: 10, waitingForCount: false }]]),
      stock: new Map(),
    };
    const received = recorded('warehouse.StockReceived', { receiptId: 'R1', sku: 'S1', bin: 'A-01', quantity: 5 });
    const bookings = [
      recorded('warehouse.BinAdded', { code: 'A-01', kind: 'storage', zone: 'Z' }),
      recorded('warehouse.BinCounted', { countId: 'C1', bin: 'B-01', sku: 'S1', countedQuantity: 0, previousQuantity: 0, reason: 'check' }),
      recorded('warehouse.PickShorted', { ...line, bin: 'A-01', shortQuantity: 0, reallocations: [], unfilledQuantity: 0 }),
      received,
      recorded('warehouse.BinCounted', { countId: 'C2', bin: 'A-01', sku: 'S1', countedQuantity: 5, previousQuantity: 5, reason: 'check' }),
    ].map(binStockBookingOf);
    const after = foldBinStockBatch(bookings, before);
    expect([...after.bins.values()]).toEqual([{ warehouse: 'WH1', bin: 'A-01', kind: 'storage', zone: 'A', capacity: 10, waitingForCount: false }]);
    expect([...after.stock.entries()]).toEqual([[binStockKey('WH1', 'A-01', 'S1'), { warehouse: 'WH1', bin: 'A-01', sku: 'S1', onHand: 5, allocated: 0, position: received.globalPosition }]]);
  });

  it('refuses the batch at the first event that would take a bin below zero or allocate more than it holds, though later ones make up for it', () => {
    const allocated = recorded('warehouse.StockAllocated', { ...line, requested: 2, allocations: [{ bin: 'A-01', quantity: 2 }], shortQuantity: 0 });
    const received = recorded('warehouse.StockReceived', { receiptId: 'R1', sku: 'S1', bin: 'A-01', quantity: 5 });
    expect(() => foldBinStockBatch([allocated, received].map(binStockBookingOf), none)).toThrow('bin A-01 of WH1 would hold 0 units of S1, 2 allocated');
    expect(foldBinStockBatch([received, allocated].map(binStockBookingOf), none).stock.size).toBe(1);
  });
});
