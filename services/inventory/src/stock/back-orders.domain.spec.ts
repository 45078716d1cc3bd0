import { backOrderChanges } from './back-orders.domain';

describe('back-ordered units per SKU from order events', () => {
  it('grow with a back-order, shrink when a retry asks a warehouse again or the order is cancelled', () => {
    expect(backOrderChanges({ type: 'order.LineBackOrdered', data: { sku: 'A', quantity: 3 } })).toEqual([{ sku: 'A', delta: 3 }]);
    expect(backOrderChanges({ type: 'order.AllocationRequested', data: { sku: 'A', quantity: 2, retry: true } })).toEqual([{ sku: 'A', delta: -2 }]);
    expect(backOrderChanges({ type: 'order.AllocationRequested', data: { sku: 'A', quantity: 2, retry: false } })).toEqual([]);
    const backOrdersCancelled = [
      { sku: 'A', quantity: 1 },
      { sku: 'B', quantity: 4 },
      { sku: 'A', quantity: 2 },
    ];
    expect(backOrderChanges({ type: 'order.OrderCancelled', data: { backOrdersCancelled } })).toEqual([
      { sku: 'A', delta: -3 },
      { sku: 'B', delta: -4 },
    ]);
  });
});
