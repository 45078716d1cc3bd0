import { PGlite } from '@electric-sql/pglite';
import type { RecordedEvent } from '@bintrail/contracts';
import { recordedEvents } from '@bintrail/testing';
import { pgliteDatabase, quoteIdent, runMigrations, type SqlDatabase } from '@bintrail/event-store';
import { stockProjection } from './stock.projection';

const recorded = recordedEvents();
const line = { orderId: 'O1', lineId: 'L1', sku: 'S1' };

/** A day of two warehouses: receipts, putaways, moves, allocations, picks, dispatches, counts, back-orders and goods in transit. */
const history = (): RecordedEvent[] => [
  recorded('warehouse.StockReceived', { sku: 'S1', bin: 'DOCK', quantity: 10, receiptId: 'R1' }),
  recorded('shipping.ExpectedReceiptRegistered', { warehouse: 'WH2', lines: [{ sku: 'S1', quantity: 5 }, { sku: 'S2', quantity: 4 }] }, 'asn-A1'),
  recorded('warehouse.StockPutAway', { sku: 'S1', fromBin: 'DOCK', toBin: 'A-01', quantity: 10, suggested: true }), // DOCK emptied
  recorded('order.LineBackOrdered', { orderId: 'O2', lineId: 'L1', sku: 'S2', quantity: 4 }, 'order-O2'),
  recorded('warehouse.StockAllocated', { ...line, requested: 4, allocations: [{ bin: 'A-01', quantity: 4 }], shortQuantity: 0 }),
  recorded('warehouse.StockMoved', { sku: 'S1', fromBin: 'A-01', toBin: 'B-01', quantity: 6 }), // totals unchanged
  recorded('shipping.ExpectedReceiptReceived', { warehouse: 'WH2', sku: 'S2', quantity: 4 }, 'asn-A1'),
  recorded('warehouse.StockReceived', { sku: 'S2', bin: 'DOCK', quantity: 4, receiptId: 'R2' }, 'warehouse-WH2'),
  recorded('order.AllocationRequested', { orderId: 'O2', lineId: 'L1', sku: 'S2', quantity: 3, retry: true }, 'order-O2'),
  recorded('warehouse.StockReallocated', { ...line, fromBin: 'A-01', quantity: 2, reallocations: [{ bin: 'B-01', quantity: 2 }] }),
  recorded('warehouse.StockPicked', { ...line, bin: 'A-01', quantity: 2 }),
  recorded('warehouse.PickShorted', { ...line, bin: 'B-01', shortQuantity: 1, reallocations: [], unfilledQuantity: 1 }),
  recorded('warehouse.StockDispatched', { ...line, quantity: 2, shipmentId: 'SH1' }), // STAGING emptied
  recorded('shipping.ExpectedReceiptClosed', { warehouse: 'WH2', shortages: [{ sku: 'S1', quantity: 5 }] }, 'asn-A1'), // in transit back to 0
  recorded('shipping.TransferDispatched', { sku: 'S2', toWarehouse: 'WH1', quantity: 2 }, 'transfer-T1'),
  recorded('warehouse.StockAdjusted', { sku: 'S1', bin: 'A-01', delta: -2, countId: 'C1', reason: 'lost' }), // A-01 emptied
  recorded('warehouse.StockReceived', { sku: 'S1', bin: 'A-01', quantity: 3, receiptId: 'R3' }), // and filled again
  recorded('shipping.TransferReceived', { sku: 'S2', toWarehouse: 'WH1', dispatched: 2 }, 'transfer-T1'),
  recorded('warehouse.AllocationReleased', { ...line, allocations: [{ bin: 'B-01', quantity: 1 }], stagedQuantity: 0 }),
  recorded('order.OrderCancelled', { backOrdersCancelled: [{ sku: 'S2', quantity: 1 }] }, 'order-O2'),
  recorded('order.LineBackOrdered', { orderId: 'O4', lineId: 'L1', sku: 'S1', quantity: 2 }, 'order-O4'),
];

const TABLES = ['inventory_stock', 'inventory_bin_stock', 'inventory_back_orders'];

