import { validateEventData, type ConsumedEventsDrift, type EmittedEventsDrift, type NoDrift } from '@bintrail/contracts';
import type { WarehouseEventIn } from './allocation/warehouse-messages.domain';
import type { ShippingEventIn } from './delivery/shipping-messages.domain';
import { decideOrder, evolveOrder, initialOrderState, ORDER_EVENT_TYPES, type OrderCommand, type OrderEvent, type OrderState } from './orders/order.domain';
import { allocatedInWh1, backOrdered, backOrderFilled, lineDispatched, linePicked, nothingAllocated } from './orders/order.test-helper';
import type { WarehouseLineEvent } from './orders/pick-bins.domain';

/**
 * The order service's events are the published contract (@bintrail/contracts), checked twice: by `tsc`
 * (these types stop compiling when the service's event data and the contract's schemas drift apart,
 * naming the event type) and at run time (every event decided in a scenario that reaches every order
 * event type, and the test fixtures, pass the contract's JSON Schema).
 */
export type EmittedConformance = NoDrift<EmittedEventsDrift<OrderEvent, 'order'>>;
export type ConsumedConformance = NoDrift<ConsumedEventsDrift<WarehouseEventIn | ShippingEventIn | WarehouseLineEvent>>;

/** Runs commands against their order streams (by orderId), collecting what was decided. */
function decideAll(commands: readonly OrderCommand[]): OrderEvent[] {
  const states = new Map<string, OrderState>();
  const decided: OrderEvent[] = [];
  for (const command of commands) {
    const state = states.get(command.orderId) ?? initialOrderState;
    const events = decideOrder(command, state);
    decided.push(...events);
    states.set(command.orderId, events.reduce(evolveOrder, state));
  }
  return decided;
}

const contractErrors = (events: readonly OrderEvent[]) =>
  events.flatMap((e) => {
    const result = validateEventData(e.type, 1, e.data);
    return result.ok ? [] : [{ type: e.type, data: e.data, errors: result.errors }];
  });

const attempt = (orderId: string, lineId: string, n: number, warehouse: string) => ({ orderId, lineId, attempt: n, warehouse });
const allocation = (orderId: string, lineId: string, n: number, warehouse: string, allocatedQuantity: number): OrderCommand => ({
  type: 'RecordAllocation',
  ...attempt(orderId, lineId, n, warehouse),
  allocations: allocatedQuantity === 0 ? [] : [{ bin: 'A-01', quantity: allocatedQuantity }],
  allocatedQuantity,
});
const pick = (lineId: string, n: number, quantity: number): OrderCommand => ({ type: 'RecordPick', ...attempt('O1', lineId, n, 'WH1'), quantity, pickId: `P-${lineId}-${n}` });
const dispatch = (lineId: string, n: number, quantity: number): OrderCommand => ({ type: 'RecordDispatch', ...attempt('O1', lineId, n, 'WH1'), quantity, shipmentId: 'SH1' });

describe('order events conform to the published contract', () => {
  const scenario = decideAll([
    {
      type: 'PlaceOrder',
      orderId: 'O1',
      lines: [
        { lineId: 'L1', sku: 'S1', quantity: 5 },
        { lineId: 'L2', sku: 'S2', quantity: 2 },
      ],
      warehouses: ['WH1', 'WH2'],
      customerRef: 'PO-77',
      placedAt: '2026-03-01T09:00:00.000Z',
    },
    allocation('O1', 'L1', 1, 'WH1', 3),
    allocation('O1', 'L1', 2, 'WH2', 0),
    allocation('O1', 'L2', 1, 'WH1', 2),
    { type: 'RetryBackOrder', orderId: 'O1', lineId: 'L1', warehouse: 'WH1', quantity: 2, requestId: 'RQ-1' },
    allocation('O1', 'L1', 3, 'WH1', 2),
    { type: 'RecordShortfall', ...attempt('O1', 'L2', 1, 'WH1'), quantity: 1, staged: false, shortfallId: 'SF-1' },
    { type: 'RetryBackOrder', orderId: 'O1', lineId: 'L2', warehouse: 'WH1', quantity: 1, requestId: 'RQ-2' },
    allocation('O1', 'L2', 2, 'WH1', 1),
    pick('L1', 1, 3),
    pick('L1', 3, 2),
    pick('L2', 1, 1),
    pick('L2', 2, 1),
    { type: 'RecordDelivery', orderId: 'O1', deliveredAt: '2026-03-03T16:00:00.000Z' },
    dispatch('L1', 1, 3),
    dispatch('L1', 3, 2),
    dispatch('L2', 1, 1),
    dispatch('L2', 2, 1),
    { type: 'PlaceOrder', orderId: 'O2', lines: [{ lineId: 'L1', sku: 'S1', quantity: 4 }], warehouses: ['WH1'], placedAt: '2026-03-01T10:00:00.000Z' },
    { type: 'CancelOrder', orderId: 'O2', reason: 'customer changed their mind', cancelledAt: '2026-03-01T10:05:00.000Z' },
    allocation('O2', 'L1', 1, 'WH1', 4),
  ]);

  it('decides every order event type in the scenario', () => {
    expect([...new Set(scenario.map((e) => e.type))].sort()).toEqual([...ORDER_EVENT_TYPES].sort());
  });

  it('every decided event and every test fixture passes the contract schema', () => {
    const fixtures = [
      ...allocatedInWh1,
      backOrdered('L1', 2),
      backOrderFilled('L1', 3, 'WH1', 2),
      nothingAllocated('L1', 2, 'WH2', 2),
      linePicked('L1', 1, 'WH1', 5, 'P-1'),
      lineDispatched('L1', 1, 'WH1', 5),
    ];
    expect(contractErrors([...scenario, ...fixtures])).toEqual([]);
  });

  it('the contract refuses what the domain never emits (the check can fail)', () => {
    const placed = scenario[0]!;
    expect(validateEventData(placed.type, 1, { ...placed.data, warehouses: 'WH1' })).toEqual({ ok: false, errors: ['/warehouses must be array'] });
  });
});
