import { Kafka, logLevel } from 'kafkajs';
import type { NewEvent } from '@bintrail/contracts';
import { openPostgresEventStore, type SqlEventStore } from '@bintrail/event-store';
import { ensurePlatformTopics, KafkaBus, ProcessLeaderLock, Relay, SqlCheckpointStore } from '@bintrail/messaging';
import { silentLogger } from '@bintrail/observability';
import type { SubscriberConfig } from '@bintrail/subscriber';
import { dropSchema, testDatabaseUrl, testKafkaBrokers, uniqueSchema } from '@bintrail/testing';
import { startReplenishment, type RunningReplenishment } from './replenishment-service';

async function eventually<T>(check: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Replenishment on real PostgreSQL and Kafka with the relay in between: the warehouse's events are appended to the
 * store as the warehouse service would, and reach the service through Kafka once it is live. Stopping and
 * restarting the service (same consumer group) suggests nothing twice.
 */
describe('replenishment service on PostgreSQL, Kafka and the relay', () => {
  const schema = uniqueSchema('repl');
  const config: SubscriberConfig = { databaseUrl: testDatabaseUrl(), schema, kafkaBrokers: testKafkaBrokers(), topicPrefix: schema, service: 'replenishment', logger: silentLogger };
  let store: SqlEventStore;
  let bus: KafkaBus;
  let relay: Relay;
  let service: RunningReplenishment | undefined;

  beforeAll(async () => {
    store = await openPostgresEventStore(testDatabaseUrl(), { schema, source: 'warehouse' });
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'replenishment-test', logger: silentLogger });
    await ensurePlatformTopics(bus, { prefix: schema, categories: ['warehouse'], partitions: 2 });
    relay = new Relay(store, await SqlCheckpointStore.open(store.db, schema), bus, new ProcessLeaderLock(), { topicPrefix: schema, idlePollMs: 5, retryDelayMs: 100 });
    relay.start();
  });

  afterAll(async () => {
    await service?.close();
    await relay?.stop();
    await bus?.close();
    await store?.close();
    await dropSchema(testDatabaseUrl(), schema);
    const admin = new Kafka({ brokers: testKafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${schema}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    await admin.disconnect();
  });

  const warehouse = (...events: NewEvent[]) => store.appendToStream('warehouse-WH1', events);
  const allocated = (lineId: string, bin: string, quantity: number): NewEvent => ({
    type: 'warehouse.StockAllocated',
    data: { orderId: 'O1', lineId, sku: 'SKU-1', requested: quantity, allocations: [{ bin, quantity }], shortQuantity: 0 },
  });
  const stock = async () => (await fetch(`${service!.url}/replenishment/stock/WH1/SKU-1`)).json() as Promise<{ levels: Record<string, number>; openSuggestion: unknown }>;
  const ownEvents = async () => (await store.readStream('replenishment-WH1-SKU-1')).map((e) => `${e.type}${(e.data as { kind?: string }).kind ? `:${(e.data as { kind: string }).kind}` : ''}`);

  it('suggests a move once per shortage, across a restart, and closes it when the pick face is refilled', async () => {
    await warehouse(
      { type: 'warehouse.WarehouseCreated', data: { code: 'WH1', name: 'Main', bins: [{ code: 'DOCK', kind: 'dock' }, { code: 'STAGING', kind: 'staging' }] } },
      { type: 'warehouse.BinAdded', data: { code: 'A-01', kind: 'storage', zone: 'A' } },
      { type: 'warehouse.BinAdded', data: { code: 'R-01', kind: 'storage', zone: 'RESERVE' } },
      { type: 'warehouse.StockReceived', data: { receiptId: 'RC1', sku: 'SKU-1', bin: 'A-01', quantity: 20 } },
      { type: 'warehouse.StockReceived', data: { receiptId: 'RC2', sku: 'SKU-1', bin: 'R-01', quantity: 10 } },
    );
    service = await startReplenishment(config, { port: 0 });
    await eventually(async () => expect((await stock()).levels).toEqual({ onHand: 30, allocated: 0, available: 30, reserveFree: 10, pickFaceAvailable: 20 }));

    const put = await fetch(`${service.url}/replenishment/reorder-points/WH1/SKU-1`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reorderPoint: 10, reorderQuantity: 30 }) });
    expect(put.status).toBe(200);
    const unknownField = await fetch(`${service.url}/replenishment/reorder-points/WH1/SKU-1`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reorderPoint: 10, reorderQuantity: 30, colour: 'red' }) });
    expect(await unknownField.json()).toMatchObject({ statusCode: 400, message: ['property colour should not exist'] });
    await eventually(async () => expect(await ownEvents()).toEqual(['replenishment.ReorderPointSet']));

    await warehouse(allocated('L1', 'A-01', 15)); // 5 pickable left
    await eventually(async () => expect(await ownEvents()).toEqual(['replenishment.ReorderPointSet', 'replenishment.ReplenishmentSuggested:move']));
    expect((await stock()).openSuggestion).toEqual({ kind: 'move', fromBin: 'R-01', toBin: 'A-01', quantity: 10 });

    // Down while stock keeps moving; back up on the same group: it resumes from its checkpoint and suggests nothing twice.
    await service.close();
    service = undefined;
    await warehouse(allocated('L2', 'A-01', 1));
    service = await startReplenishment(config, { port: 0 });
    await eventually(async () => expect((await stock()).levels).toMatchObject({ allocated: 16, pickFaceAvailable: 4 }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await ownEvents()).toEqual(['replenishment.ReorderPointSet', 'replenishment.ReplenishmentSuggested:move']);

    await warehouse({ type: 'warehouse.StockMoved', data: { sku: 'SKU-1', fromBin: 'R-01', toBin: 'A-01', quantity: 10 } });
    await eventually(async () => expect(await ownEvents()).toEqual(['replenishment.ReorderPointSet', 'replenishment.ReplenishmentSuggested:move', 'replenishment.ReplenishmentClosed:move']));
    expect(await stock()).toMatchObject({ levels: { available: 14, reserveFree: 0, pickFaceAvailable: 14 }, openSuggestion: null });
    expect(service.subscription.status()).toMatchObject({ phase: 'live', deadLettered: 0 });
  }, 90_000);
});
