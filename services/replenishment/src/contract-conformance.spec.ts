import { validateEventData, type ConsumedEventsDrift, type EmittedEventsDrift, type NoDrift } from '@bintrail/contracts';
import type { ReplenishmentEvent } from './stock-watch/replenishment.domain';
import { WAREHOUSE_LAYOUT_EVENT_TYPES, WAREHOUSE_STOCK_EVENT_TYPES, type WarehouseLayoutEvent, type WarehouseStockEvent } from './stock-watch/warehouse-stock.domain';

/**
 * Replenishment reads the warehouse's events through its own types: `tsc` fails, naming the event type, when the
 * published contract (@bintrail/contracts) stops carrying a field these types read.
 */
export type ConsumedConformance = NoDrift<ConsumedEventsDrift<WarehouseLayoutEvent | WarehouseStockEvent>>;
/** And its own events are published ones: their data types equal the contract's `replenishment.*` schemas. */
export type EmittedConformance = NoDrift<EmittedEventsDrift<ReplenishmentEvent, 'replenishment'>>;

describe('replenishment reads the published warehouse contract', () => {
  it('subscribes to public event types only, each with a v1 schema', () => {
    for (const type of [...WAREHOUSE_LAYOUT_EVENT_TYPES, ...WAREHOUSE_STOCK_EVENT_TYPES]) {
      expect(validateEventData(type, 1, {})).toMatchObject({ ok: false }); // a known type: its schema refuses empty data
    }
  });

  it('the events its integration tests append as "the warehouse" are valid contract events', () => {
    const fixtures: [string, unknown][] = [
      ['warehouse.WarehouseCreated', { code: 'WH1', name: 'Main', bins: [{ code: 'DOCK', kind: 'dock' }, { code: 'STAGING', kind: 'staging' }] }],
      ['warehouse.BinAdded', { code: 'R-01', kind: 'storage', zone: 'RESERVE' }],
      ['warehouse.StockReceived', { receiptId: 'RC1', sku: 'SKU-1', bin: 'A-01', quantity: 20 }],
      ['warehouse.StockAllocated', { orderId: 'O1', lineId: 'L1', sku: 'SKU-1', requested: 15, allocations: [{ bin: 'A-01', quantity: 15 }], shortQuantity: 0 }],
      ['warehouse.StockMoved', { sku: 'SKU-1', fromBin: 'R-01', toBin: 'A-01', quantity: 10 }],
    ];
    expect(fixtures.map(([type, data]) => [type, validateEventData(type, 1, data)])).toEqual(fixtures.map(([type]) => [type, { ok: true }]));
  });

  it('the events it appends are valid against their published schemas', () => {
    const levels = { onHand: 13, allocated: 10, available: 3, reserveFree: 0, pickFaceAvailable: 3 };
    const events: ReplenishmentEvent[] = [
      { type: 'replenishment.ReorderPointSet', data: { warehouse: 'WH1', sku: 'SKU-1', reorderPoint: 10, reorderQuantity: 50 } },
      { type: 'replenishment.ReplenishmentSuggested', data: { warehouse: 'WH1', sku: 'SKU-1', kind: 'move', fromBin: 'R-01', toBin: null, quantity: 10, reorderPoint: 10, levels } },
      { type: 'replenishment.ReplenishmentSuggested', data: { warehouse: 'WH1', sku: 'SKU-1', kind: 'purchase', quantity: 50, reorderPoint: 10, levels } },
      { type: 'replenishment.ReplenishmentClosed', data: { warehouse: 'WH1', sku: 'SKU-1', kind: 'purchase', reorderPoint: 10, levels } },
    ];
    for (const event of events) expect([event.type, validateEventData(event.type, 1, event.data)]).toEqual([event.type, { ok: true }]);
    expect(validateEventData('replenishment.ReplenishmentSuggested', 1, { ...events[2]!.data, quantity: 0 })).toMatchObject({ ok: false });
  });
});
