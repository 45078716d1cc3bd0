import type { Decider } from '@bintrail/service-kit';
import { AlreadyExists, InconsistentReport, InvalidQuantity, InvalidShippingCommand, ShippingStreamNotFound, WrongStatus } from '../shipping-errors.domain';
import {
  inTransitOfTransfer,
  TRANSFER_EVENT_TYPES,
  transferDecider,
  transferStreamId,
  type Transfer,
  type TransferCommand,
  type TransferEvent,
  type TransferState,
} from './transfer.domain';
import {
  dispatchTransfer,
  given,
  inTransitT1,
  receiveTransfer,
  recordPicked,
  requestTransfer,
  transferDiscrepancy,
  transferDispatched,
  transferPicked,
  transferReceived,
  transferRequested,
} from './transfer.test-helper';

const inTransit = (state: TransferState) => inTransitOfTransfer(state as Transfer);

describe('transfer stream', () => {
  it('runs under handleCommand as a Decider, one stream per transfer', () => {
    const decider: Decider<TransferCommand, TransferEvent, TransferState> = transferDecider;
    expect(decider.initialState).toEqual({ exists: false });
    expect(transferStreamId('T1')).toBe('transfer-T1');
    expect(TRANSFER_EVENT_TYPES.every((type) => type.startsWith('shipping.Transfer'))).toBe(true);
  });

  it('refuses every step of a transfer that was never requested', () => {
    given().when(recordPicked(1)).thenThrows(ShippingStreamNotFound, { kind: 'transfer', id: 'T1' });
    given().when(dispatchTransfer).thenThrows(ShippingStreamNotFound);
    given().when(receiveTransfer(1)).thenThrows(ShippingStreamNotFound);
  });

  describe('RequestTransfer', () => {
    it('asks the source warehouse to allocate it like an order line, under transfer-<id>', () => {
      const state = given().when(requestTransfer).then([transferRequested]);
      expect(transferRequested.data).toMatchObject({ allocation: { orderId: 'transfer-T1', lineId: 'transfer-T1' } });
      expect(inTransit(state)).toBe(0); // nothing has left the source yet
    });

    it('changes nothing when requested again the same, and refuses the same id with other content', () => {
      given(transferRequested).when(requestTransfer).then([]);
      given(transferRequested).when({ ...requestTransfer, quantity: 7 }).thenThrows(AlreadyExists, { kind: 'transfer' });
    });

    it('refuses a transfer to the warehouse it comes from, a bad quantity, and an id with #', () => {
      given().when({ ...requestTransfer, toWarehouse: 'WH1' }).thenThrows(InvalidShippingCommand, { field: 'toWarehouse', rule: 'must differ from fromWarehouse' });
      for (const quantity of [0, -2, 1.5]) given().when({ ...requestTransfer, quantity }).thenThrows(InvalidQuantity, { field: 'quantity' });
      given().when({ ...requestTransfer, transferId: 'T#1' }).thenThrows(InvalidShippingCommand, { field: 'transferId' });
    });
  });

  describe('RecordTransferPicked', () => {
    it('books picks up to the requested quantity, each pick once', () => {
      given(transferRequested).when(recordPicked(4)).then([transferPicked(4, 4)]);
      given(transferRequested, transferPicked(4, 4)).when(recordPicked(2, 'P2')).then([transferPicked(2, 6, 'P2')]);
      given(transferRequested, transferPicked(4, 4)).when(recordPicked(4)).then([]);
    });

    it('refuses more picked than requested, and picks after dispatch', () => {
      given(transferRequested, transferPicked(4, 4)).when(recordPicked(3, 'P2')).thenThrows(InconsistentReport, { rule: 'picked 3, only 2 left to pick' });
      given(...inTransitT1).when(recordPicked(1, 'P9')).thenThrows(WrongStatus, { status: 'dispatched' });
    });
  });

  describe('DispatchTransfer', () => {
    it('puts what was picked in transit, and says what was never picked', () => {
      expect(inTransit(given(...inTransitT1).state)).toBe(6);
      const short = given(transferRequested, transferPicked(4, 4)).when(dispatchTransfer).then([transferDispatched(4, 2)]);
      expect(inTransit(short)).toBe(4);
    });

    it('names the carrier and tracking number when the dispatch does, and refuses blank ones', () => {
      const state = given(...inTransitT1.slice(0, 2))
        .when({ ...dispatchTransfer, carrier: 'own truck', trackingNumber: 'TRK-1' })
        .then([{ ...transferDispatched(6), data: { ...transferDispatched(6).data, carrier: 'own truck', trackingNumber: 'TRK-1' } } as TransferEvent]);
      expect(state).toMatchObject({ carriage: { carrier: 'own truck', trackingNumber: 'TRK-1' } });
      given(...inTransitT1.slice(0, 2)).when({ ...dispatchTransfer, carrier: ' ' }).thenThrows(InvalidShippingCommand, { field: 'carrier' });
    });

    it('refuses to dispatch nothing, and a second dispatch; the same dispatch retried changes nothing', () => {
      given(transferRequested).when(dispatchTransfer).thenThrows(WrongStatus, { status: 'requested', rule: 'nothing is picked to dispatch' });
      given(...inTransitT1).when(dispatchTransfer).then([]);
      given(...inTransitT1).when({ ...dispatchTransfer, dispatchedAt: '2026-03-04T07:00:00.000Z' }).thenThrows(WrongStatus);
    });
  });

  describe('ReceiveTransfer', () => {
    it('ends the transit when what was dispatched arrives', () => {
      const state = given(...inTransitT1).when(receiveTransfer(6)).then([transferReceived(6, 6)]);
      expect(inTransit(state)).toBe(0);
      expect(state).toMatchObject({ status: 'received' });
    });

    it('reports a discrepancy when fewer or more units arrive than left, or none', () => {
      given(...inTransitT1).when(receiveTransfer(5)).then([transferReceived(5, 6), transferDiscrepancy(6, 5)]);
      given(...inTransitT1).when(receiveTransfer(8)).then([transferReceived(8, 6), transferDiscrepancy(6, 8)]);
      const lost = given(...inTransitT1).when(receiveTransfer(0)).then([transferReceived(0, 6), transferDiscrepancy(6, 0)]);
      expect(inTransit(lost)).toBe(0);
      expect(transferDiscrepancy(6, 0).data).toMatchObject({ difference: -6 });
    });

    it('refuses a receipt before dispatch, and a second receipt; the same receipt redelivered changes nothing', () => {
      given(transferRequested, transferPicked(6, 6)).when(receiveTransfer(6)).thenThrows(WrongStatus, { status: 'requested', rule: 'it cannot be received before it is dispatched' });
      given(...inTransitT1, transferReceived(6, 6)).when(receiveTransfer(6)).then([]);
      given(...inTransitT1, transferReceived(6, 6)).when(receiveTransfer(6, 'R2')).thenThrows(WrongStatus, { status: 'received' });
      given(...inTransitT1, transferReceived(5, 6), transferDiscrepancy(6, 5)).when(receiveTransfer(1, 'R1')).thenThrows(WrongStatus);
    });

    it('refuses negative and fractional quantities', () => {
      for (const quantity of [-1, 2.5, Number.POSITIVE_INFINITY]) given(...inTransitT1).when(receiveTransfer(quantity)).thenThrows(InvalidQuantity, { field: 'quantity', rule: 'whole number' });
    });
  });
});
