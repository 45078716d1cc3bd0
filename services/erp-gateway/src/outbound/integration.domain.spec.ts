import { contentOf, OUTBOUND_EVENT_TYPES, shipmentMessage, stockLevels, subjectsOf } from './integration.domain';

describe('what domain events change on the integration topics', () => {
  it('a warehouse stock event: its SKU in the warehouse of its stream', () => {
    expect(subjectsOf({ type: 'warehouse.StockReceived', streamId: 'warehouse-WH1', data: { sku: 'S1', bin: 'DOCK', quantity: 5 } })).toEqual([{ kind: 'stock', sku: 'S1', warehouse: 'WH1' }]);
  });

  it('an ASN: every SKU of its lines in the receiving warehouse; a back-order: the SKU in every warehouse, and the order', () => {
    expect(subjectsOf({ type: 'shipping.ExpectedReceiptRegistered', streamId: 'asn-1', data: { warehouse: 'WH2', lines: [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 2 }] } })).toEqual([
      { kind: 'stock', sku: 'A', warehouse: 'WH2' },
      { kind: 'stock', sku: 'B', warehouse: 'WH2' },
    ]);
    expect(subjectsOf({ type: 'order.LineBackOrdered', streamId: 'order-o1', data: { sku: 'A', quantity: 3 } })).toEqual([
      { kind: 'stock', sku: 'A', warehouse: undefined },
      { kind: 'order', orderId: 'o1' },
    ]);
  });

  it('shipments only once dispatched; events the topics do not follow change nothing', () => {
    expect(subjectsOf({ type: 'shipping.ShipmentDispatched', streamId: 'shipment-s1', data: { shipmentId: 's1' } })).toEqual([{ kind: 'shipment', shipmentId: 's1' }]);
    expect(subjectsOf({ type: 'inventory.ItemRegistered', streamId: 'item-S1', data: { sku: 'S1' } })).toEqual([]);
    expect(OUTBOUND_EVENT_TYPES).toContain('warehouse.StockDispatched');
    expect(shipmentMessage({ shipmentId: 's1', orderId: 'o', warehouse: 'W', status: 'open', lines: [] }, 4)).toBeUndefined();
  });

  it('stock levels per warehouse carry the SKU-wide back-order; a warehouse without a row reports zeros; position is not content', () => {
    const view = { sku: 'S', backOrdered: 2, warehouses: [{ warehouse: 'W1', onHand: 5, reserved: 1, available: 4, inTransit: 0 }] };
    expect(stockLevels(view, undefined, 9)).toEqual([{ sku: 'S', warehouse: 'W1', onHand: 5, reserved: 1, available: 4, inTransit: 0, backOrdered: 2, asOfPosition: 9 }]);
    expect(stockLevels(view, 'W2', 9)).toEqual([{ sku: 'S', warehouse: 'W2', onHand: 0, reserved: 0, available: 0, inTransit: 0, backOrdered: 2, asOfPosition: 9 }]);
    expect(contentOf(stockLevels(view, 'W1', 9)[0]!)).toBe(contentOf(stockLevels(view, 'W1', 12)[0]!));
  });
});
