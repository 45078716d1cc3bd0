import { PGlite } from '@electric-sql/pglite';
import type { RecordedEvent } from '@bintrail/contracts';
import { recordedEvents } from '@bintrail/testing';
import { pgliteDatabase, quoteIdent, runMigrations, type SqlDatabase } from '@bintrail/event-store';
import { binStockProjection } from './bin-stock.projection';

const recorded = recordedEvents();
const line = { orderId: 'O1', lineId: 'L1', sku: 'S1' };
const layout = [
  { code: 'DOCK', kind: 'dock' },
  { code: 'STAGING', kind: 'staging' },
];

/** Two warehouses set up, then a day of receipts, putaways, allocations, picks, a short pick and its count, dispatches. */
const history = (): RecordedEvent[] => [
  recorded('warehouse.WarehouseCreated', { code: 'WH1', name: 'North', bins: layout }),
  recorded('warehouse.BinAdded', { code: 'A-01', kind: 'storage', zone: 'A', capacity: 100 }),
  recorded('warehouse.BinAdded', { code: 'B-01', kind: 'storage' }),
  recorded('warehouse.StockReceived', { receiptId: 'R1', sku: 'S1', bin: 'DOCK', quantity: 10 }),
  recorded('warehouse.WarehouseCreated', { code: 'WH2', name: 'South', bins: layout }, 'warehouse-WH2'),
  recorded('warehouse.StockPutAway', { sku: 'S1', fromBin: 'DOCK', toBin: 'A-01', quantity: 10, suggested: true }), // DOCK emptied
  recorded('warehouse.StockAllocated', { ...line, requested: 4, allocations: [{ bin: 'A-01', quantity: 4 }], shortQuantity: 0 }),
  recorded('warehouse.StockMoved', { sku: 'S1', fromBin: 'A-01', toBin: 'B-01', quantity: 6 }),
  recorded('warehouse.StockReceived', { receiptId: 'R2', sku: 'S2', bin: 'DOCK', quantity: 4 }, 'warehouse-WH2'),
  recorded('warehouse.PickShorted', { ...line, bin: 'A-01', shortQuantity: 2, reallocations: [{ bin: 'B-01', quantity: 2 }], unfilledQuantity: 0 }),
  recorded('warehouse.StockAdjusted', { countId: 'C1', bin: 'A-01', sku: 'S1', delta: -2, reason: 'lost' }),
  recorded('warehouse.BinCounted', { countId: 'C1', bin: 'A-01', sku: 'S1', countedQuantity: 2, previousQuantity: 4, reason: 'lost' }),
  recorded('warehouse.StockPicked', { ...line, bin: 'A-01', quantity: 2 }), // A-01 emptied
  recorded('warehouse.PickShorted', { ...line, bin: 'B-01', shortQuantity: 1, reallocations: [], unfilledQuantity: 1 }), // B-01 waits for a count
  recorded('warehouse.StockDispatched', { ...line, quantity: 2, shipmentId: 'SH1' }), // STAGING emptied
  recorded('warehouse.BinAdded', { code: 'A-01', kind: 'storage', zone: 'Z' }), // again: the first one stays
  recorded('warehouse.StockReceived', { receiptId: 'R3', sku: 'S1', bin: 'A-01', quantity: 3 }), // A-01 filled again
  recorded('warehouse.StockReallocated', { ...line, fromBin: 'B-01', quantity: 1, reallocations: [{ bin: 'A-01', quantity: 1 }] }),
  recorded('warehouse.StockAllocated', { ...line, lineId: 'L2', requested: 1, allocations: [{ bin: 'A-01', quantity: 1 }], shortQuantity: 0 }),
  recorded('warehouse.AllocationReleased', { ...line, lineId: 'L2', allocations: [{ bin: 'A-01', quantity: 1 }], stagedQuantity: 0 }),
];

const TABLES = ['warehouse_bins', 'warehouse_bin_stock'];

