import { asnClosed, asnRegistered, discrepancy, received } from '../expected-receipts/expected-receipt.test-helper';
import { shipmentDelivered, shipmentDispatched, shipmentOpened } from '../shipments/shipment.test-helper';
import { inTransitT1, transferDiscrepancy, transferDispatched, transferPicked, transferReceived, transferRequested } from '../transfers/transfer.test-helper';
import { evolveInTransit, IN_TRANSIT_EVENT_TYPES, inTransitChanges, inTransitOf, inTransitOfSku, inTransitTotals, type ShippingEvent } from './in-transit.domain';

describe('in-transit totals', () => {
  it('subscribes to the events that move units into or out of transit, and no others', () => {
    expect([...IN_TRANSIT_EVENT_TYPES].sort()).toEqual([
      'shipping.ExpectedReceiptClosed',
      'shipping.ExpectedReceiptReceived',
      'shipping.ExpectedReceiptRegistered',
      'shipping.TransferDispatched',
      'shipping.TransferReceived',
    ]);
  });

  it('counts an ASN in transit to its warehouse from registration, less what is received and what the close releases', () => {
    expect(inTransitTotals([asnRegistered])).toEqual({ WH1: { S1: 10, S2: 4 } });
    const afterReceipts = inTransitTotals([asnRegistered, received('S1', 4, 6), received('S1', 6, 0, 'R2'), discrepancy('S1', 10, 12, 2, 'R2')]);
    expect(afterReceipts).toEqual({ WH1: { S2: 4 } });
    expect(evolveInTransit(afterReceipts, asnClosed([{ sku: 'S2', quantity: 4 }]))).toEqual({});
  });

  it('counts a transfer in transit to its destination from dispatch until it is received, whatever arrived', () => {
    expect(inTransitTotals([transferRequested, transferPicked(6, 6)])).toEqual({});
    expect(inTransitTotals([...inTransitT1])).toEqual({ WH2: { S1: 6 } });
    expect(inTransitTotals([...inTransitT1, transferReceived(4, 6), transferDiscrepancy(6, 4)])).toEqual({});
    expect(inTransitChanges(transferDispatched(6))).toEqual([{ sku: 'S1', warehouse: 'WH2', delta: 6 }]);
  });

  it('never counts outbound shipments: dispatched units are the customer’s', () => {
    expect(inTransitTotals([shipmentOpened, shipmentDispatched, shipmentDelivered])).toEqual({});
  });

  it('adds ASNs and transfers per (SKU, warehouse), and over warehouses per SKU', () => {
    const events: ShippingEvent[] = [asnRegistered, ...inTransitT1, received('S1', 3, 7)];
    const totals = inTransitTotals(events);
    expect(inTransitOf(totals, 'S1', 'WH1')).toBe(7);
    expect(inTransitOf(totals, 'S1', 'WH2')).toBe(6);
    expect(inTransitOf(totals, 'S2', 'WH2')).toBe(0);
    expect(inTransitOf(totals, 'constructor', '__proto__')).toBe(0);
    expect(inTransitOfSku(totals, 'S1')).toBe(13);
  });

  it('folds a batch the same as one event at a time, from the changes alone', () => {
    const events: ShippingEvent[] = [asnRegistered, ...inTransitT1, received('S1', 3, 7), transferReceived(6, 6)];
    const sums = new Map<string, number>();
    for (const { sku, warehouse, delta } of events.flatMap(inTransitChanges)) sums.set(`${warehouse}/${sku}`, (sums.get(`${warehouse}/${sku}`) ?? 0) + delta);
    const totals = inTransitTotals(events);
    for (const [key, sum] of sums) expect(inTransitOf(totals, key.split('/')[1]!, key.split('/')[0]!)).toBe(sum);
  });
});
