import { commandsFor } from './order-messages.domain';

const ref = { orderId: 'O1', lineId: 'L1', sku: 'SKU-1', attempt: 2, allocationLineId: 'L1#2', warehouse: 'WH2' };

describe('what order events ask of the warehouses', () => {
  it('an allocation request allocates the attempt, by its line id, in the warehouse asked', () => {
    expect(commandsFor({ type: 'order.AllocationRequested', data: { ...ref, quantity: 5 } })).toEqual([
      { warehouse: 'WH2', command: { type: 'AllocateStock', orderId: 'O1', lineId: 'L1#2', sku: 'SKU-1', quantity: 5 } },
    ]);
  });

  it('a cancel releases every attempt that holds units, each in its own warehouse', () => {
    const releases = [
      { allocationLineId: 'L1#1', warehouse: 'WH1', quantity: 3 },
      { allocationLineId: 'L2#1', warehouse: 'WH2', quantity: 1 },
    ];
    expect(commandsFor({ type: 'order.OrderCancelled', data: { orderId: 'O1', releases } })).toEqual([
      { warehouse: 'WH1', command: { type: 'ReleaseAllocation', orderId: 'O1', lineId: 'L1#1' } },
      { warehouse: 'WH2', command: { type: 'ReleaseAllocation', orderId: 'O1', lineId: 'L2#1' } },
    ]);
  });

  it('a late answer to a cancelled order is released, unless nothing was allocated', () => {
    expect(commandsFor({ type: 'order.LateAllocationReleased', data: { ...ref, quantity: 2 } })).toEqual([
      { warehouse: 'WH2', command: { type: 'ReleaseAllocation', orderId: 'O1', lineId: 'L1#2' } },
    ]);
    expect(commandsFor({ type: 'order.LateAllocationReleased', data: { ...ref, quantity: 0 } })).toEqual([]);
  });
});
