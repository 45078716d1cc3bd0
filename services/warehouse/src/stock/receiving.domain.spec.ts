import {
  BinNotAllowed,
  BinNotFound,
  BinOverCapacity,
  InsufficientStock,
  InvalidQuantity,
  NoBinAvailable,
  ReceiptConflict,
} from './warehouse.domain';
import { binContents, binsWaitingForCount, pickList, stockOfSku } from './warehouse-queries.domain';
import { allocated, binAdded, given, layout, picked, received } from './warehouse.test-helper';

describe('receiving and moving stock', () => {
  describe('ReceiveStock', () => {
    it('books a receipt line on the receiving dock, naming the expected receipt (ASN) it fulfils', () => {
      const after = given(layout)
        .when({ type: 'ReceiveStock', receiptId: 'R1', sku: 'S1', quantity: 12, expectedReceiptId: 'ASN-7' })
        .then([{ type: 'warehouse.StockReceived', data: { receiptId: 'R1', sku: 'S1', bin: 'DOCK', quantity: 12, expectedReceiptId: 'ASN-7' } }]);
      expect(stockOfSku(after, 'S1')).toEqual({ sku: 'S1', onHand: 12, allocated: 0, available: 12, onHold: 0 });
    });

    it('receives straight into a storage bin when one is named', () => {
      given(layout)
        .when({ type: 'ReceiveStock', receiptId: 'R1', sku: 'S1', quantity: 4, bin: 'A-01' })
        .then([{ type: 'warehouse.StockReceived', data: { receiptId: 'R1', sku: 'S1', bin: 'A-01', quantity: 4 } }]);
    });

    it('refuses more than the bin has room for, counting every SKU in it', () => {
      given(layout, received('S2', 7, 'A-01'))
        .when({ type: 'ReceiveStock', receiptId: 'R1', sku: 'S1', quantity: 4, bin: 'A-01' })
        .thenThrows(BinOverCapacity, { bin: 'A-01', capacity: 10, wouldHold: 11 });
    });

    it('books a receipt line once: the same line again changes nothing, the same line with another quantity is refused', () => {
      const booked = received('S1', 5, 'DOCK', 'R1');
      given(layout, booked).when({ type: 'ReceiveStock', receiptId: 'R1', sku: 'S1', quantity: 5 }).then([]);
      given(layout, booked).when({ type: 'ReceiveStock', receiptId: 'R1', sku: 'S1', quantity: 6 }).thenThrows(ReceiptConflict, { receiptId: 'R1', sku: 'S1' });
      given(layout, booked)
        .when({ type: 'ReceiveStock', receiptId: 'R1', sku: 'S2', quantity: 5 })
        .then([{ type: 'warehouse.StockReceived', data: { receiptId: 'R1', sku: 'S2', bin: 'DOCK', quantity: 5 } }]);
    });

    it('refuses an unknown bin, STAGING, and a quantity that is not a positive integer', () => {
      given(layout).when({ type: 'ReceiveStock', receiptId: 'R1', sku: 'S1', quantity: 1, bin: 'Z-99' }).thenThrows(BinNotFound, { bin: 'Z-99' });
      given(layout).when({ type: 'ReceiveStock', receiptId: 'R1', sku: 'S1', quantity: 1, bin: 'STAGING' }).thenThrows(BinNotAllowed, { bin: 'STAGING' });
      for (const quantity of [0, -1, 1.5]) {
        given(layout).when({ type: 'ReceiveStock', receiptId: 'R1', sku: 'S1', quantity }).thenThrows(InvalidQuantity, { field: 'quantity', value: quantity });
      }
    });
  });

  describe('PutAway', () => {
    it('puts away to the bin named', () => {
      const after = given(layout, received('S1', 8))
        .when({ type: 'PutAway', sku: 'S1', quantity: 5, fromBin: 'DOCK', toBin: 'B-01' })
        .then([{ type: 'warehouse.StockPutAway', data: { sku: 'S1', fromBin: 'DOCK', toBin: 'B-01', quantity: 5, suggested: false } }]);
      expect(binContents(after, 'DOCK')?.skus).toEqual([{ sku: 'S1', onHand: 3, allocated: 0, available: 3 }]);
      expect(binContents(after, 'B-01')?.units).toBe(5);
    });

    it('suggests a storage bin that already holds the SKU and has room, before an empty one', () => {
      given(layout, received('S1', 2, 'A-02'), received('S1', 5))
        .when({ type: 'PutAway', sku: 'S1', quantity: 5, fromBin: 'DOCK' })
        .then([{ type: 'warehouse.StockPutAway', data: { sku: 'S1', fromBin: 'DOCK', toBin: 'A-02', quantity: 5, suggested: true } }]);
    });

    it('suggests the first empty storage bin with room (by code) when no bin holding the SKU has room', () => {
      given(layout, received('S1', 8, 'A-01'), received('S2', 1, 'A-02'), received('S1', 5))
        .when({ type: 'PutAway', sku: 'S1', quantity: 5, fromBin: 'DOCK' })
        .then([{ type: 'warehouse.StockPutAway', data: { sku: 'S1', fromBin: 'DOCK', toBin: 'B-01', quantity: 5, suggested: true } }]);
    });

    it('does not suggest a bin that waits for a count', () => {
      const waiting = [received('S1', 4, 'A-01'), allocated('O1', 'L1', 'S1', [{ bin: 'A-01', quantity: 4 }])];
      const short = { type: 'warehouse.PickShorted' as const, data: { orderId: 'O1', lineId: 'L1', sku: 'S1', bin: 'A-01', shortQuantity: 4, reallocations: [], unfilledQuantity: 4 } };
      given(layout, waiting, short, received('S1', 2))
        .when({ type: 'PutAway', sku: 'S1', quantity: 2, fromBin: 'DOCK' })
        .then([{ type: 'warehouse.StockPutAway', data: { sku: 'S1', fromBin: 'DOCK', toBin: 'A-02', quantity: 2, suggested: true } }]);
    });

    it('fails with NoBinAvailable when no storage bin can take the units', () => {
      const full = [warehouseOnlyWithSmallBins(), received('S2', 3, 'C-01'), received('S1', 4)].flat();
      given(full).when({ type: 'PutAway', sku: 'S1', quantity: 4, fromBin: 'DOCK' }).thenThrows(NoBinAvailable, { sku: 'S1', quantity: 4 });
    });

    it('puts away unallocated units only', () => {
      given(layout, received('S1', 5), allocated('O1', 'L1', 'S1', [{ bin: 'DOCK', quantity: 3 }]))
        .when({ type: 'PutAway', sku: 'S1', quantity: 3, fromBin: 'DOCK', toBin: 'A-01' })
        .thenThrows(InsufficientStock, { bin: 'DOCK', sku: 'S1', requested: 3, available: 2 });
    });

    it('refuses to put away into the dock, into the bin the units are in, or over capacity', () => {
      given(layout, received('S1', 5, 'A-01')).when({ type: 'PutAway', sku: 'S1', quantity: 1, fromBin: 'A-01', toBin: 'DOCK' }).thenThrows(BinNotAllowed, { bin: 'DOCK' });
      given(layout, received('S1', 5, 'A-01')).when({ type: 'PutAway', sku: 'S1', quantity: 1, fromBin: 'A-01', toBin: 'A-01' }).thenThrows(BinNotAllowed, { bin: 'A-01' });
      given(layout, received('S1', 15)).when({ type: 'PutAway', sku: 'S1', quantity: 11, fromBin: 'DOCK', toBin: 'A-01' }).thenThrows(BinOverCapacity, { wouldHold: 11 });
    });
  });

  describe('MoveStock', () => {
    it('moves unallocated units between bins', () => {
      const after = given(layout, received('S1', 6, 'A-01'))
        .when({ type: 'MoveStock', sku: 'S1', quantity: 6, fromBin: 'A-01', toBin: 'A-02' })
        .then([{ type: 'warehouse.StockMoved', data: { sku: 'S1', fromBin: 'A-01', toBin: 'A-02', quantity: 6 } }]);
      expect(binContents(after, 'A-01')?.skus).toEqual([]);
      expect(binContents(after, 'A-02')?.skus).toEqual([{ sku: 'S1', onHand: 6, allocated: 0, available: 6 }]);
    });

    it('refuses to move allocated units: they are on a pick list', () => {
      given(layout, received('S1', 6, 'A-01'), allocated('O1', 'L1', 'S1', [{ bin: 'A-01', quantity: 4 }]))
        .when({ type: 'MoveStock', sku: 'S1', quantity: 3, fromBin: 'A-01', toBin: 'A-02' })
        .thenThrows(InsufficientStock, { bin: 'A-01', requested: 3, available: 2 });
    });

    it('refuses to overfill the target bin, to move into STAGING or into the same bin, and unknown bins', () => {
      const stocked = [layout, received('S1', 6, 'A-01'), received('S2', 5, 'A-02')].flat();
      given(stocked).when({ type: 'MoveStock', sku: 'S1', quantity: 6, fromBin: 'A-01', toBin: 'A-02' }).thenThrows(BinOverCapacity, { bin: 'A-02', capacity: 10, wouldHold: 11 });
      given(stocked).when({ type: 'MoveStock', sku: 'S1', quantity: 1, fromBin: 'A-01', toBin: 'STAGING' }).thenThrows(BinNotAllowed, { bin: 'STAGING' });
      given(stocked).when({ type: 'MoveStock', sku: 'S1', quantity: 1, fromBin: 'A-01', toBin: 'A-01' }).thenThrows(BinNotAllowed);
      given(stocked).when({ type: 'MoveStock', sku: 'S1', quantity: 1, fromBin: 'A-01', toBin: 'Q-1' }).thenThrows(BinNotFound, { bin: 'Q-1' });
      given(stocked).when({ type: 'MoveStock', sku: 'S1', quantity: 7, fromBin: 'A-01', toBin: 'B-01' }).thenThrows(InsufficientStock, { available: 6 });
    });
  });

  describe('CountBin', () => {
    const count = (countedQuantity: number, bin = 'A-01', countId = 'C1') =>
      ({ type: 'CountBin', countId, bin, sku: 'S1', countedQuantity, reason: 'cycle count' }) as const;

    it('records a count that matches without adjusting stock', () => {
      given(layout, received('S1', 6, 'A-01'))
        .when(count(6))
        .then([{ type: 'warehouse.BinCounted', data: { countId: 'C1', bin: 'A-01', sku: 'S1', countedQuantity: 6, previousQuantity: 6, reason: 'cycle count' } }]);
    });

    it('adjusts stock by the difference it finds, gain or loss', () => {
      const after = given(layout, received('S1', 6, 'A-01'))
        .when(count(8))
        .then([
          { type: 'warehouse.BinCounted', data: { countId: 'C1', bin: 'A-01', sku: 'S1', countedQuantity: 8, previousQuantity: 6, reason: 'cycle count' } },
          { type: 'warehouse.StockAdjusted', data: { countId: 'C1', bin: 'A-01', sku: 'S1', delta: 2, reason: 'cycle count' } },
        ]);
      expect(stockOfSku(after, 'S1').onHand).toBe(8);
      given(layout, received('S1', 6, 'A-01'))
        .when(count(0))
        .then([
          { type: 'warehouse.BinCounted', data: { countId: 'C1', bin: 'A-01', sku: 'S1', countedQuantity: 0, previousQuantity: 6, reason: 'cycle count' } },
          { type: 'warehouse.StockAdjusted', data: { countId: 'C1', bin: 'A-01', sku: 'S1', delta: -6, reason: 'cycle count' } },
        ]);
    });

    it('re-allocates what a loss takes from order lines (newest first) before booking it, and shorts what no bin covers', () => {
      const history = [
        layout,
        received('S1', 6, 'A-01'),
        received('S1', 3, 'A-02'),
        received('S1', 2),
        allocated('O1', 'L1', 'S1', [{ bin: 'A-01', quantity: 4 }]),
        allocated('O2', 'L1', 'S1', [
          { bin: 'A-02', quantity: 3 },
          { bin: 'A-01', quantity: 1 },
        ]),
      ].flat();
      const after = given(history)
        .when(count(1))
        .then([
          { type: 'warehouse.BinCounted', data: { countId: 'C1', bin: 'A-01', sku: 'S1', countedQuantity: 1, previousQuantity: 6, reason: 'cycle count' } },
          { type: 'warehouse.StockReallocated', data: { orderId: 'O2', lineId: 'L1', sku: 'S1', fromBin: 'A-01', quantity: 1, reallocations: [{ bin: 'DOCK', quantity: 1 }] } },
          { type: 'warehouse.StockReallocated', data: { orderId: 'O1', lineId: 'L1', sku: 'S1', fromBin: 'A-01', quantity: 1, reallocations: [{ bin: 'DOCK', quantity: 1 }] } },
          { type: 'warehouse.AllocationShorted', data: { orderId: 'O1', lineId: 'L1', sku: 'S1', bin: 'A-01', quantity: 2 } },
          { type: 'warehouse.StockAdjusted', data: { countId: 'C1', bin: 'A-01', sku: 'S1', delta: -5, reason: 'cycle count' } },
        ]);
      expect(pickList(after, 'O1', 'L1')?.toPick).toEqual([
        { bin: 'A-01', quantity: 1 },
        { bin: 'DOCK', quantity: 1 },
      ]);
      expect(pickList(after, 'O2', 'L1')?.toPick).toEqual([
        { bin: 'A-02', quantity: 3 },
        { bin: 'DOCK', quantity: 1 },
      ]);
      expect(stockOfSku(after, 'S1')).toEqual({ sku: 'S1', onHand: 6, allocated: 6, available: 0, onHold: 0 });
    });

    it('re-allocates picked units a count finds missing in STAGING: they are picked again from a storage bin', () => {
      const history = [layout, received('S1', 5, 'A-01'), received('S1', 2, 'A-02'), allocated('O1', 'L1', 'S1', [{ bin: 'A-01', quantity: 3 }]), picked('O1', 'L1', 'S1', 'A-01', 3)].flat();
      const after = given(history)
        .when(count(1, 'STAGING'))
        .then([
          { type: 'warehouse.BinCounted', data: { countId: 'C1', bin: 'STAGING', sku: 'S1', countedQuantity: 1, previousQuantity: 3, reason: 'cycle count' } },
          { type: 'warehouse.StockReallocated', data: { orderId: 'O1', lineId: 'L1', sku: 'S1', fromBin: 'STAGING', quantity: 2, reallocations: [{ bin: 'A-01', quantity: 2 }] } },
          { type: 'warehouse.StockAdjusted', data: { countId: 'C1', bin: 'STAGING', sku: 'S1', delta: -2, reason: 'cycle count' } },
        ]);
      expect(pickList(after, 'O1', 'L1')).toEqual({ orderId: 'O1', lineId: 'L1', sku: 'S1', requested: 3, toPick: [{ bin: 'A-01', quantity: 2 }], staged: 1 });
    });

    it('clears the count flag a short pick set, and puts the bin back into allocation', () => {
      const short = { type: 'warehouse.PickShorted' as const, data: { orderId: 'O1', lineId: 'L1', sku: 'S1', bin: 'A-01', shortQuantity: 4, reallocations: [], unfilledQuantity: 4 } };
      const history = [layout, received('S1', 4, 'A-01'), allocated('O1', 'L1', 'S1', [{ bin: 'A-01', quantity: 4 }]), short].flat();
      expect(binsWaitingForCount(given(history).state)).toEqual(['A-01']);
      const after = given(history).when(count(4)).then([
        { type: 'warehouse.BinCounted', data: { countId: 'C1', bin: 'A-01', sku: 'S1', countedQuantity: 4, previousQuantity: 4, reason: 'cycle count' } },
      ]);
      expect(binsWaitingForCount(after)).toEqual([]);
      expect(stockOfSku(after, 'S1').onHold).toBe(0);
    });

    it('records a count once: the same countId again changes nothing', () => {
      const counted = { type: 'warehouse.BinCounted' as const, data: { countId: 'C1', bin: 'A-01', sku: 'S1', countedQuantity: 6, previousQuantity: 6, reason: 'cycle count' } };
      given(layout, received('S1', 6, 'A-01'), counted).when(count(2)).then([]);
    });

    it('refuses a count above the bin capacity, a negative count and an unknown bin', () => {
      given(layout, received('S1', 6, 'A-01')).when(count(11)).thenThrows(BinOverCapacity, { bin: 'A-01', capacity: 10, wouldHold: 11 });
      given(layout).when(count(-1)).thenThrows(InvalidQuantity, { field: 'countedQuantity', rule: 'whole number' });
      given(layout).when(count(1, 'X-1')).thenThrows(BinNotFound, { bin: 'X-1' });
    });
  });
});

function warehouseOnlyWithSmallBins() {
  return [layout[0]!, binAdded('C-01', { capacity: 3 }), binAdded('C-02', { capacity: 3 })];
}
