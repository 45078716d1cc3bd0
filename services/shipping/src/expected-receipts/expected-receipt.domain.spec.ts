import type { Decider } from '@bintrail/service-kit';
import { AlreadyExists, InconsistentReport, InvalidQuantity, InvalidShippingCommand, ShippingStreamNotFound, WrongStatus } from '../shipping-errors.domain';
import {
  EXPECTED_RECEIPT_EVENT_TYPES,
  expectedReceiptDecider,
  expectedReceiptStatus,
  expectedReceiptStreamId,
  expectedReceiptView,
  inTransitOfLine,
  type ExpectedReceipt,
  type ExpectedReceiptCommand,
  type ExpectedReceiptEvent,
  type ExpectedReceiptState,
} from './expected-receipt.domain';
import { asnClosed, asnRegistered, closeAsn, discrepancy, ETA, given, received, recordReceipt, registerAsn } from './expected-receipt.test-helper';

const inTransit = (state: ExpectedReceiptState) => Object.fromEntries((state as ExpectedReceipt).lines.map((l) => [l.sku, inTransitOfLine(l)]));

describe('expected receipt (ASN) stream', () => {
  it('runs under handleCommand as a Decider, one stream per ASN', () => {
    const decider: Decider<ExpectedReceiptCommand, ExpectedReceiptEvent, ExpectedReceiptState> = expectedReceiptDecider;
    expect(decider.initialState).toEqual({ exists: false });
    expect(expectedReceiptStreamId('ASN1')).toBe('asn-ASN1');
    expect(EXPECTED_RECEIPT_EVENT_TYPES.every((type) => type.startsWith('shipping.'))).toBe(true);
  });

  it('refuses receipts and closes for an ASN that was never registered', () => {
    given().when(recordReceipt('S1', 1)).thenThrows(ShippingStreamNotFound, { kind: 'expected receipt', id: 'ASN1' });
    given().when(closeAsn).thenThrows(ShippingStreamNotFound);
  });

  describe('RegisterExpectedReceipt', () => {
    it('registers the lines as in transit to the warehouse', () => {
      const state = given().when(registerAsn).then([asnRegistered]);
      expect(inTransit(state)).toEqual({ S1: 10, S2: 4 });
      expect(expectedReceiptStatus(state)).toBe('open');
    });

    it('changes nothing when registered again the same, and refuses the same ASN with other content', () => {
      given(asnRegistered).when(registerAsn).then([]);
      given(asnRegistered).when({ ...registerAsn, eta: '2026-03-06T08:00:00.000Z' }).thenThrows(AlreadyExists, { code: 'ShippingAlreadyExists' });
    });

    it('refuses no lines, a SKU twice, and quantities that are not positive integers', () => {
      given().when({ ...registerAsn, lines: [] }).thenThrows(InvalidShippingCommand, { field: 'lines' });
      given()
        .when({ ...registerAsn, lines: [{ sku: 'S1', quantity: 1 }, { sku: 'S1', quantity: 2 }] })
        .thenThrows(InvalidShippingCommand, { field: 'lines[].sku' });
      given().when({ ...registerAsn, lines: [{ sku: 'S1', quantity: 2.5 }] }).thenThrows(InvalidQuantity, { field: 'lines[0].quantity', rule: 'positive integer' });
      given().when({ ...registerAsn, lines: [{ sku: 'S1', quantity: -3 }] }).thenThrows(InvalidQuantity);
    });
  });

  describe('RecordAsnReceipt', () => {
    it('takes what was received off in transit, and says what the line still expects', () => {
      const state = given(asnRegistered).when(recordReceipt('S1', 6)).then([received('S1', 6, 4)]);
      expect(inTransit(state)).toEqual({ S1: 4, S2: 4 });
      const done = given(asnRegistered, received('S1', 6, 4), received('S2', 4, 0, 'R2')).when(recordReceipt('S1', 4, 'R3')).then([received('S1', 4, 0, 'R3')]);
      expect(expectedReceiptStatus(done)).toBe('received');
    });

    it('receives what was expected and reports the rest as a discrepancy when more came', () => {
      const state = given(asnRegistered, received('S1', 6, 4))
        .when(recordReceipt('S1', 7, 'R2'))
        .then([received('S1', 4, 0, 'R2'), discrepancy('S1', 10, 13, 3, 'R2')]);
      expect(inTransit(state)).toEqual({ S1: 0, S2: 4 });
      given(asnRegistered, received('S1', 10, 0)).when(recordReceipt('S1', 2, 'R2')).then([discrepancy('S1', 10, 12, 2, 'R2')]);
    });

    it('books a SKU the ASN never announced as a discrepancy, with nothing expected', () => {
      const state = given(asnRegistered).when(recordReceipt('S9', 3)).then([discrepancy('S9', 0, 3, 3)]);
      expect(inTransit(state)).toEqual({ S1: 10, S2: 4, S9: 0 });
      given(asnRegistered, discrepancy('S9', 0, 3, 3)).when(registerAsn).then([]); // still the same ASN
    });

    it('books a redelivered receipt line once, and refuses the same receipt line with another quantity', () => {
      given(asnRegistered, received('S1', 6, 4)).when(recordReceipt('S1', 6)).then([]);
      given(asnRegistered, received('S1', 4, 0), discrepancy('S1', 10, 11, 7)).when(recordReceipt('S1', 11)).then([]);
      given(asnRegistered, received('S1', 6, 4)).when(recordReceipt('S1', 5)).thenThrows(InconsistentReport, { code: 'ShippingInconsistentReport' });
      given(asnRegistered).when(recordReceipt('S2', 6)).then([received('S2', 4, 0), discrepancy('S2', 4, 6, 2)]); // same receiptId, other SKU: another line
    });

    it('refuses quantities that are not positive integers', () => {
      for (const quantity of [0, -1, 0.5]) given(asnRegistered).when(recordReceipt('S1', quantity)).thenThrows(InvalidQuantity, { field: 'quantity' });
    });
  });

  describe('CloseExpectedReceipt', () => {
    it('releases what is still in transit as shortages', () => {
      const state = given(asnRegistered, received('S1', 6, 4)).when(closeAsn).then([asnClosed([{ sku: 'S1', quantity: 4 }, { sku: 'S2', quantity: 4 }])]);
      expect(inTransit(state)).toEqual({ S1: 0, S2: 0 });
      expect(expectedReceiptStatus(state)).toBe('closed');
      given(asnRegistered, received('S1', 10, 0), received('S2', 4, 0)).when(closeAsn).then([asnClosed([])]);
    });

    it('changes nothing when the same close is retried, and refuses another close', () => {
      given(asnRegistered, asnClosed([{ sku: 'S1', quantity: 10 }, { sku: 'S2', quantity: 4 }])).when(closeAsn).then([]);
      given(asnRegistered, asnClosed([{ sku: 'S1', quantity: 10 }, { sku: 'S2', quantity: 4 }]))
        .when({ ...closeAsn, closedAt: '2026-03-10T09:00:00.000Z' })
        .thenThrows(WrongStatus, { code: 'ShippingWrongStatus', kind: 'expected receipt', status: 'closed' });
    });

    it('books a receipt after the close as a discrepancy against what the ASN had settled on, without touching in transit', () => {
      const state = given(asnRegistered, received('S1', 6, 4), asnClosed([{ sku: 'S1', quantity: 4 }, { sku: 'S2', quantity: 4 }]))
        .when(recordReceipt('S1', 3, 'R2'))
        .then([discrepancy('S1', 6, 9, 3, 'R2')]);
      expect(inTransit(state)).toEqual({ S1: 0, S2: 0 });
    });
  });

  it('shows each line with what was expected, received and is still open', () => {
    const partly = given(asnRegistered, received('S1', 6, 4), received('S2', 4, 0), discrepancy('S2', 4, 5, 1, 'R2')).state as ExpectedReceipt;
    expect(expectedReceiptView(partly)).toEqual({
      asnId: 'ASN1',
      warehouse: 'WH1',
      eta: ETA,
      status: 'open',
      lines: [
        { sku: 'S1', expected: 10, received: 6, open: 4 },
        { sku: 'S2', expected: 4, received: 5, open: 0, excess: 1 },
      ],
    });
    const closed = given(asnRegistered, received('S1', 6, 4), asnClosed([{ sku: 'S1', quantity: 4 }, { sku: 'S2', quantity: 4 }])).state as ExpectedReceipt;
    expect(expectedReceiptView(closed)).toMatchObject({ status: 'closed', closedAt: closeAsn.closedAt, lines: [{ sku: 'S1', received: 6, open: 0, released: 4 }, { sku: 'S2', open: 0, released: 4 }] });
  });
});
