import { Kafka, logLevel } from 'kafkajs';
import { createLogger } from '@bintrail/observability';
import { startReplenishment, type RunningReplenishment } from '@bintrail/replenishment';
import { DistributedLauncher, eventually } from './testing/platform-process';

interface Suggested {
  type: string;
  streamId: string;
  data: { warehouse: string; sku: string; kind: string; fromBin?: string; toBin?: string | null; quantity: number; levels: { available: number; pickFaceAvailable: number } };
}

/**
 * The example subscriber service against the running platform (distributed: relay + one process per service on
 * PostgreSQL and Kafka): replenishment, started in this process with the same schema and topic prefix, learns the
 * stock from the warehouse's events and suggests a move from reserve, then a purchase, as orders use the stock up.
 */
describe('services/replenishment on the distributed platform', () => {
  const unique = `repl_${Date.now().toString(36)}_${process.pid}`;
  let launcher: DistributedLauncher;
  let platform: string;
  let replenishment: RunningReplenishment;
  const logs: string[] = [];

  beforeAll(async () => {
    launcher = new DistributedLauncher(unique);
    platform = await launcher.ready();
    replenishment = await startReplenishment(
      {
        databaseUrl: process.env.DATABASE_URL!,
        schema: unique,
        kafkaBrokers: process.env.KAFKA_BROKERS!.split(','),
        topicPrefix: unique,
        service: 'replenishment',
        logger: createLogger({ service: 'replenishment', level: 'debug', write: (line) => void logs.push(line) }),
      },
      { port: 0 },
    );
  }, 90_000);

  afterAll(async () => {
    await replenishment?.close();
    await launcher.cleanUp();
  }, 60_000);

  async function call<T>(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${base}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
    return { status: response.status, body: (await response.json()) as T };
  }
  const ok = async <T>(base: string, method: string, path: string, body?: unknown): Promise<T> => {
    const answer = await call<T>(base, method, path, body);
    expect([200, 201]).toContain(answer.status);
    return answer.body;
  };
  const suggestionsInStore = async (): Promise<Suggested[]> =>
    (await replenishment.runtime.store.readStream('replenishment-WHR-SKU-R')).filter((e) => e.type === 'replenishment.ReplenishmentSuggested') as unknown as Suggested[];

  it('refuses a bad reorder point, naming the field', async () => {
    const answer = await call<{ message: string[] }>(replenishment.url, 'PUT', '/replenishment/reorder-points/WHR/SKU-R', { reorderPoint: -1, reorderQuantity: 1.5 });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toEqual(expect.arrayContaining([expect.stringMatching(/^reorderPoint must not be less than 0/), expect.stringMatching(/^reorderQuantity must be an integer/)]));
    const badSku = await call<{ message: string[] }>(replenishment.url, 'PUT', '/replenishment/reorder-points/WHR/-bad', { reorderPoint: 1, reorderQuantity: 1 });
    expect(badSku).toMatchObject({ status: 400, body: { message: [expect.stringMatching(/^sku must be/)] } });
  });

  it('suggests a move from the reserve bin, then a purchase, as orders use the stock up; its available matches GET /inventory', async () => {
    await ok(platform, 'PUT', '/items/SKU-R', { description: 'Replenished widget', unit: 'each' });
    await ok(platform, 'POST', '/warehouses', { code: 'WHR', name: 'Replenishment test' });
    await ok(platform, 'POST', '/warehouses/WHR/bins', { code: 'A-01', zone: 'A' });
    await ok(platform, 'POST', '/warehouses/WHR/bins', { code: 'R-01', zone: 'RESERVE' });
    await eventually(async () => expect((await call(platform, 'POST', '/warehouses/WHR/receipts', { sku: 'SKU-R', quantity: 30 })).status).toBe(201), 20_000);
    await ok(platform, 'POST', '/warehouses/WHR/putaways', { sku: 'SKU-R', quantity: 20, fromBin: 'DOCK', toBin: 'A-01' });
    await ok(platform, 'POST', '/warehouses/WHR/putaways', { sku: 'SKU-R', quantity: 10, fromBin: 'DOCK', toBin: 'R-01' });

    // No wait for replenishment to see the stock first: a point that overtakes earlier stock events (they come on
    // another topic) is held until they are handled, so it is never judged against 0 on hand.
    expect(await ok(replenishment.url, 'PUT', '/replenishment/reorder-points/WHR/SKU-R', { reorderPoint: 10, reorderQuantity: 50 })).toMatchObject({ warehouse: 'WHR', sku: 'SKU-R', reorderPoint: 10, reorderQuantity: 50 });
    await eventually(async () => expect((await ok<{ reorderPoint: unknown; levels: unknown }>(replenishment.url, 'GET', '/replenishment/stock/WHR/SKU-R'))).toMatchObject({ reorderPoint: { reorderPoint: 10 }, levels: { onHand: 30, available: 30, reserveFree: 10, pickFaceAvailable: 20 } }), 20_000);
    expect(await suggestionsInStore()).toEqual([]); // 20 pickable ≥ 10: nothing to suggest

    // 15 units ordered: allocated from A-01 (the bin with the most free units), 5 pickable left → move the reserve's 10.
    await eventually(async () => expect((await call(platform, 'POST', '/orders', { lines: [{ sku: 'SKU-R', quantity: 15 }] })).status).toBe(201), 20_000);
    const [move] = await eventually(async () => {
      const found = await suggestionsInStore();
      expect(found).toHaveLength(1);
      return found;
    }, 30_000);
    expect(move!.data).toMatchObject({ warehouse: 'WHR', sku: 'SKU-R', kind: 'move', fromBin: 'R-01', toBin: 'A-01', quantity: 10, levels: { available: 15, pickFaceAvailable: 5 } });
    expect((await ok<{ suggestions: unknown[] }>(replenishment.url, 'GET', '/replenishment/suggestions?warehouse=WHR&sku=SKU-R')).suggestions).toEqual([
      expect.objectContaining({ warehouse: 'WHR', sku: 'SKU-R', openSuggestion: { kind: 'move', fromBin: 'R-01', toBin: 'A-01', quantity: 10 } }),
    ]);

    // 12 more: the reserve's units go to the order too, the pick face is still short → buy the reorder quantity.
    await ok(platform, 'POST', '/orders', { lines: [{ sku: 'SKU-R', quantity: 12 }] });
    const purchase = await eventually(async () => {
      const found = await suggestionsInStore();
      expect(found).toHaveLength(2);
      return found[1]!;
    }, 30_000);
    expect(purchase.data).toMatchObject({ kind: 'purchase', quantity: 50, levels: { available: 3, pickFaceAvailable: 3 } });

    // The same figure the inventory's read model reports for the warehouse.
    const mine = await ok<{ levels: { available: number } }>(replenishment.url, 'GET', '/replenishment/stock/WHR/SKU-R');
    const inventory = await eventually(async () => {
      const answer = await ok<{ warehouses: { warehouse: string; available: number }[] }>(platform, 'GET', '/inventory/SKU-R');
      expect(answer.warehouses.find((w) => w.warehouse === 'WHR')).toMatchObject({ available: 3 });
      return answer;
    }, 20_000);
    expect(mine.levels.available).toBe(inventory.warehouses.find((w) => w.warehouse === 'WHR')!.available);

    // Published by the relay on the replenishment category's own topic, key = stream id.
    const consumer = new Kafka({ brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING }).consumer({ groupId: `${unique}-probe` });
    await consumer.connect();
    const onTopic: { key: string; type: string }[] = [];
    try {
      await consumer.subscribe({ topic: `${unique}.replenishment.events`, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void onTopic.push({ key: message.key!.toString(), type: String(message.headers!['event-type']) }) });
      await eventually(async () => expect(onTopic.filter((m) => m.type === 'replenishment.ReplenishmentSuggested')).toHaveLength(2), 30_000);
    } finally {
      await consumer.disconnect();
    }
    expect(new Set(onTopic.map((m) => m.key))).toEqual(new Set(['replenishment-WHR-SKU-R']));
    expect(replenishment.subscription.status()).toMatchObject({ group: 'replenishment', deadLettered: 0 });
  }, 150_000);
});
