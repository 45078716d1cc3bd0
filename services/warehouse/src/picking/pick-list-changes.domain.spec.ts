import { allocateStock, confirmPick, dispatchStock, releaseAllocation } from '../stock/allocation.domain';
import { lineKey, STAGING, type Warehouse, type WarehouseEvent } from '../stock/warehouse-model.domain';
import { decideWarehouse, initialWarehouseState, evolveWarehouse } from '../stock/warehouse.domain';
import { keyedGet } from '../stock/key-set.domain';
import { pickListChange } from './pick-list-changes.domain';

/** Folds pick-list changes as the read model does: per line, units to pick per bin and units staged. */
function fold(events: readonly WarehouseEvent[]): Map<string, { bins: Map<string, number>; staged: number }> {
  const lines = new Map<string, { bins: Map<string, number>; staged: number }>();
  for (const event of events) {
    const change = pickListChange(event);
    if (!change) continue;
    const line = lines.get(lineKey(change.orderId, change.lineId)) ?? { bins: new Map(), staged: 0 };
    for (const { bin, quantity } of change.toPick) {
      const left = (line.bins.get(bin) ?? 0) + quantity;
      if (left === 0) line.bins.delete(bin);
      else line.bins.set(bin, left);
    }
    line.staged += change.staged;
    lines.set(lineKey(change.orderId, change.lineId), line);
  }
  return lines;
}

describe('pick-list changes of warehouse events', () => {
  it('follow the warehouse stream: allocation, a short pick re-allocated, a pick, a dispatch, a release', () => {
    const log: WarehouseEvent[] = [];
    let w = initialWarehouseState;
    const run = (events: WarehouseEvent[]) => {
      log.push(...events);
      w = events.reduce(evolveWarehouse, w);
      // After every decision the fold equals the stream's own bookkeeping of the line.
      const line = keyedGet((w as Warehouse).lines, lineKey('O1', 'L1#1'));
      if (line) {
        const folded = fold(log).get(lineKey('O1', 'L1#1'))!;
        expect(Object.fromEntries(folded.bins)).toEqual(Object.fromEntries(Object.entries(line.bins).filter(([bin, n]) => bin !== STAGING && n > 0)));
        expect(folded.staged).toBe(line.bins[STAGING] ?? 0);
      }
      return w as Warehouse;
    };
    run(decideWarehouse({ type: 'CreateWarehouse', code: 'WH1', name: 'Main' }, w));
    for (const code of ['A-01', 'A-02']) run(decideWarehouse({ type: 'AddBin', code, capacity: 20 }, w));
    run(decideWarehouse({ type: 'ReceiveStock', receiptId: 'R1', sku: 'SKU-1', quantity: 40 }, w));
    run(decideWarehouse({ type: 'PutAway', sku: 'SKU-1', quantity: 20, fromBin: 'DOCK', toBin: 'A-01' }, w));
    run(decideWarehouse({ type: 'PutAway', sku: 'SKU-1', quantity: 20, fromBin: 'DOCK', toBin: 'A-02' }, w));
    run(allocateStock({ type: 'AllocateStock', orderId: 'O1', lineId: 'L1#1', sku: 'SKU-1', quantity: 30 }, w as Warehouse));
    expect([...fold(log).get(lineKey('O1', 'L1#1'))!.bins]).toEqual([['A-01', 20], ['A-02', 10]]);
    run(confirmPick({ type: 'ConfirmPick', orderId: 'O1', lineId: 'L1#1', bin: 'A-01', sku: 'SKU-1', quantity: 20, pickedQuantity: 15 }, w as Warehouse));
    run(confirmPick({ type: 'ConfirmPick', orderId: 'O1', lineId: 'L1#1', bin: 'A-02', sku: 'SKU-1', quantity: 5 }, w as Warehouse));
    run(dispatchStock({ type: 'DispatchStock', orderId: 'O1', lineId: 'L1#1', shipmentId: 'S1' }, w as Warehouse));
    run(releaseAllocation({ type: 'ReleaseAllocation', orderId: 'O1', lineId: 'L1#1' }, w as Warehouse));
    expect(fold(log).get(lineKey('O1', 'L1#1'))).toEqual({ bins: new Map(), staged: 0 });
  });

  it('ignores events that name no order line', () => {
    expect(pickListChange({ type: 'warehouse.StockReceived', data: { receiptId: 'R', sku: 'S', bin: 'DOCK', quantity: 1 } })).toBeUndefined();
  });
});
