import type { Decider } from '@bintrail/service-kit';
import {
  BinAlreadyExists,
  InvalidCode,
  InvalidQuantity,
  WAREHOUSE_EVENT_TYPES,
  WarehouseAlreadyExists,
  warehouseDecider,
  WarehouseNotFound,
  warehouseStreamId,
  type WarehouseCommand,
  type WarehouseEvent,
  type WarehouseState,
} from './warehouse.domain';
import { binAdded, given, warehouseCreated } from './warehouse.test-helper';

describe('warehouse layout', () => {
  it('runs under handleCommand as a Decider, one stream per warehouse', () => {
    const decider: Decider<WarehouseCommand, WarehouseEvent, WarehouseState> = warehouseDecider;
    expect(decider.initialState).toEqual({ exists: false });
    expect(warehouseStreamId('WH1')).toBe('warehouse-WH1');
    expect(WAREHOUSE_EVENT_TYPES).toHaveLength(14);
    expect(WAREHOUSE_EVENT_TYPES.every((type) => type.startsWith('warehouse.'))).toBe(true);
  });

  describe('CreateWarehouse', () => {
    it('creates the warehouse with its receiving dock and outbound staging bins', () => {
      given()
        .when({ type: 'CreateWarehouse', code: 'WH1', name: 'Main warehouse' })
        .then([
          {
            type: 'warehouse.WarehouseCreated',
            data: {
              code: 'WH1',
              name: 'Main warehouse',
              bins: [
                { code: 'DOCK', kind: 'dock' },
                { code: 'STAGING', kind: 'staging' },
              ],
            },
          },
        ]);
    });

    it('refuses to create the same warehouse twice', () => {
      given(warehouseCreated).when({ type: 'CreateWarehouse', code: 'WH1', name: 'Main warehouse' }).thenThrows(WarehouseAlreadyExists, { warehouse: 'WH1' });
    });

    it('refuses a code that cannot name a stream', () => {
      given().when({ type: 'CreateWarehouse', code: 'wh 1', name: 'Main' }).thenThrows(InvalidCode, { field: 'code', value: 'wh 1' });
    });
  });

  it('refuses every other command before the warehouse exists', () => {
    given().when({ type: 'AddBin', code: 'A-01' }).thenThrows(WarehouseNotFound, { code: 'WarehouseNotFound' });
    given().when({ type: 'AllocateStock', orderId: 'O1', lineId: 'L1', sku: 'S1', quantity: 1 }).thenThrows(WarehouseNotFound);
  });

  describe('AddBin', () => {
    it('adds a storage bin with its zone and capacity', () => {
      given(warehouseCreated)
        .when({ type: 'AddBin', code: 'A-01-03', zone: 'A', capacity: 40 })
        .then([{ type: 'warehouse.BinAdded', data: { code: 'A-01-03', kind: 'storage', zone: 'A', capacity: 40 } }]);
    });

    it('adds a bin without a capacity limit, leaving the optional fields out of the event (plain JSON)', () => {
      given(warehouseCreated)
        .when({ type: 'AddBin', code: 'B-01' })
        .then([{ type: 'warehouse.BinAdded', data: { code: 'B-01', kind: 'storage' } }]);
    });

    it('refuses a bin code that already exists, DOCK and STAGING included', () => {
      given(warehouseCreated, binAdded('A-01')).when({ type: 'AddBin', code: 'A-01' }).thenThrows(BinAlreadyExists, { bin: 'A-01' });
      given(warehouseCreated).when({ type: 'AddBin', code: 'DOCK' }).thenThrows(BinAlreadyExists, { bin: 'DOCK' });
    });

    it.each(['a-01', 'A--01', 'A-01-', '-A', 'A 01', '', 'A_01'])('refuses the bin code %p', (code) => {
      given(warehouseCreated).when({ type: 'AddBin', code }).thenThrows(InvalidCode, { field: 'code', value: code });
    });

    it.each([0, -5, 2.5, Number.NaN])('refuses a capacity of %p', (capacity) => {
      given(warehouseCreated).when({ type: 'AddBin', code: 'A-01', capacity }).thenThrows(InvalidQuantity, { field: 'capacity', rule: 'positive integer' });
    });
  });
});
