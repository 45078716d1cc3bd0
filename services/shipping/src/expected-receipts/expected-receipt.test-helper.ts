import { specify } from '../decider.test-helper';
import { expectedReceiptDecider, type ExpectedReceiptCommand, type ExpectedReceiptEvent } from './expected-receipt.domain';

export const given = specify(expectedReceiptDecider);

export const ETA = '2026-03-05T08:00:00.000Z';
export const CLOSED_AT = '2026-03-09T17:00:00.000Z';
const asn = { asnId: 'ASN1', warehouse: 'WH1' };

/** ASN1: 10 × S1 and 4 × S2 in route to WH1. */
export const registerAsn = {
  type: 'RegisterExpectedReceipt',
  ...asn,
  lines: [
    { sku: 'S1', quantity: 10 },
    { sku: 'S2', quantity: 4 },
  ],
  eta: ETA,
} as const satisfies ExpectedReceiptCommand;

export const asnRegistered: ExpectedReceiptEvent = { type: 'shipping.ExpectedReceiptRegistered', data: { ...asn, eta: ETA, lines: registerAsn.lines } };

export const recordReceipt = (sku: string, quantity: number, receiptId = 'R1'): ExpectedReceiptCommand => ({ type: 'RecordAsnReceipt', asnId: 'ASN1', sku, quantity, receiptId });

export const received = (sku: string, quantity: number, remainingInTransit: number, receiptId = 'R1'): ExpectedReceiptEvent => ({
  type: 'shipping.ExpectedReceiptReceived',
  data: { ...asn, sku, receiptId, quantity, remainingInTransit },
});

export const discrepancy = (sku: string, expected: number, receivedInAll: number, excess: number, receiptId = 'R1'): ExpectedReceiptEvent => ({
  type: 'shipping.ReceiptDiscrepancy',
  data: { ...asn, sku, receiptId, expected, received: receivedInAll, excess },
});

export const closeAsn = { type: 'CloseExpectedReceipt', asnId: 'ASN1', closedAt: CLOSED_AT } as const satisfies ExpectedReceiptCommand;

export const asnClosed = (shortages: readonly { sku: string; quantity: number }[]): ExpectedReceiptEvent => ({
  type: 'shipping.ExpectedReceiptClosed',
  data: { ...asn, closedAt: CLOSED_AT, shortages },
});
