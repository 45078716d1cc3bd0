import { validateEventData, type ConsumedEventsDrift, type EmittedEventsDrift, type NoDrift } from '@bintrail/contracts';
import { expectedReceiptDecider, EXPECTED_RECEIPT_EVENT_TYPES } from './expected-receipts/expected-receipt.domain';
import * as asn from './expected-receipts/expected-receipt.test-helper';
import type { ShippingEvent } from './in-transit/in-transit.domain';
import type { ShippingEventIn } from './reactions/shipping-messages.domain';
import { SHIPMENT_EVENT_TYPES, shipmentDecider } from './shipments/shipment.domain';
import * as shipment from './shipments/shipment.test-helper';
import type { WarehouseLineEvent } from './transfers/transfer-view.domain';
import { TRANSFER_EVENT_TYPES, transferDecider } from './transfers/transfer.domain';
import * as transfer from './transfers/transfer.test-helper';

/**
 * The shipping service's events (shipments, expected receipts, transfers) are the published contract
 * (@bintrail/contracts), checked twice: by `tsc` (these types stop compiling when the service's event
 * data and the contract's schemas drift apart, naming the event type) and at run time (every event
 * decided in scenarios that reach every shipping event type, and the test fixtures, pass the contract's JSON Schema).
 */
export type EmittedConformance = NoDrift<EmittedEventsDrift<ShippingEvent, 'shipping'>>;
export type ConsumedConformance = NoDrift<ConsumedEventsDrift<ShippingEventIn | WarehouseLineEvent>>;

interface Decider<C, E, S> {
  decide(command: C, state: S): E[];
  evolve(state: S, event: E): S;
  initialState: S;
}

/** Runs commands against one stream, collecting what was decided. */
function decideAll<C, E, S>(decider: Decider<C, E, S>, commands: readonly C[]): E[] {
  const decided: E[] = [];
  let state = decider.initialState;
  for (const command of commands) {
    const events = decider.decide(command, state);
    decided.push(...events);
    state = events.reduce(decider.evolve, state);
  }
  return decided;
}

const contractErrors = (events: readonly ShippingEvent[]) =>
  events.flatMap((e) => {
    const result = validateEventData(e.type, 1, e.data);
    return result.ok ? [] : [{ type: e.type, data: e.data, errors: result.errors }];
  });

describe('shipping events conform to the published contract', () => {
  const scenario: ShippingEvent[] = [
    ...decideAll(shipmentDecider, [shipment.openShipment, shipment.dispatchShipment, shipment.deliverShipment]),
    ...decideAll(expectedReceiptDecider, [
      { type: 'RegisterExpectedReceipt', asnId: 'ASN1', warehouse: 'WH1', lines: [{ sku: 'S1', quantity: 10 }, { sku: 'S2', quantity: 5 }], eta: asn.ETA },
      { type: 'RecordAsnReceipt', asnId: 'ASN1', sku: 'S1', quantity: 8, receiptId: 'R1' },
      { type: 'RecordAsnReceipt', asnId: 'ASN1', sku: 'S1', quantity: 4, receiptId: 'R2' },
      asn.closeAsn,
    ]),
    ...decideAll(transferDecider, [
      transfer.requestTransfer,
      transfer.recordPicked(4, 'P1'),
      { type: 'DispatchTransfer', transferId: 'T1', dispatchedAt: transfer.DISPATCHED_AT, carrier: 'DHL', trackingNumber: 'JD0002' },
      transfer.receiveTransfer(3),
    ]),
  ];

  it('decides every shipping event type in the scenarios', () => {
    const types = [...SHIPMENT_EVENT_TYPES, ...EXPECTED_RECEIPT_EVENT_TYPES, ...TRANSFER_EVENT_TYPES];
    expect([...new Set(scenario.map((e) => e.type))].sort()).toEqual(types.sort());
  });

  it('every decided event and every test fixture passes the contract schema', () => {
    const fixtures: ShippingEvent[] = [
      shipment.shipmentOpened,
      shipment.shipmentDispatched,
      shipment.shipmentDelivered,
      asn.asnRegistered,
      asn.received('S1', 4, 6),
      asn.discrepancy('S1', 10, 12, 2),
      asn.asnClosed([{ sku: 'S2', quantity: 5 }]),
      ...transfer.inTransitT1,
      transfer.transferReceived(0, 6),
      transfer.transferDiscrepancy(6, 0),
    ];
    expect(contractErrors([...scenario, ...fixtures])).toEqual([]);
  });

  it('the contract refuses what the domain never emits (the check can fail)', () => {
    expect(validateEventData('shipping.ShipmentOpened', 1, { ...shipment.shipmentOpened.data, lines: [{ lineId: 'L1#1', sku: 'S1', quantity: -1 }] })).toEqual({
      ok: false,
      errors: ['/lines/0/quantity must be >= 1'],
    });
  });
});
