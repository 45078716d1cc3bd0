import { initialWarehouseState } from './warehouse.domain';
import { binContents, binsHoldingSku, binsWaitingForCount, pickList, stockBySku, stockOfSku } from './warehouse-queries.domain';
import { allocated, given, layout, picked, received } from './warehouse.test-helper';

describe('warehouse queries', () => {
  const { state } = given(
    layout,
    received('S2', 4, 'A-02'),
    received('S1', 6, 'A-01'),
    received('S1', 2, 'A-02'),
    received('S1', 3),
    allocated('O1', 'L1', 'S1', [
      { bin: 'A-01', quantity: 6 },
      { bin: 'A-02', quantity: 1 },
    ]),
    picked('O1', 'L1', 'S1', 'A-01', 4),
  );

  it('totals on hand, allocated and available per SKU, by SKU', () => {
    expect(stockBySku(state)).toEqual([
      { sku: 'S1', onHand: 11, allocated: 7, available: 4, onHold: 0 },
      { sku: 'S2', onHand: 4, allocated: 0, available: 4, onHold: 0 },
    ]);
    expect(stockOfSku(state, 'S9')).toEqual({ sku: 'S9', onHand: 0, allocated: 0, available: 0, onHold: 0 });
  });

  it('lists the contents of a bin, every SKU in it, and whether it waits for a count', () => {
    expect(binContents(state, 'A-02')).toEqual({
      bin: 'A-02',
      kind: 'storage',
      zone: 'A',
      capacity: 10,
      units: 6,
      waitingForCount: false,
      skus: [
        { sku: 'S1', onHand: 2, allocated: 1, available: 1 },
        { sku: 'S2', onHand: 4, allocated: 0, available: 4 },
      ],
    });
    expect(binContents(state, 'STAGING')).toEqual({ bin: 'STAGING', kind: 'staging', units: 4, waitingForCount: false, skus: [{ sku: 'S1', onHand: 4, allocated: 4, available: 0 }] });
    expect(binContents(state, 'B-01')).toMatchObject({ units: 0, skus: [] });
    expect(binContents(state, 'Z-9')).toBeUndefined();
  });

  it('finds the bins that hold a SKU, by bin code', () => {
    expect(binsHoldingSku(state, 'S1')).toEqual([
      { bin: 'A-01', sku: 'S1', onHand: 2, allocated: 2, available: 0 },
      { bin: 'A-02', sku: 'S1', onHand: 2, allocated: 1, available: 1 },
      { bin: 'DOCK', sku: 'S1', onHand: 3, allocated: 0, available: 3 },
      { bin: 'STAGING', sku: 'S1', onHand: 4, allocated: 4, available: 0 },
    ]);
    expect(binsHoldingSku(state, 'S9')).toEqual([]);
  });

  it('gives the pick list of an order line: bins and quantities still to pick, and what is staged', () => {
    expect(pickList(state, 'O1', 'L1')).toEqual({
      orderId: 'O1',
      lineId: 'L1',
      sku: 'S1',
      requested: 7,
      toPick: [
        { bin: 'A-01', quantity: 2 },
        { bin: 'A-02', quantity: 1 },
      ],
      staged: 4,
    });
    expect(pickList(state, 'O1', 'L2')).toBeUndefined();
  });

  it('answers with nothing before the warehouse exists', () => {
    expect(stockBySku(initialWarehouseState)).toEqual([]);
    expect(binContents(initialWarehouseState, 'DOCK')).toBeUndefined();
    expect(binsHoldingSku(initialWarehouseState, 'S1')).toEqual([]);
    expect(pickList(initialWarehouseState, 'O1', 'L1')).toBeUndefined();
    expect(binsWaitingForCount(initialWarehouseState)).toEqual([]);
  });

  it('does not mistake a prototype property for a bin, SKU or order line', () => {
    expect(binContents(state, 'constructor')).toBeUndefined();
    expect(binsHoldingSku(state, 'toString')).toEqual([]);
    expect(pickList(state, '__proto__', 'L1')).toBeUndefined();
    const odd = given(layout, received('__proto__', 2, 'A-01'), received('constructor', 1, 'A-01'), allocated('__proto__', 'L1', '__proto__', [{ bin: 'A-01', quantity: 2 }])).state;
    expect(stockBySku(odd)).toEqual([
      { sku: '__proto__', onHand: 2, allocated: 2, available: 0, onHold: 0 },
      { sku: 'constructor', onHand: 1, allocated: 0, available: 1, onHold: 0 },
    ]);
    expect(pickList(odd, '__proto__', 'L1')?.toPick).toEqual([{ bin: 'A-01', quantity: 2 }]);
  });
});