/** Bins and their stock on PGlite: the batch path a rebuild takes books what `apply` books. */
describe('bin-stock projection (PGlite)', () => {
  let db: SqlDatabase;
  let schemas = 0;
  const freshSchema = async (): Promise<string> => {
    const schema = `bin_stock_test_${++schemas}`;
    await runMigrations(db, schema, `projection:${binStockProjection.name}`, binStockProjection.migrations);
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
    for (const event of events) await db.transaction((tx) => binStockProjection.apply(event, tx, single));
    const at = (i: number) => events[i]!.globalPosition;
    expect((await db.query(`SELECT * FROM ${single}.warehouse_bin_stock ORDER BY warehouse, bin, sku`)).rows).toEqual([
      { warehouse: 'WH1', bin: 'A-01', sku: 'S1', on_hand: 3, allocated: 1, position: at(19) },
      { warehouse: 'WH1', bin: 'B-01', sku: 'S1', on_hand: 6, allocated: 0, position: at(17) },
      { warehouse: 'WH2', bin: 'DOCK', sku: 'S2', on_hand: 4, allocated: 0, position: at(8) },
    ]);
    expect((await db.query(`SELECT bin, zone, capacity, waiting_for_count FROM ${single}.warehouse_bins WHERE warehouse = 'WH1' ORDER BY bin`)).rows).toEqual([
      { bin: 'A-01', zone: 'A', capacity: 100, waiting_for_count: false },
      { bin: 'B-01', zone: null, capacity: null, waiting_for_count: true },
      { bin: 'DOCK', zone: null, capacity: null, waiting_for_count: false },
      { bin: 'STAGING', zone: null, capacity: null, waiting_for_count: false },
    ]);

    for (const cuts of [[], [1], [4, 12], [9, 10, 11, 15], [...events.keys()].slice(1)]) {
      const batched = await freshSchema();
      const bounds = [0, ...cuts, events.length];
      for (let i = 1; i < bounds.length; i++) await db.transaction((tx) => binStockProjection.applyBatch!(events.slice(bounds[i - 1], bounds[i]), tx, batched));
      for (const table of TABLES) {
        const expected = await rows(single, table);
        expect(expected.length).toBeGreaterThan(1);
        expect({ cuts, table, rows: await rows(batched, table) }).toEqual({ cuts, table, rows: expected });
      }
    }
  });

  it('sets no count flag on a bin added after it, as apply finds no bin to flag', async () => {
    const events = [
      recorded('warehouse.PickShorted', { ...line, bin: 'C-01', shortQuantity: 0, reallocations: [], unfilledQuantity: 0 }, 'warehouse-WH3'),
      recorded('warehouse.BinAdded', { code: 'C-01', kind: 'storage' }, 'warehouse-WH3'),
    ];
    const single = await freshSchema();
    for (const event of events) await db.transaction((tx) => binStockProjection.apply(event, tx, single));
    const batched = await freshSchema();
    await db.transaction((tx) => binStockProjection.applyBatch!(events, tx, batched));
    expect(await rows(batched, 'warehouse_bins')).toEqual(await rows(single, 'warehouse_bins'));
    expect(await rows(batched, 'warehouse_bins')).toEqual([JSON.stringify({ warehouse: 'WH3', bin: 'C-01', kind: 'storage', zone: null, capacity: null, waiting_for_count: false })]);
  });

  it('refuses a batch that apply would refuse part-way, even when the batch as a whole nets out, and books nothing of it', async () => {
    const batched = await freshSchema();
    await db.transaction((tx) => binStockProjection.applyBatch!(history(), tx, batched));
    const before = await Promise.all(TABLES.map((t) => rows(batched, t)));
    const overdrawn = recorded('warehouse.StockAdjusted', { countId: 'C2', bin: 'B-01', sku: 'S1', delta: -7, reason: 'lost' }); // B-01 holds 6
    const refilled = recorded('warehouse.StockReceived', { receiptId: 'R4', sku: 'S1', bin: 'B-01', quantity: 5 });
    const counted = recorded('warehouse.BinCounted', { countId: 'C2', bin: 'B-01', sku: 'S1', countedQuantity: 6, previousQuantity: 6, reason: 'check' });

    const single = await freshSchema();
    for (const event of history()) await db.transaction((tx) => binStockProjection.apply(event, tx, single));
    await expect(db.transaction((tx) => binStockProjection.apply(overdrawn, tx, single))).rejects.toThrow('bin B-01 of WH1 would hold -1 units of S1, 0 allocated');
    await expect(db.transaction((tx) => binStockProjection.applyBatch!([counted, overdrawn, refilled], tx, batched))).rejects.toThrow('bin B-01 of WH1 would hold -1 units of S1, 0 allocated');
    expect(await Promise.all(TABLES.map((t) => rows(batched, t)))).toEqual(before); // the count's flag too

    await db.transaction((tx) => binStockProjection.applyBatch!([counted, refilled, overdrawn], tx, batched));
    expect(await rows(batched, 'warehouse_bin_stock')).toContainEqual(JSON.stringify({ warehouse: 'WH1', bin: 'B-01', sku: 'S1', on_hand: 4, allocated: 0, position: overdrawn.globalPosition }));
  });
});
