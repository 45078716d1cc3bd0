import { validateEventData, type ConsumedEventsDrift, type EmittedEventsDrift, type NoDrift } from '@bintrail/contracts';
import type { OrderEventIn } from './order-events/order-messages.domain';
import type { ShippingEventIn } from './shipping-events/shipping-messages.domain';
import { decideWarehouse, evolveWarehouse, initialWarehouseState, WAREHOUSE_EVENT_TYPES, type WarehouseCommand, type WarehouseEvent } from './stock/warehouse.domain';
import { allocated, binAdded, layout, picked, received, warehouseCreated } from './stock/warehouse.test-helper';
import type { TransferEventIn } from './transfer-events/transfer-messages.domain';

/**
 * The warehouse service's events are the published contract (@bintrail/contracts), checked twice:
 * by `tsc` (these types fail to compile when the service's event data and the contract's schemas
 * drift apart, naming the event type), and at run time (every event the domain decides in a
 * scenario touching every event type, and the test fixtures, pass the contract's JSON Schema).
 */
export type EmittedConformance = NoDrift<EmittedEventsDrift<WarehouseEvent, 'warehouse'>>;
export type ConsumedConformance = NoDrift<ConsumedEventsDrift<OrderEventIn | ShippingEventIn | TransferEventIn>>;

function decideAll(commands: readonly WarehouseCommand[]): WarehouseEvent[] {
  const decided: WarehouseEvent[] = [];
  let state = initialWarehouseState;
  for (const command of commands) {
    const events = decideWarehouse(command, state);
    decided.push(...events);
    state = events.reduce(evolveWarehouse, state);
  }
  return decided;
}

const contractErrors = (events: readonly WarehouseEvent[]) =>
  events.flatMap((e) => {
    const result = validateEventData(e.type, 1, e.data);
    return result.ok ? [] : [{ type: e.type, data: e.data, errors: result.errors }];
  });

const line = (orderId: string) => ({ orderId, lineId: 'L1', sku: 'SKU-1' });

describe('warehouse events conform to the published contract', () => {
  const scenario = decideAll([
    { type: 'CreateWarehouse', code: 'WH1', name: 'Main warehouse' },
    { type: 'AddBin', code: 'A-01', zone: 'A', capacity: 10 },
    { type: 'AddBin', code: 'A-02', capacity: 10 },
    { type: 'AddBin', code: 'B-01' },
    { type: 'ReceiveStock', receiptId: 'R1', sku: 'SKU-1', quantity: 10, expectedReceiptId: 'ASN-1' },
    { type: 'PutAway', sku: 'SKU-1', quantity: 6, fromBin: 'DOCK', toBin: 'A-01' },
    { type: 'PutAway', sku: 'SKU-1', quantity: 4, fromBin: 'DOCK' },
    { type: 'MoveStock', sku: 'SKU-1', quantity: 3, fromBin: 'A-01', toBin: 'A-02' },
    { type: 'AllocateStock', ...line('O1'), quantity: 12 },
    { type: 'ReceiveStock', receiptId: 'R2', sku: 'SKU-1', quantity: 5, bin: 'B-01' },
    { type: 'CountBin', countId: 'C1', bin: 'A-01', sku: 'SKU-1', countedQuantity: 5, reason: 'cycle count' },
    { type: 'AllocateStock', ...line('O2'), quantity: 3 },
    { type: 'CountBin', countId: 'C2', bin: 'B-01', sku: 'SKU-1', countedQuantity: 2, reason: 'damaged' },
    { type: 'ConfirmPick', ...line('O1'), bin: 'A-01', quantity: 5, pickedQuantity: 4 },
    { type: 'DispatchStock', ...line('O1'), shipmentId: 'SH1' },
    { type: 'ReleaseAllocation', ...line('O1') },
  ]);

  it('decides every warehouse event type in the scenario', () => {
    expect([...new Set(scenario.map((e) => e.type))].sort()).toEqual([...WAREHOUSE_EVENT_TYPES].sort());
  });

  it('every decided event and every test fixture passes the contract schema', () => {
    const fixtures = [warehouseCreated, binAdded('Z-09', { zone: 'Z', capacity: 3 }), ...layout, received('SKU-1', 4), allocated('O9', 'L1', 'SKU-1', [{ bin: 'A-01', quantity: 2 }], 1), picked('O9', 'L1', 'SKU-1', 'A-01', 2)];
    expect(contractErrors([...scenario, ...fixtures])).toEqual([]);
  });

  it('the contract refuses what the domain never emits (the check can fail)', () => {
    const stockReceived = scenario.find((e) => e.type === 'warehouse.StockReceived')!;
    expect(validateEventData(stockReceived.type, 1, { ...stockReceived.data, quantity: 0 })).toEqual({ ok: false, errors: ['/quantity must be >= 1'] });
  });
});
