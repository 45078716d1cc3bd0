import { specify } from '../decider.test-helper';
import { transferDecider, type TransferCommand, type TransferEvent } from './transfer.domain';

export const given = specify(transferDecider);

export const DISPATCHED_AT = '2026-03-03T07:00:00.000Z';
const ref = { transferId: 'T1', sku: 'S1', fromWarehouse: 'WH1', toWarehouse: 'WH2' };
const allocation = { orderId: 'transfer-T1', lineId: 'transfer-T1' };

/** T1: 6 × S1 from WH1 to WH2. */
export const requestTransfer = { type: 'RequestTransfer', ...ref, quantity: 6 } as const satisfies TransferCommand;
export const transferRequested: TransferEvent = { type: 'shipping.TransferRequested', data: { ...ref, quantity: 6, allocation } };

export const recordPicked = (quantity: number, pickId = 'P1'): TransferCommand => ({ type: 'RecordTransferPicked', transferId: 'T1', quantity, pickId });
export const transferPicked = (quantity: number, picked: number, pickId = 'P1'): TransferEvent => ({ type: 'shipping.TransferPicked', data: { ...ref, quantity, pickId, picked } });

export const dispatchTransfer = { type: 'DispatchTransfer', transferId: 'T1', dispatchedAt: DISPATCHED_AT } as const satisfies TransferCommand;
export const transferDispatched = (quantity: number, unpicked = 6 - quantity): TransferEvent => ({
  type: 'shipping.TransferDispatched',
  data: { ...ref, quantity, unpicked, dispatchedAt: DISPATCHED_AT, allocation },
});

export const receiveTransfer = (quantity: number, receiptId = 'R1'): TransferCommand => ({ type: 'ReceiveTransfer', transferId: 'T1', quantity, receiptId });
export const transferReceived = (quantity: number, dispatched: number, receiptId = 'R1'): TransferEvent => ({
  type: 'shipping.TransferReceived',
  data: { ...ref, quantity, dispatched, receiptId },
});
export const transferDiscrepancy = (dispatched: number, received: number, receiptId = 'R1'): TransferEvent => ({
  type: 'shipping.TransferDiscrepancy',
  data: { ...ref, dispatched, received, difference: received - dispatched, receiptId },
});

/** T1 requested, all 6 picked, dispatched. */
export const inTransitT1: readonly TransferEvent[] = [transferRequested, transferPicked(6, 6), transferDispatched(6)];
