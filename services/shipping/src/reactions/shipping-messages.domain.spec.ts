import { asnReceiptCommand, openShipmentCommands, pickEntryOf, shipmentIdOf, transferPickCommand } from './shipping-messages.domain';

const ref = { orderId: 'O1', lineId: 'L1', sku: 'S1', attempt: 1, allocationLineId: 'L1#1', warehouse: 'WH1' };

describe('the shipping reactions to order and warehouse events', () => {
  it('books a pick and a staged loss under their own ids; an unstaged loss changes nothing', () => {
    expect(pickEntryOf({ type: 'order.LinePicked', data: { ...ref, quantity: 5, pickId: 'p1' } })).toEqual({ orderId: 'O1', entryId: 'pick:p1', allocationLineId: 'L1#1', warehouse: 'WH1', sku: 'S1', delta: 5 });
    expect(pickEntryOf({ type: 'order.AllocationLost', data: { ...ref, quantity: 2, staged: true, shortfallId: 'f1' } })).toMatchObject({ entryId: 'lost:f1', delta: -2 });
    expect(pickEntryOf({ type: 'order.AllocationLost', data: { ...ref, quantity: 2, staged: false, shortfallId: 'f1' } })).toBeUndefined();
    expect(pickEntryOf({ type: 'order.PicksCompleted', data: { orderId: 'O1' } })).toBeUndefined();
  });

  it('opens one shipment per warehouse with what is staged, ids derived from the order', () => {
    const commands = openShipmentCommands('O1', [
      { allocationLineId: 'L2#1', warehouse: 'WH2', sku: 'S2', quantity: 3 },
      { allocationLineId: 'L1#2', warehouse: 'WH1', sku: 'S1', quantity: 4 },
      { allocationLineId: 'L1#1', warehouse: 'WH1', sku: 'S1', quantity: 0 },
      { allocationLineId: 'L3#1', warehouse: 'WH1', sku: 'S3', quantity: 1 },
    ]);
    expect(commands).toEqual([
      { type: 'OpenShipment', shipmentId: 'O1-WH1', orderId: 'O1', warehouse: 'WH1', lines: [{ lineId: 'L1#2', sku: 'S1', quantity: 4 }, { lineId: 'L3#1', sku: 'S3', quantity: 1 }] },
      { type: 'OpenShipment', shipmentId: 'O1-WH2', orderId: 'O1', warehouse: 'WH2', lines: [{ lineId: 'L2#1', sku: 'S2', quantity: 3 }] },
    ]);
    expect(shipmentIdOf('O1', 'WH1')).toBe('O1-WH1');
    expect(openShipmentCommands('O1', [])).toEqual([]);
  });

  it('books a receipt naming an ASN against it, and only such a receipt', () => {
    const received = { receiptId: 'r1', sku: 'S1', bin: 'DOCK', quantity: 7 };
    expect(asnReceiptCommand({ type: 'warehouse.StockReceived', data: { ...received, expectedReceiptId: 'A1' } })).toEqual({ type: 'RecordAsnReceipt', asnId: 'A1', sku: 'S1', quantity: 7, receiptId: 'r1' });
    expect(asnReceiptCommand({ type: 'warehouse.StockReceived', data: received })).toBeUndefined();
  });

  it("books a pick at a transfer's source on the transfer, under the warehouse event's id; an order's pick asks for nothing", () => {
    const pick = { sku: 'S1', bin: 'A-01', quantity: 4 };
    expect(transferPickCommand({ type: 'warehouse.StockPicked', data: { ...pick, orderId: 'transfer-T1', lineId: 'transfer-T1' } }, 'e1')).toEqual({
      type: 'RecordTransferPicked',
      transferId: 'T1',
      quantity: 4,
      pickId: 'e1',
    });
    expect(transferPickCommand({ type: 'warehouse.StockPicked', data: { ...pick, orderId: 'O1', lineId: 'L1#1' } }, 'e2')).toBeUndefined();
    expect(transferPickCommand({ type: 'warehouse.StockPicked', data: { ...pick, orderId: 'transfer-T1', lineId: 'L1#1' } }, 'e3')).toBeUndefined();
    expect(transferPickCommand({ type: 'order.PicksCompleted', data: { orderId: 'O1' } }, 'e4')).toBeUndefined();
  });
});
