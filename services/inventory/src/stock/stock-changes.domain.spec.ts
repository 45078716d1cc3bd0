import { stockChanges, warehouseOfStream, type WarehouseStockEvent } from './stock-changes.domain';

/** Folds events the way the inventory's read model books them: bin → { onHand, reserved }. */
function fold(events: readonly WarehouseStockEvent[]): Record<string, { onHand: number; reserved: number }> {
  const bins: Record<string, { onHand: number; reserved: number }> = {};
  for (const event of events) {
    for (const c of stockChanges(event)) {
      const before = bins[c.bin] ?? { onHand: 0, reserved: 0 };
      bins[c.bin] = { onHand: before.onHand + c.onHand, reserved: before.reserved + c.reserved };
      if (bins[c.bin]!.onHand === 0 && bins[c.bin]!.reserved === 0) delete bins[c.bin];
    }
  }
  return bins;
}

const total = (bins: ReturnType<typeof fold>) =>
  Object.values(bins).reduce((t, b) => ({ onHand: t.onHand + b.onHand, reserved: t.reserved + b.reserved }), { onHand: 0, reserved: 0 });

describe('stock changes of warehouse events (the inventory totals)', () => {
  const day: WarehouseStockEvent[] = [
    { type: 'warehouse.StockReceived', data: { sku: 'S1', bin: 'DOCK', quantity: 10 } },
    { type: 'warehouse.StockPutAway', data: { sku: 'S1', fromBin: 'DOCK', toBin: 'A-01', quantity: 6 } },
    { type: 'warehouse.StockMoved', data: { sku: 'S1', fromBin: 'DOCK', toBin: 'A-02', quantity: 4 } },
    { type: 'warehouse.StockAllocated', data: { sku: 'S1', allocations: [{ bin: 'A-01', quantity: 6 }, { bin: 'A-02', quantity: 1 }] } },
    { type: 'warehouse.StockPicked', data: { sku: 'S1', bin: 'A-01', quantity: 3 } },
    // The picker found 1 of the 3 left in A-01: 2 re-allocated from A-02.
    { type: 'warehouse.StockPicked', data: { sku: 'S1', bin: 'A-01', quantity: 1 } },
    { type: 'warehouse.PickShorted', data: { sku: 'S1', bin: 'A-01', shortQuantity: 2, reallocations: [{ bin: 'A-02', quantity: 2 }] } },
  ];

  it('books receipts, putaway, moves, allocation and picks per bin', () => {
    expect(fold(day)).toEqual({
      'A-01': { onHand: 2, reserved: 0 },
      'A-02': { onHand: 4, reserved: 3 },
      STAGING: { onHand: 4, reserved: 4 },
    });
    expect(total(fold(day))).toEqual({ onHand: 10, reserved: 7 });
  });

  it('takes dispatched units off on-hand and counted losses off the bin, and releases what is given back', () => {
    const later: WarehouseStockEvent[] = [
      ...day,
      { type: 'warehouse.StockDispatched', data: { sku: 'S1', quantity: 4 } },
      { type: 'warehouse.StockAdjusted', data: { sku: 'S1', bin: 'A-01', delta: -2 } },
      { type: 'warehouse.StockReallocated', data: { sku: 'S1', fromBin: 'A-02', reallocations: [] } },
      { type: 'warehouse.AllocationShorted', data: { sku: 'S1', bin: 'A-02', quantity: 1 } },
      { type: 'warehouse.AllocationReleased', data: { sku: 'S1', allocations: [{ bin: 'A-02', quantity: 2 }], stagedQuantity: 0 } },
    ];
    expect(fold(later)).toEqual({ 'A-02': { onHand: 4, reserved: 0 } });
    expect(total(fold(later))).toEqual({ onHand: 4, reserved: 0 });
  });

  it('changes no warehouse total for a move inside the warehouse', () => {
    const changes = stockChanges({ type: 'warehouse.StockMoved', data: { sku: 'S1', fromBin: 'A-01', toBin: 'A-02', quantity: 5 } });
    expect(changes.reduce((n, c) => n + c.onHand, 0)).toBe(0);
    expect(changes).toHaveLength(2);
  });

  it('reads the warehouse from the stream id', () => {
    expect(warehouseOfStream('warehouse-WH1')).toBe('WH1');
  });
});
