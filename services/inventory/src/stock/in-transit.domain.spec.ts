import { IN_TRANSIT_EVENT_TYPES, inTransitChanges } from './in-transit.domain';

describe('in transit, as the inventory reads the shipping events', () => {
  it('counts an ASN from registration until received or released', () => {
    expect(inTransitChanges({ type: 'shipping.ExpectedReceiptRegistered', data: { warehouse: 'WH1', lines: [{ sku: 'A', quantity: 5 }, { sku: 'B', quantity: 2 }] } })).toEqual([
      { sku: 'A', warehouse: 'WH1', delta: 5 },
      { sku: 'B', warehouse: 'WH1', delta: 2 },
    ]);
    expect(inTransitChanges({ type: 'shipping.ExpectedReceiptReceived', data: { warehouse: 'WH1', sku: 'A', quantity: 3 } })).toEqual([{ sku: 'A', warehouse: 'WH1', delta: -3 }]);
    expect(inTransitChanges({ type: 'shipping.ExpectedReceiptClosed', data: { warehouse: 'WH1', shortages: [{ sku: 'A', quantity: 2 }] } })).toEqual([{ sku: 'A', warehouse: 'WH1', delta: -2 }]);
  });

  it('counts a transfer at its destination from dispatch until received, whatever arrived', () => {
    expect(inTransitChanges({ type: 'shipping.TransferDispatched', data: { sku: 'A', toWarehouse: 'WH2', quantity: 4 } })).toEqual([{ sku: 'A', warehouse: 'WH2', delta: 4 }]);
    expect(inTransitChanges({ type: 'shipping.TransferReceived', data: { sku: 'A', toWarehouse: 'WH2', dispatched: 4 } })).toEqual([{ sku: 'A', warehouse: 'WH2', delta: -4 }]);
  });

  it('subscribes to the same event types as the shipping service says change in-transit', () => {
    expect([...IN_TRANSIT_EVENT_TYPES].sort()).toEqual([
      'shipping.ExpectedReceiptClosed',
      'shipping.ExpectedReceiptReceived',
      'shipping.ExpectedReceiptRegistered',
      'shipping.TransferDispatched',
      'shipping.TransferReceived',
    ]);
  });
});
