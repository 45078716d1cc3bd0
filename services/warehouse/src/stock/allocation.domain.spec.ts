import {
  AllocationConflict,
  decideWarehouse,
  evolveWarehouse,
  InvalidQuantity,
  NothingStaged,
  OverPick,
  UnknownAllocation,
  type Warehouse,
  type WarehouseEvent,
} from './warehouse.domain';
import { binContents, binsWaitingForCount, pickList, stockOfSku } from './warehouse-queries.domain';
import { allocated, given, layout, picked, received } from './warehouse.test-helper';

const allocate = (quantity: number, orderId = 'O1', lineId = 'L1', sku = 'S1') => ({ type: 'AllocateStock', orderId, lineId, sku, quantity }) as const;
const pick = (bin: string, quantity: number, pickedQuantity?: number) =>
  ({ type: 'ConfirmPick', orderId: 'O1', lineId: 'L1', bin, sku: 'S1', quantity, ...(pickedQuantity === undefined ? {} : { pickedQuantity }) }) as const;
const dispatch = (shipmentId = 'SH1') => ({ type: 'DispatchStock', orderId: 'O1', lineId: 'L1', shipmentId }) as const;
const release = { type: 'ReleaseAllocation', orderId: 'O1', lineId: 'L1' } as const;

/** S1: A-01 holds 6, A-02 holds 3, B-01 holds 6, the dock 5. */
const stocked = [layout, received('S1', 6, 'A-01'), received('S1', 3, 'A-02'), received('S1', 6, 'B-01'), received('S1', 5)].flat();

