import { PGlite } from '@electric-sql/pglite';
import type { RecordedEvent } from '@bintrail/contracts';
import { pgliteDatabase, quoteIdent, runMigrations, type SqlDatabase } from '@bintrail/event-store';
import { itemsProjection } from '../items/items.projection';
import { ledgerProjection } from './ledger.projection';
import { movementsOfSku, resolveAsOf, stockAsOf } from './ledger.queries';

const SCHEMA = 'ledger_test';
const s = quoteIdent(SCHEMA);

let position = 0;
const recorded = (type: string, data: unknown, streamId = 'warehouse-WH1'): RecordedEvent => {
  position += 10; // global positions have gaps
  return {
    type,
    version: 1,
    eventId: `e${position}`,
    streamId,
    streamPosition: position,
    globalPosition: position,
    occurredAt: new Date(Date.UTC(2026, 2, 1, 0, position)),
    data,
    metadata: { correlationId: `c${position}`, causationId: null, actor: 'clerk', source: 'test' },
  };
};

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
});
