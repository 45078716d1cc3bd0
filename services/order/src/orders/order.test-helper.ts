import {
  allocationLineId,
  decideOrder,
  evolveOrder,
  initialOrderState,
  type BinQuantity,
  type OrderCommand,
  type OrderError,
  type OrderEvent,
  type OrderState,
} from './order.domain';

/**
 * given(past events).when(command).then(new events) — `then` returns the state after them — or
 * .thenThrows(ErrorClass, fields).
 */
export function given(...history: readonly (OrderEvent | readonly OrderEvent[])[]) {
  const state = history.flat().reduce(evolveOrder, initialOrderState);
  return {
    state,
    when: (command: OrderCommand) => ({
      then(expected: readonly OrderEvent[]): OrderState {
        const events = decideOrder(command, state);
        expect(events).toStrictEqual(expected); // strict: no `undefined` fields, the data is plain JSON
        return events.reduce(evolveOrder, state);
      },
      thenThrows<E extends OrderError>(type: new (...args: never[]) => E, fields: Partial<E> = {}): void {
        let thrown: unknown;
        try {
          decideOrder(command, state);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(type);
        expect(thrown).toMatchObject({ name: type.name, ...fields });
      },
    }),
  };
}

export const PLACED_AT = '2026-03-01T09:00:00.000Z';

/** O1: L1 = 5 × S1, L2 = 2 × S2; warehouses WH1 then WH2. */
export const placeOrder = {
  type: 'PlaceOrder',
  orderId: 'O1',
  lines: [
    { lineId: 'L1', sku: 'S1', quantity: 5 },
    { lineId: 'L2', sku: 'S2', quantity: 2 },
  ],
  warehouses: ['WH1', 'WH2'],
  customerRef: 'PO-77',
  placedAt: PLACED_AT,
} as const satisfies OrderCommand;

const ref = (lineId: string, attempt: number, warehouse: string) => ({
  orderId: 'O1',
  lineId,
  sku: lineId === 'L1' ? 'S1' : 'S2',
  attempt,
  allocationLineId: allocationLineId(lineId, attempt),
  warehouse,
});

export const orderPlaced: OrderEvent = {
  type: 'order.OrderPlaced',
  data: { orderId: 'O1', placedAt: PLACED_AT, warehouses: ['WH1', 'WH2'], lines: placeOrder.lines, customerRef: 'PO-77' },
};

export const requested = (lineId: string, attempt: number, warehouse: string, quantity: number, retry = false, requestId?: string): OrderEvent => ({
  type: 'order.AllocationRequested',
  data: { ...ref(lineId, attempt, warehouse), quantity, retry, ...(requestId === undefined ? {} : { requestId }) },
});

export const lineAllocated = (lineId: string, attempt: number, warehouse: string, quantity: number, shortQuantity = 0, bins: BinQuantity[] = [{ bin: 'A-01', quantity }]): OrderEvent => ({
  type: 'order.LineAllocated',
  data: { ...ref(lineId, attempt, warehouse), quantity, bins, shortQuantity },
});

export const backOrderFilled = (lineId: string, attempt: number, warehouse: string, quantity: number, shortQuantity = 0): OrderEvent => ({
  type: 'order.BackOrderFilled',
  data: { ...ref(lineId, attempt, warehouse), quantity, bins: [{ bin: 'A-01', quantity }], shortQuantity },
});

export const nothingAllocated = (lineId: string, attempt: number, warehouse: string, shortQuantity: number): OrderEvent => ({
  type: 'order.NothingAllocated',
  data: { ...ref(lineId, attempt, warehouse), shortQuantity },
});

export const backOrdered = (lineId: string, quantity: number, reason: 'every warehouse short' | 'still short after retry' | 'allocation lost' = 'every warehouse short'): OrderEvent => ({
  type: 'order.LineBackOrdered',
  data: { orderId: 'O1', lineId, sku: lineId === 'L1' ? 'S1' : 'S2', placedAt: PLACED_AT, quantity, reason },
});

export const linePicked = (lineId: string, attempt: number, warehouse: string, quantity: number, pickId: string): OrderEvent => ({
  type: 'order.LinePicked',
  data: { ...ref(lineId, attempt, warehouse), quantity, pickId },
});

export const lineDispatched = (lineId: string, attempt: number, warehouse: string, quantity: number, shipmentId = 'SH1'): OrderEvent => ({
  type: 'order.LineDispatched',
  data: { ...ref(lineId, attempt, warehouse), quantity, shipmentId },
});

/** Answer to attempt `attempt` of a line: what the process manager makes of a warehouse.StockAllocated. */
export const recordAllocation = (lineId: string, attempt: number, warehouse: string, allocatedQuantity: number): OrderCommand => ({
  type: 'RecordAllocation',
  orderId: 'O1',
  lineId,
  attempt,
  warehouse,
  allocations: allocatedQuantity === 0 ? [] : [{ bin: 'A-01', quantity: allocatedQuantity }],
  allocatedQuantity,
});

/** O1 placed and fully allocated in WH1 (L1: 5, L2: 2), ready to pick. */
export const allocatedInWh1: readonly OrderEvent[] = [
  orderPlaced,
  requested('L1', 1, 'WH1', 5),
  requested('L2', 1, 'WH1', 2),
  lineAllocated('L1', 1, 'WH1', 5),
  lineAllocated('L2', 1, 'WH1', 2),
];