describe('allocating and picking', () => {
  describe('AllocateStock', () => {
    it('costs a long-lived warehouse the same after thousands of orders: an allocation copies one bucket of the lines, not all of them', () => {
      const many = Array.from({ length: 3_000 }, (_, i) => allocated(`O-${i}`, 'L1', 'S1', [{ bin: 'DOCK', quantity: 1 }]));
      const before = given([layout, received('S1', 4_000)].flat(), many).state as Warehouse;
      const after = evolveWarehouse(before, allocated('O-new', 'L1', 'S1', [{ bin: 'DOCK', quantity: 1 }])) as Warehouse;
      const buckets = (w: Warehouse) => Object.values(w.lines).flatMap((group) => Object.values(group));
      const copied = buckets(after).filter((bucket) => !buckets(before).includes(bucket));
      expect(copied).toHaveLength(1); // the new line's bucket; the other buckets are shared with the state before
      expect(Object.keys(copied[0]!).length).toBeLessThan(100); // ~3,000 lines over 256 buckets
      expect(pickList(after, 'O-new', 'L1')?.toPick).toEqual([{ bin: 'DOCK', quantity: 1 }]);
      expect(pickList(after, 'O-2999', 'L1')?.toPick).toEqual([{ bin: 'DOCK', quantity: 1 }]);
      expect(stockOfSku(after, 'S1')).toMatchObject({ onHand: 4_000, allocated: 3_001 });
    });

    it('allocates from the storage bin with the most units available, ties by bin code', () => {
      const after = given(stocked)
        .when(allocate(5))
        .then([{ type: 'warehouse.StockAllocated', data: { orderId: 'O1', lineId: 'L1', sku: 'S1', requested: 5, allocations: [{ bin: 'A-01', quantity: 5 }], shortQuantity: 0 } }]);
      expect(stockOfSku(after, 'S1')).toEqual({ sku: 'S1', onHand: 20, allocated: 5, available: 15, onHold: 0 });
      expect(pickList(after, 'O1', 'L1')).toEqual({ orderId: 'O1', lineId: 'L1', sku: 'S1', requested: 5, toPick: [{ bin: 'A-01', quantity: 5 }], staged: 0 });
    });

    it('uses the fewest bins, and dock stock only after every storage bin', () => {
      given(stocked)
        .when(allocate(17))
        .then([
          {
            type: 'warehouse.StockAllocated',
            data: {
              orderId: 'O1',
              lineId: 'L1',
              sku: 'S1',
              requested: 17,
              allocations: [
                { bin: 'A-01', quantity: 6 },
                { bin: 'B-01', quantity: 6 },
                { bin: 'A-02', quantity: 3 },
                { bin: 'DOCK', quantity: 2 },
              ],
              shortQuantity: 0,
            },
          },
        ]);
    });

    it('allocates what there is and reports the rest short, for the order service to back-order', () => {
      given(layout, received('S1', 3, 'A-01'))
        .when(allocate(5))
        .then([{ type: 'warehouse.StockAllocated', data: { orderId: 'O1', lineId: 'L1', sku: 'S1', requested: 5, allocations: [{ bin: 'A-01', quantity: 3 }], shortQuantity: 2 } }]);
    });

    it('still answers with nothing available: no bins, all of it short', () => {
      given(layout)
        .when(allocate(4))
        .then([{ type: 'warehouse.StockAllocated', data: { orderId: 'O1', lineId: 'L1', sku: 'S1', requested: 4, allocations: [], shortQuantity: 4 } }]);
    });

    it('gives the last unit to exactly one of two racing order lines: the second decides on the stream the first appended to', () => {
      const lastUnit = [layout, received('S1', 1, 'A-01')].flat();
      const winner = allocated('O1', 'L1', 'S1', [{ bin: 'A-01', quantity: 1 }]);
      given(lastUnit).when(allocate(1, 'O1')).then([winner]);
      given(lastUnit, winner)
        .when(allocate(1, 'O2'))
        .then([{ type: 'warehouse.StockAllocated', data: { orderId: 'O2', lineId: 'L1', sku: 'S1', requested: 1, allocations: [], shortQuantity: 1 } }]);
    });

    it('does not allocate units waiting in STAGING or in a bin that waits for a count', () => {
      const short: WarehouseEvent = { type: 'warehouse.PickShorted', data: { orderId: 'O9', lineId: 'L1', sku: 'S1', bin: 'A-01', shortQuantity: 1, reallocations: [], unfilledQuantity: 1 } };
      const releasedInStaging: WarehouseEvent[] = [
        allocated('O8', 'L1', 'S1', [{ bin: 'A-02', quantity: 2 }]),
        picked('O8', 'L1', 'S1', 'A-02', 2),
        { type: 'warehouse.AllocationReleased', data: { orderId: 'O8', lineId: 'L1', sku: 'S1', allocations: [], stagedQuantity: 2 } },
      ];
      const history = [layout, received('S1', 4, 'A-01'), received('S1', 2, 'A-02'), allocated('O9', 'L1', 'S1', [{ bin: 'A-01', quantity: 1 }]), short, releasedInStaging].flat();
      const state = given(history).state;
      expect(stockOfSku(state, 'S1')).toEqual({ sku: 'S1', onHand: 6, allocated: 0, available: 6, onHold: 6 });
      given(history)
        .when(allocate(1))
        .then([{ type: 'warehouse.StockAllocated', data: { orderId: 'O1', lineId: 'L1', sku: 'S1', requested: 1, allocations: [], shortQuantity: 1 } }]);
    });

    it('allocates a line once: the same request again changes nothing, also after the line was released', () => {
      const line = allocated('O1', 'L1', 'S1', [{ bin: 'A-01', quantity: 5 }]);
      given(stocked, line).when(allocate(5)).then([]);
      const released: WarehouseEvent = { type: 'warehouse.AllocationReleased', data: { orderId: 'O1', lineId: 'L1', sku: 'S1', allocations: [{ bin: 'A-01', quantity: 5 }], stagedQuantity: 0 } };
      given(stocked, line, released).when(allocate(5)).then([]);
    });

    it('refuses the same line with another quantity or SKU, and a quantity that is not a positive integer', () => {
      const line = allocated('O1', 'L1', 'S1', [{ bin: 'A-01', quantity: 5 }]);
      given(stocked, line).when(allocate(6)).thenThrows(AllocationConflict, { orderId: 'O1', lineId: 'L1' });
      given(stocked, line).when(allocate(5, 'O1', 'L1', 'S2')).thenThrows(AllocationConflict);
      given(stocked).when(allocate(0)).thenThrows(InvalidQuantity, { field: 'quantity', value: 0 });
    });
  });

  describe('ReleaseAllocation', () => {
    it('gives back the bins not yet picked, and leaves picked units unallocated in STAGING to be put away', () => {
      const history = [stocked, allocated('O1', 'L1', 'S1', [{ bin: 'A-01', quantity: 6 }, { bin: 'B-01', quantity: 2 }]), picked('O1', 'L1', 'S1', 'A-01', 6)].flat();
      const after = given(history)
        .when(release)
        .then([{ type: 'warehouse.AllocationReleased', data: { orderId: 'O1', lineId: 'L1', sku: 'S1', allocations: [{ bin: 'B-01', quantity: 2 }], stagedQuantity: 6 } }]);
      expect(stockOfSku(after, 'S1')).toEqual({ sku: 'S1', onHand: 20, allocated: 0, available: 20, onHold: 6 });
      expect(binContents(after, 'STAGING')?.skus).toEqual([{ sku: 'S1', onHand: 6, allocated: 0, available: 6 }]);
      expect(pickList(after, 'O1', 'L1')).toMatchObject({ toPick: [], staged: 0 });
    });

    it('changes nothing for a line that holds nothing any more (a retried release)', () => {
      given(stocked, allocated('O1', 'L1', 'S1', [], 3)).when(release).then([]);
    });

    it('refuses a line never allocated here', () => {
      given(stocked).when(release).thenThrows(UnknownAllocation, { orderId: 'O1', lineId: 'L1' });
    });
  });

  describe('ConfirmPick', () => {
    const line = allocated('O1', 'L1', 'S1', [{ bin: 'A-01', quantity: 5 }]);

    it('moves the picked units from the bin to STAGING, still allocated to the line', () => {
      const after = given(stocked, line).when(pick('A-01', 5)).then([picked('O1', 'L1', 'S1', 'A-01', 5)]);
      expect(binContents(after, 'A-01')?.skus).toEqual([{ sku: 'S1', onHand: 1, allocated: 0, available: 1 }]);
      expect(binContents(after, 'STAGING')?.skus).toEqual([{ sku: 'S1', onHand: 5, allocated: 5, available: 0 }]);
      expect(pickList(after, 'O1', 'L1')).toMatchObject({ toPick: [], staged: 5 });
      expect(stockOfSku(after, 'S1')).toMatchObject({ onHand: 20, allocated: 5 });
    });

    it('picks part of a bin when the picker was sent for part of it, leaving the rest on the pick list', () => {
      const after = given(stocked, line).when(pick('A-01', 2)).then([picked('O1', 'L1', 'S1', 'A-01', 2)]);
      expect(pickList(after, 'O1', 'L1')).toMatchObject({ toPick: [{ bin: 'A-01', quantity: 3 }], staged: 2 });
    });

    it('re-allocates a short pick from other bins in the same decision and puts the bin on hold for a count', () => {
      const after = given(stocked, line)
        .when(pick('A-01', 5, 2))
        .then([
          picked('O1', 'L1', 'S1', 'A-01', 2),
          { type: 'warehouse.PickShorted', data: { orderId: 'O1', lineId: 'L1', sku: 'S1', bin: 'A-01', shortQuantity: 3, reallocations: [{ bin: 'B-01', quantity: 3 }], unfilledQuantity: 0 } },
        ]);
      expect(pickList(after, 'O1', 'L1')).toMatchObject({ toPick: [{ bin: 'B-01', quantity: 3 }], staged: 2 });
      expect(binsWaitingForCount(after)).toEqual(['A-01']);
      // the missing units are not assumed gone: the count decides
      expect(binContents(after, 'A-01')).toMatchObject({ waitingForCount: true, skus: [{ sku: 'S1', onHand: 4, allocated: 0, available: 4 }] });
      expect(stockOfSku(after, 'S1')).toEqual({ sku: 'S1', onHand: 20, allocated: 5, available: 15, onHold: 4 });
    });

    it('reports what no other bin can cover as unfilled, and picks nothing when the bin is empty', () => {
      given(layout, received('S1', 5, 'A-01'), received('S1', 1, 'A-02'), line)
        .when(pick('A-01', 5, 0))
        .then([
          { type: 'warehouse.PickShorted', data: { orderId: 'O1', lineId: 'L1', sku: 'S1', bin: 'A-01', shortQuantity: 5, reallocations: [{ bin: 'A-02', quantity: 1 }], unfilledQuantity: 4 } },
        ]);
    });

    it('shorts the whole of what the line held in the bin, not only the part the picker was sent for', () => {
      given(stocked, line)
        .when(pick('A-01', 2, 1))
        .then([
          picked('O1', 'L1', 'S1', 'A-01', 1),
          { type: 'warehouse.PickShorted', data: { orderId: 'O1', lineId: 'L1', sku: 'S1', bin: 'A-01', shortQuantity: 4, reallocations: [{ bin: 'B-01', quantity: 4 }], unfilledQuantity: 0 } },
        ]);
    });

    it('refuses to pick more than the line holds in the bin, a bin not on the pick list, or more than confirmed', () => {
      given(stocked, line).when(pick('A-01', 6)).thenThrows(OverPick, { code: 'OverPick', bin: 'A-01', quantity: 6, allowed: 5, rule: 'more than allocated in the bin' });
      given(stocked, line).when(pick('B-01', 1)).thenThrows(OverPick, { bin: 'B-01', rule: 'bin not on the pick list' });
      given(stocked, line).when(pick('A-01', 3, 4)).thenThrows(OverPick, { quantity: 4, allowed: 3, rule: 'picked more than sent for' });
      given(stocked, line, picked('O1', 'L1', 'S1', 'A-01', 5)).when(pick('STAGING', 1)).thenThrows(OverPick, { bin: 'STAGING', rule: 'bin not on the pick list' });
    });

    it('refuses an unknown line, another SKU, and bad quantities', () => {
      given(stocked).when(pick('A-01', 1)).thenThrows(UnknownAllocation);
      given(stocked, line).when({ ...pick('A-01', 1), sku: 'S2' }).thenThrows(UnknownAllocation, { sku: 'S2' });
      given(stocked, line).when(pick('A-01', 0)).thenThrows(InvalidQuantity, { field: 'quantity' });
      given(stocked, line).when(pick('A-01', 2, -1)).thenThrows(InvalidQuantity, { field: 'pickedQuantity', rule: 'whole number' });
    });
  });

  describe('DispatchStock', () => {
    const line = allocated('O1', 'L1', 'S1', [{ bin: 'A-01', quantity: 5 }]);

    it('removes the staged units from STAGING and from on-hand', () => {
      const after = given(stocked, line, picked('O1', 'L1', 'S1', 'A-01', 5))
        .when(dispatch())
        .then([{ type: 'warehouse.StockDispatched', data: { orderId: 'O1', lineId: 'L1', sku: 'S1', quantity: 5, shipmentId: 'SH1' } }]);
      expect(stockOfSku(after, 'S1')).toEqual({ sku: 'S1', onHand: 15, allocated: 0, available: 15, onHold: 0 });
      expect(binContents(after, 'STAGING')?.skus).toEqual([]);
    });

    it('ships what is picked and leaves the rest on the pick list for a later shipment', () => {
      const after = given(stocked, line, picked('O1', 'L1', 'S1', 'A-01', 2))
        .when(dispatch())
        .then([{ type: 'warehouse.StockDispatched', data: { orderId: 'O1', lineId: 'L1', sku: 'S1', quantity: 2, shipmentId: 'SH1' } }]);
      expect(pickList(after, 'O1', 'L1')).toMatchObject({ toPick: [{ bin: 'A-01', quantity: 3 }], staged: 0 });
    });

    it('ships at most the quantity asked for, leaving the other staged units held by the line', () => {
      const after = given(stocked, line, picked('O1', 'L1', 'S1', 'A-01', 5))
        .when({ ...dispatch(), quantity: 3 })
        .then([{ type: 'warehouse.StockDispatched', data: { orderId: 'O1', lineId: 'L1', sku: 'S1', quantity: 3, shipmentId: 'SH1' } }]);
      expect(pickList(after, 'O1', 'L1')).toMatchObject({ toPick: [], staged: 2 });
      given(stocked, line, picked('O1', 'L1', 'S1', 'A-01', 2))
        .when({ ...dispatch(), quantity: 3 })
        .then([{ type: 'warehouse.StockDispatched', data: { orderId: 'O1', lineId: 'L1', sku: 'S1', quantity: 2, shipmentId: 'SH1' } }]);
      given(stocked, line, picked('O1', 'L1', 'S1', 'A-01', 2)).when({ ...dispatch(), quantity: 0 }).thenThrows(InvalidQuantity, { field: 'quantity' });
    });

    it('dispatches a line once per shipment: a retried dispatch changes nothing', () => {
      const shipped: WarehouseEvent = { type: 'warehouse.StockDispatched', data: { orderId: 'O1', lineId: 'L1', sku: 'S1', quantity: 5, shipmentId: 'SH1' } };
      given(stocked, line, picked('O1', 'L1', 'S1', 'A-01', 5), shipped).when(dispatch()).then([]);
    });

    it('refuses a line with nothing staged, and an unknown line', () => {
      given(stocked, line).when(dispatch()).thenThrows(NothingStaged, { orderId: 'O1', lineId: 'L1' });
      given(stocked).when(dispatch()).thenThrows(UnknownAllocation);
    });
  });

  it('follows a unit from the dock to the truck', () => {
    const commands = [
      { type: 'ReceiveStock', receiptId: 'R1', sku: 'S1', quantity: 8 },
      { type: 'PutAway', sku: 'S1', quantity: 8, fromBin: 'DOCK' },
      allocate(3),
      pick('A-01', 3),
      dispatch(),
    ] as const;
    let history: WarehouseEvent[] = [...layout];
    for (const command of commands) {
      history = [...history, ...decideWarehouse(command, given(history).state)];
    }
    expect(history.slice(layout.length).map((e) => e.type)).toEqual([
      'warehouse.StockReceived',
      'warehouse.StockPutAway',
      'warehouse.StockAllocated',
      'warehouse.StockPicked',
      'warehouse.StockDispatched',
    ]);
    expect(stockOfSku(given(history).state, 'S1')).toEqual({ sku: 'S1', onHand: 5, allocated: 0, available: 5, onHold: 0 });
  });
});
