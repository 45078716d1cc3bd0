import type { NewEvent, RecordedEvent } from '@bintrail/contracts';
import { openPostgresEventStore, type SqlEventStore } from '@bintrail/event-store';
import { silentLogger } from '@bintrail/observability';
import { dropSchema, testDatabaseUrl, uniqueSchema } from '@bintrail/testing';
import { replenishmentSubscription } from './replenishment.handler';
import { createReplenishmentTables } from './replenishment.tables';

/**
 * The handler on real PostgreSQL, fed events in the order Kafka may deliver them across two topics: a reorder point
 * before stock events recorded earlier. It must wait for that stock instead of judging the point on stale figures.
 */
describe('replenishment handler, events out of global order', () => {
  const schema = uniqueSchema('repl_handler');
  let store: SqlEventStore;

  beforeAll(async () => {
    store = await openPostgresEventStore(testDatabaseUrl(), { schema });
    await createReplenishmentTables(store.db, schema);
  });

  afterAll(async () => {
    await store?.close();
    await dropSchema(testDatabaseUrl(), schema);
  });

  /** What the subscriber SDK does per event: one transaction, the handler's effects and its appends in it. */
  const handle = (event: RecordedEvent) =>
    store.db.transaction((tx) =>
      replenishmentSubscription(schema, { store }).handle(event as RecordedEvent<never>, {
        tx,
        logger: silentLogger,
        append: async (streamId: string, events: readonly NewEvent[]) => (await store.appendWith(tx, streamId, events)).positions.at(-1)!.globalPosition,
      }),
    );
  const ownEvents = async () => (await store.readStream('replenishment-WH1-SKU-1')).map((e) => `${e.type}${(e.data as { kind?: string }).kind ? `:${(e.data as { kind: string }).kind}` : ''}`);

  it('records a point that arrives before earlier stock events, decides once they are handled, and at once when nothing is pending', async () => {
    await store.appendToStream('warehouse-WH1', [
      { type: 'warehouse.WarehouseCreated', data: { code: 'WH1', name: 'Main', bins: [{ code: 'DOCK', kind: 'dock' }, { code: 'STAGING', kind: 'staging' }] } },
      { type: 'warehouse.BinAdded', data: { code: 'A-01', kind: 'storage', zone: 'A' } },
      { type: 'warehouse.StockReceived', data: { receiptId: 'R1', sku: 'SKU-1', bin: 'A-01', quantity: 30 } },
    ]);
    await store.appendToStream('replenishment-WH1-SKU-1', [{ type: 'replenishment.ReorderPointSet', data: { warehouse: 'WH1', sku: 'SKU-1', reorderPoint: 10, reorderQuantity: 50 } }]);
    const [created, binAdded, received] = await store.readStream('warehouse-WH1');
    const [pointSet] = await store.readStream('replenishment-WH1-SKU-1');

    await handle(created!);
    await handle(binAdded!);
    await handle(pointSet!); // the receipt (recorded before it) is not handled yet: 0 on hand is not the truth
    expect(await ownEvents()).toEqual(['replenishment.ReorderPointSet']);
    await handle(received!); // 30 ≥ 10: still nothing to suggest
    expect(await ownEvents()).toEqual(['replenishment.ReorderPointSet']);

    // A point above the stock, with every earlier warehouse event handled: decided when it arrives.
    await store.appendToStream('replenishment-WH1-SKU-1', [{ type: 'replenishment.ReorderPointSet', data: { warehouse: 'WH1', sku: 'SKU-1', reorderPoint: 40, reorderQuantity: 50 } }]);
    const higher = (await store.readStream('replenishment-WH1-SKU-1')).at(-1)!;
    await handle(higher);
    expect(await ownEvents()).toEqual(['replenishment.ReorderPointSet', 'replenishment.ReorderPointSet', 'replenishment.ReplenishmentSuggested:purchase']);
  });
});
