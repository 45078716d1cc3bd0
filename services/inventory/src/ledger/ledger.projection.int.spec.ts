import { PGlite } from '@electric-sql/pglite';
import type { RecordedEvent } from '@bintrail/contracts';
import { recordedEvents } from '@bintrail/testing';
import { pgliteDatabase, quoteIdent, runMigrations, type SqlDatabase } from '@bintrail/event-store';
import { itemsProjection } from '../items/items.projection';
import { ledgerProjection } from './ledger.projection';
import { movementsOfSku, resolveAsOf, stockAsOf } from './ledger.queries';

const SCHEMA = 'ledger_test';
const s = quoteIdent(SCHEMA);

const recorded = recordedEvents();

/** The stock ledger on PGlite: rows and running balances as the runner books them, redeliveries included. */
describe('stock ledger projection (PGlite)', () => {
  let db: SqlDatabase;
  const apply = (event: RecordedEvent) => db.transaction((tx) => ledgerProjection.apply(event, tx, s));

  beforeAll(async () => {
    db = pgliteDatabase(new PGlite());
    // The item master's tables too: an as-of answer asks it whether a SKU the ledger never saw exists.
    for (const p of [itemsProjection, ledgerProjection]) await runMigrations(db, SCHEMA, `projection:${p.name}`, p.migrations);
  });
  afterAll(() => db.close());

  it('books running balances, ignores a redelivered event, and answers as of any position or time', async () => {
    const received = recorded('warehouse.StockReceived', { sku: 'S1', bin: 'DOCK', quantity: 10, receiptId: 'R1' });
    const putAway = recorded('warehouse.StockPutAway', { sku: 'S1', fromBin: 'DOCK', toBin: 'A-01', quantity: 6, suggested: false });
    const allocated = recorded('warehouse.StockAllocated', { sku: 'S1', orderId: 'O1', lineId: 'L1', requested: 2, allocations: [{ bin: 'A-01', quantity: 2 }], shortQuantity: 0 });
    const inTransit = recorded('shipping.TransferDispatched', { sku: 'S1', toWarehouse: 'WH2', quantity: 3 }, 'transfer-T1');
    const adjusted = recorded('warehouse.StockAdjusted', { sku: 'S1', bin: 'A-01', delta: -1, countId: 'C1', reason: 'lost' });
    for (const event of [received, putAway, putAway, allocated, inTransit, received, adjusted, adjusted]) await apply(event);

    const { movements } = await movementsOfSku(db, s, 'S1', { limit: 100 });
    expect(movements.map((m) => [m.globalPosition, m.bin, m.kind, m.delta, m.balance])).toEqual([
      [received.globalPosition, 'DOCK', 'receipt', 10, 10],
      [putAway.globalPosition, 'DOCK', 'putaway-out', -6, 4],
      [putAway.globalPosition, 'A-01', 'putaway-in', 6, 6],
      [adjusted.globalPosition, 'A-01', 'adjustment', -1, 5],
    ]);
    expect(movements[0]).toMatchObject({ eventId: received.eventId, type: 'warehouse.StockReceived', correlationId: 'c10', actor: 'clerk', occurredAt: '2026-03-01T00:10:00.000Z' });

    const figures = (p: number) => stockAsOf(db, s, 'S1', p);
    expect(await figures(received.globalPosition - 1)).toMatchObject({ onHand: 0, warehouses: [] });
    expect(await figures(putAway.globalPosition)).toMatchObject({ onHand: 10, reserved: 0, warehouses: [{ warehouse: 'WH1', onHand: 10 }] });
    expect(await figures(inTransit.globalPosition)).toEqual({
      sku: 'S1',
      onHand: 10,
      reserved: 2,
      available: 8,
      inTransit: 3,
      backOrdered: 0,
      warehouses: [
        { warehouse: 'WH1', onHand: 10, reserved: 2, available: 8, inTransit: 0 },
        { warehouse: 'WH2', onHand: 0, reserved: 0, available: 0, inTransit: 3 },
      ],
    });
    expect(await figures(adjusted.globalPosition + 100)).toMatchObject({ onHand: 9, reserved: 2 });
    expect(await stockAsOf(db, s, 'NEVER-SEEN', 1000)).toBeUndefined();

    // A time between two events resolves to the earlier one's position.
    expect(await resolveAsOf(db, s, { time: new Date(Date.UTC(2026, 2, 1, 0, putAway.globalPosition, 30)) })).toEqual({
      position: putAway.globalPosition,
      time: '2026-03-01T00:20:30.000Z',
    });
    expect(await resolveAsOf(db, s, { time: new Date(Date.UTC(2020, 0, 1)) })).toMatchObject({ position: 0 });
  });

  it('books the same rows through applyBatch (a rebuild) as through apply event by event, in two batches and again on redelivery', async () => {
    const batched = quoteIdent('ledger_batch_test');
    const single = quoteIdent('ledger_single_test');
    const memoed = quoteIdent('ledger_memo_test');
    for (const schema of ['ledger_batch_test', 'ledger_single_test', 'ledger_memo_test']) await runMigrations(db, schema, `projection:${ledgerProjection.name}`, ledgerProjection.migrations);
    const events = [
      recorded('warehouse.StockReceived', { sku: 'S2', bin: 'DOCK', quantity: 10, receiptId: 'R1' }),
      recorded('warehouse.StockPutAway', { sku: 'S2', fromBin: 'DOCK', toBin: 'A-01', quantity: 6, suggested: false }),
      recorded('warehouse.StockAllocated', { sku: 'S2', orderId: 'O1', lineId: 'L1', requested: 2, allocations: [{ bin: 'A-01', quantity: 2 }], shortQuantity: 0 }),
      recorded('order.LineBackOrdered', { orderId: 'O2', lineId: 'L1', sku: 'S2', placedAt: '2026-03-01T00:00:00Z', quantity: 4, reason: 'every warehouse short' }, 'order-O2'),
      recorded('warehouse.StockPicked', { sku: 'S2', orderId: 'O1', lineId: 'L1', bin: 'A-01', quantity: 2 }),
      recorded('shipping.TransferDispatched', { sku: 'S2', toWarehouse: 'WH2', quantity: 3 }, 'transfer-T1'),
      recorded('warehouse.StockAdjusted', { sku: 'S2', bin: 'A-01', delta: -1, countId: 'C1', reason: 'lost' }),
      recorded('warehouse.StockMoved', { sku: 'S2', fromBin: 'A-01', toBin: 'B-01', quantity: 3 }),
    ];
    for (const event of events) await db.transaction((tx) => ledgerProjection.apply(event, tx, single));
    await db.transaction((tx) => ledgerProjection.applyBatch!(events.slice(0, 3), tx, batched));
    await db.transaction((tx) => ledgerProjection.applyBatch!(events.slice(3), tx, batched));
    await db.transaction((tx) => ledgerProjection.applyBatch!(events.slice(2, 6), tx, batched)); // delivered again
    // As a rebuild folds: a memo carries the balances from batch to batch (only the first batch looks them up).
    const memo = new Map<string, unknown>();
    for (const [from, to] of [[0, 2], [2, 5], [5, 8]] as const) await db.transaction((tx) => ledgerProjection.applyBatch!(events.slice(from, to), tx, memoed, memo));
    expect(memo.size).toBe(2);
    for (const table of ['inventory_stock_ledger', 'inventory_stock_ledger_keys', 'inventory_figure_ledger', 'inventory_figure_ledger_keys']) {
      const rows = async (schema: string) => (await db.query(`SELECT * FROM ${schema}.${table}`)).rows.map((r) => JSON.stringify(r)).sort();
      const expected = await rows(single);
      expect(expected.length).toBeGreaterThan(1);
      expect(await rows(batched)).toEqual(expected);
      expect(await rows(memoed)).toEqual(expected);
    }
    // A batch that would take a bin below zero is refused whole, as apply refuses the event.
    const overdrawn = recorded('warehouse.StockPicked', { sku: 'S2', orderId: 'O1', lineId: 'L1', bin: 'B-01', quantity: 9 });
    await expect(db.transaction((tx) => ledgerProjection.applyBatch!([overdrawn], tx, batched))).rejects.toThrow(/bin B-01 of WH1 would hold -6 units of S2/);
  });
});
