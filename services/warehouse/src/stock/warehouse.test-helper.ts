import {
  decideWarehouse,
  evolveWarehouse,
  initialWarehouseState,
  type Bin,
  type BinQuantity,
  type EventOf,
  type WarehouseCommand,
  type WarehouseError,
  type WarehouseEvent,
  type WarehouseState,
} from './warehouse.domain';

/**
 * given(past events).when(command).then(new events) — `then` returns the state after them, for
 * assertions through the queries — or .thenThrows(ErrorClass, fields).
 */
export function given(...history: readonly (WarehouseEvent | readonly WarehouseEvent[])[]) {
  const state = history.flat().reduce(evolveWarehouse, initialWarehouseState);
  return {
    state,
    when: (command: WarehouseCommand) => ({
      then(expected: readonly WarehouseEvent[]): WarehouseState {
        const events = decideWarehouse(command, state);
        expect(events).toStrictEqual(expected); // strict: no `undefined` fields, the data is plain JSON
        return events.reduce(evolveWarehouse, state);
      },
      thenThrows<E extends WarehouseError>(type: new (...args: never[]) => E, fields: Partial<E> = {}): void {
        let thrown: unknown;
        try {
          decideWarehouse(command, state);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(type);
        expect(thrown).toMatchObject({ name: type.name, ...fields });
      },
    }),
  };
}

export const warehouseCreated: WarehouseEvent = {
  type: 'warehouse.WarehouseCreated',
  data: {
    code: 'WH1',
    name: 'Main warehouse',
    bins: [
      { code: 'DOCK', kind: 'dock' },
      { code: 'STAGING', kind: 'staging' },
    ],
  },
};

export const binAdded = (code: string, options: Omit<Bin, 'code' | 'kind'> = {}): WarehouseEvent => ({
  type: 'warehouse.BinAdded',
  data: { code, kind: 'storage', ...options },
});

let receipts = 0;
export const received = (sku: string, quantity: number, bin = 'DOCK', receiptId = `R-${++receipts}`): WarehouseEvent => ({
  type: 'warehouse.StockReceived',
  data: { receiptId, sku, bin, quantity },
});

export const allocated = (orderId: string, lineId: string, sku: string, allocations: BinQuantity[], shortQuantity = 0): EventOf<'warehouse.StockAllocated'> => ({
  type: 'warehouse.StockAllocated',
  data: { orderId, lineId, sku, requested: allocations.reduce((sum, a) => sum + a.quantity, shortQuantity), allocations, shortQuantity },
});

export const picked = (orderId: string, lineId: string, sku: string, bin: string, quantity: number): WarehouseEvent => ({
  type: 'warehouse.StockPicked',
  data: { orderId, lineId, sku, bin, quantity },
});

/** WH1 with storage bins A-01 (capacity 10), A-02 (capacity 10) and B-01 (no limit). */
export const layout: readonly WarehouseEvent[] = [warehouseCreated, binAdded('A-01', { zone: 'A', capacity: 10 }), binAdded('A-02', { zone: 'A', capacity: 10 }), binAdded('B-01')];
