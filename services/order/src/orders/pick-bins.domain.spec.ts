import { pickBinChange } from './pick-bins.domain';

const line = { orderId: 'O1', lineId: 'L1#2', sku: 'SKU-1' };

describe("the order's view of its pick list, from warehouse events", () => {
  it('books allocations, picks, short picks and releases per bin, for the order line of the attempt', () => {
    expect(pickBinChange({ type: 'warehouse.StockAllocated', data: { ...line, allocations: [{ bin: 'A-01', quantity: 20 }, { bin: 'A-02', quantity: 10 }] } })).toEqual({
      orderId: 'O1',
      lineId: 'L1',
      allocationLineId: 'L1#2',
      bins: [{ bin: 'A-01', quantity: 20 }, { bin: 'A-02', quantity: 10 }],
    });
    expect(pickBinChange({ type: 'warehouse.StockPicked', data: { ...line, bin: 'A-01', quantity: 15 } })?.bins).toEqual([{ bin: 'A-01', quantity: -15 }]);
    expect(pickBinChange({ type: 'warehouse.PickShorted', data: { ...line, bin: 'A-01', shortQuantity: 5, reallocations: [{ bin: 'A-02', quantity: 5 }] } })?.bins).toEqual([
      { bin: 'A-01', quantity: -5 },
      { bin: 'A-02', quantity: 5 },
    ]);
    expect(pickBinChange({ type: 'warehouse.AllocationShorted', data: { ...line, bin: 'STAGING', quantity: 2 } })?.bins).toEqual([]);
    expect(pickBinChange({ type: 'warehouse.AllocationReleased', data: { ...line, allocations: [{ bin: 'A-02', quantity: 15 }] } })?.bins).toEqual([{ bin: 'A-02', quantity: -15 }]);
  });

  it('ignores allocation lines the order service did not ask for', () => {
    expect(pickBinChange({ type: 'warehouse.StockPicked', data: { ...line, lineId: 'manual', bin: 'A-01', quantity: 1 } })).toBeUndefined();
  });
});