/** Stock totals, bin copy and back-orders on PGlite: the batch path a rebuild takes books what `apply` books. */
describe('stock projection (PGlite)', () => {
  let db: SqlDatabase;
  let schemas = 0;
  const freshSchema = async (): Promise<string> => {
    const schema = `stock_test_${++schemas}`;
    await runMigrations(db, schema, `projection:${stockProjection.name}`, stockProjection.migrations);
    return quoteIdent(schema);
  };
  const rows = async (s: string, table: string) => (await db.query(`SELECT * FROM ${s}.${table}`)).rows.map((r) => JSON.stringify(r)).sort();

  beforeAll(() => {
    db = pgliteDatabase(new PGlite());
  });
  afterAll(() => db.close());

  it('books the same rows through applyBatch (a rebuild) as through apply event by event, however the log is cut into batches', async () => {
    const events = history();
    const single = await freshSchema();
    for (const event of events) await db.transaction((tx) => stockProjection.apply(event, tx, single));
    const at = (i: number) => events[i]!.globalPosition;
    expect((await db.query(`SELECT * FROM ${single}.inventory_stock ORDER BY sku, warehouse`)).rows).toEqual([
      { sku: 'S1', warehouse: 'WH1', on_hand: 9, reserved: 0, in_transit: 0, back_ordered: 0, position: at(18) },
      { sku: 'S1', warehouse: 'WH2', on_hand: 0, reserved: 0, in_transit: 0, back_ordered: 0, position: at(13) },
      { sku: 'S2', warehouse: 'WH1', on_hand: 0, reserved: 0, in_transit: 0, back_ordered: 0, position: at(17) },
      { sku: 'S2', warehouse: 'WH2', on_hand: 4, reserved: 0, in_transit: 0, back_ordered: 0, position: at(7) },
    ]);

    for (const cuts of [[], [1], [3, 11], [5, 6, 13, 16], [...events.keys()].slice(1)]) {
      const batched = await freshSchema();
      const bounds = [0, ...cuts, events.length];
      for (let i = 1; i < bounds.length; i++) await db.transaction((tx) => stockProjection.applyBatch!(events.slice(bounds[i - 1], bounds[i]), tx, batched));
      for (const table of TABLES) {
        const expected = await rows(single, table);
        expect(expected.length).toBeGreaterThan(1);
        expect({ cuts, table, rows: await rows(batched, table) }).toEqual({ cuts, table, rows: expected });
      }
    }
  });

  it('refuses a batch that apply would refuse part-way, even when the batch as a whole nets out, and books nothing of it', async () => {
    const overdrawn = recorded('warehouse.StockAdjusted', { sku: 'S1', bin: 'B-01', delta: -7, countId: 'C2', reason: 'lost' }); // B-01 holds 6
    const refilled = recorded('warehouse.StockReceived', { sku: 'S1', bin: 'B-01', quantity: 5, receiptId: 'R4' });
    const single = await freshSchema();
    for (const event of history()) await db.transaction((tx) => stockProjection.apply(event, tx, single));
    await expect(db.transaction((tx) => stockProjection.apply(overdrawn, tx, single))).rejects.toThrow('S1 in bin B-01 of WH1 would be -1 on hand, 0 reserved');

    const batched = await freshSchema();
    await db.transaction((tx) => stockProjection.applyBatch!(history(), tx, batched));
    const before = await Promise.all(TABLES.map((t) => rows(batched, t)));
    await expect(db.transaction((tx) => stockProjection.applyBatch!([overdrawn, refilled], tx, batched))).rejects.toThrow('S1 in bin B-01 of WH1 would be -1 on hand, 0 reserved');
    const unreceived = recorded('shipping.ExpectedReceiptReceived', { warehouse: 'WH1', sku: 'S2', quantity: 1 }, 'asn-A2');
    const registered = recorded('shipping.ExpectedReceiptRegistered', { warehouse: 'WH1', lines: [{ sku: 'S2', quantity: 1 }] }, 'asn-A2');
    await expect(db.transaction((tx) => stockProjection.applyBatch!([unreceived, registered], tx, batched))).rejects.toThrow('S2 in WH1 would have -1 units in transit');
    const overFilled = recorded('order.AllocationRequested', { orderId: 'O3', lineId: 'L1', sku: 'S2', quantity: 1, retry: true }, 'order-O3');
    const backOrdered = recorded('order.LineBackOrdered', { orderId: 'O3', lineId: 'L1', sku: 'S2', quantity: 1 }, 'order-O3');
    await expect(db.transaction((tx) => stockProjection.applyBatch!([overFilled, backOrdered], tx, batched))).rejects.toThrow('S2 would have -1 units back-ordered');
    expect(await Promise.all(TABLES.map((t) => rows(batched, t)))).toEqual(before);

    // In the order apply would accept them, the same events go through.
    await db.transaction((tx) => stockProjection.applyBatch!([refilled, overdrawn], tx, batched));
    expect(await rows(batched, 'inventory_bin_stock')).toContainEqual(
      JSON.stringify({ sku: 'S1', warehouse: 'WH1', bin: 'B-01', on_hand: 4, reserved: 0, position: overdrawn.globalPosition }),
    );
  });
});
