import { transferCommandsFor } from './transfer-messages.domain';

const ref = { transferId: 'T1', sku: 'S1', fromWarehouse: 'WH1', toWarehouse: 'WH2' };
const allocation = { orderId: 'transfer-T1', lineId: 'transfer-T1' };

describe('what transfer events ask of the warehouses', () => {
  it('a requested transfer is allocated at the source like an order line, under the transfer’s allocation', () => {
    expect(transferCommandsFor({ type: 'shipping.TransferRequested', data: { ...ref, quantity: 6, allocation } })).toEqual([
      { warehouse: 'WH1', command: { type: 'AllocateStock', orderId: 'transfer-T1', lineId: 'transfer-T1', sku: 'S1', quantity: 6 } },
    ]);
  });

  it('a dispatch ships what the transfer sent from the source’s staging, then gives back whatever the line still holds', () => {
    expect(transferCommandsFor({ type: 'shipping.TransferDispatched', data: { ...ref, quantity: 4, unpicked: 2, dispatchedAt: '2026-03-03T07:00:00.000Z', allocation } })).toEqual([
      { warehouse: 'WH1', command: { type: 'DispatchStock', orderId: 'transfer-T1', lineId: 'transfer-T1', shipmentId: 'transfer-T1', quantity: 4 } },
      { warehouse: 'WH1', command: { type: 'ReleaseAllocation', orderId: 'transfer-T1', lineId: 'transfer-T1' } },
    ]);
  });

  it('a receipt books what arrived at the destination’s dock, under the receipt’s id; nothing arrived asks for nothing', () => {
    expect(transferCommandsFor({ type: 'shipping.TransferReceived', data: { ...ref, quantity: 5, dispatched: 6, receiptId: 'R1' } })).toEqual([
      { warehouse: 'WH2', command: { type: 'ReceiveStock', receiptId: 'R1', sku: 'S1', quantity: 5, bin: 'DOCK' } },
    ]);
    expect(transferCommandsFor({ type: 'shipping.TransferReceived', data: { ...ref, quantity: 0, dispatched: 6, receiptId: 'R1' } })).toEqual([]);
  });
});
