import type { TransferEvent } from './transfer.domain';
import { evolveTransferRow, transferIdOf, viewOfStream, type TransferRow, type WarehouseLineEvent } from './transfer-view.domain';
import { given, inTransitT1, transferDiscrepancy, transferDispatched, transferPicked, transferReceived, transferRequested } from './transfer.test-helper';
import type { Transfer } from './transfer.domain';

const line = { orderId: 'transfer-T1', lineId: 'transfer-T1', sku: 'S1' };
const fold = (...events: readonly (TransferEvent | WarehouseLineEvent)[]): TransferRow | null => events.reduce<TransferRow | null>(evolveTransferRow, null);

const allocatedAtSource: WarehouseLineEvent = {
  type: 'warehouse.StockAllocated',
  data: { ...line, requested: 6, allocations: [{ bin: 'A-02', quantity: 1 }, { bin: 'A-01', quantity: 4 }], shortQuantity: 1 },
};
const pickedAtSource = (bin: string, quantity: number): WarehouseLineEvent => ({ type: 'warehouse.StockPicked', data: { ...line, bin, quantity } });

describe('the transfer as GET /transfers/:id shows it', () => {
  it('starts when requested, and knows its transfer from its own events and from the source line', () => {
    expect(fold(transferRequested)?.view).toEqual({
      transferId: 'T1',
      sku: 'S1',
      quantity: 6,
      fromWarehouse: 'WH1',
      toWarehouse: 'WH2',
      status: 'requested',
      pickListId: 'transfer-T1',
      picked: 0,
      dispatched: 0,
    });
    expect(transferIdOf(transferRequested)).toBe('T1');
    expect(transferIdOf(allocatedAtSource)).toBe('T1');
    expect(transferIdOf({ type: 'warehouse.StockPicked', data: { orderId: 'O1', lineId: 'L1#1', sku: 'S1', bin: 'A-01', quantity: 1 } })).toBeUndefined();
    expect(fold(allocatedAtSource)).toBeNull(); // no transfer, no row
  });

  it('shows what the source allocated, what is short, and the bins still to pick', () => {
    const row = fold(transferRequested, allocatedAtSource)!;
    expect(row.view).toMatchObject({ allocated: 5, short: 1, pickList: [{ bin: 'A-01', quantity: 4 }, { bin: 'A-02', quantity: 1 }] });
    const picked = fold(transferRequested, allocatedAtSource, pickedAtSource('A-01', 4))!;
    expect(picked).toMatchObject({ pickedAtSource: 4, view: { picked: 0, pickList: [{ bin: 'A-02', quantity: 1 }] } });
    expect(fold(transferRequested, allocatedAtSource, pickedAtSource('A-01', 4), transferPicked(4, 4))!.view.picked).toBe(4);
  });

  it('follows a short pick re-allocated or left unfilled, a count taking units away, and the release at dispatch', () => {
    const shortPick: WarehouseLineEvent = { type: 'warehouse.PickShorted', data: { ...line, bin: 'A-01', shortQuantity: 3, reallocations: [{ bin: 'B-01', quantity: 2 }], unfilledQuantity: 1 } };
    const afterShort = fold(transferRequested, allocatedAtSource, pickedAtSource('A-01', 1), shortPick)!;
    expect(afterShort.view).toMatchObject({ allocated: 4, short: 2, pickList: [{ bin: 'A-02', quantity: 1 }, { bin: 'B-01', quantity: 2 }] });
    const counted: WarehouseLineEvent = { type: 'warehouse.AllocationShorted', data: { ...line, bin: 'B-01', quantity: 2 } };
    const released: WarehouseLineEvent = { type: 'warehouse.AllocationReleased', data: { ...line, allocations: [{ bin: 'A-02', quantity: 1 }], stagedQuantity: 0 } };
    const end = fold(transferRequested, allocatedAtSource, pickedAtSource('A-01', 1), shortPick, counted, transferPicked(1, 1), transferDispatched(1), released)!;
    expect(end.view).toMatchObject({ status: 'dispatched', allocated: 1, short: 5, picked: 1, dispatched: 1, pickList: [] });
  });

  it('shows the dispatch, the receipt and the discrepancy', () => {
    const received = fold(...inTransitT1, transferReceived(5, 6), transferDiscrepancy(6, 5))!;
    expect(received.view).toMatchObject({ status: 'received', dispatched: 6, received: 5, dispatchedAt: expect.any(String), discrepancy: { dispatched: 6, received: 5, difference: -1 } });
    expect(fold(...inTransitT1, transferReceived(6, 6))!.view.discrepancy).toBeUndefined();
  });

  it('answers a command from the stream with the same fields', () => {
    const state = given(...inTransitT1, transferReceived(5, 6), transferDiscrepancy(6, 5)).state as Transfer;
    const { pickList: _p, allocated: _a, short: _s, ...fromReadModel } = fold(...inTransitT1, transferReceived(5, 6), transferDiscrepancy(6, 5))!.view;
    expect(viewOfStream(state)).toEqual(fromReadModel);
  });
});
