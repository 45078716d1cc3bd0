import { DEAD_LETTER_HEADERS, eventTopic } from '@bintrail/contracts';
import { sleep } from '@bintrail/messaging';
import { eventually } from '@bintrail/messaging/testing';
import { SubscriberTestPlatform, moved } from './subscriber.test-helper';

const suggestion = {
  warehouse: 'WH-1',
  sku: 'SKU-1',
  kind: 'purchase',
  quantity: 20,
  reorderPoint: 5,
  levels: { onHand: 3, allocated: 0, available: 3, reserveFree: 0, pickFaceAvailable: 3 },
};
const STOCK_MOVED = ['warehouse.StockMoved'];

describe('subscriber: dead letters, own categories, status (real PostgreSQL, broker and relay)', () => {
  let platform: SubscriberTestPlatform;

  beforeEach(async () => {
    platform = new SubscriberTestPlatform();
    await platform.start();
  });

  afterEach(async () => {
    await platform.stop();
  });

  it('a handler failing on one event dead-letters it with the reason and carries on, while catching up and while live', async () => {
    const dlq = await platform.collect(`${eventTopic('warehouse', platform.prefix)}.dlq`);
    const ok = [await platform.append('warehouse-BIN-1', [moved(1)])];
    const failingHistoric = await platform.append('warehouse-BIN-1', [moved(2, 'SKU-FAIL')]);
    ok.push(await platform.append('warehouse-BIN-1', [moved(3)]));
    await sleep(1_000); // settled history: read from the store, not handed to Kafka
    const record = platform.recordEffects('failing');
    const runtime = await platform.connect();
    const subscription = await runtime.subscribe({
      group: 'failing',
      events: STOCK_MOVED,
      maxAttempts: 2,
      backoffMs: () => 10,
      handle: async (event, context) => {
        if ((event.data as { sku: string }).sku === 'SKU-FAIL') throw new Error(`no reorder point for SKU of ${event.streamId}`);
        await record(event, context);
      },
    });
    await eventually(() => expect(subscription.status().phase).toBe('live'), 60_000);
    const failingLive = await platform.append('warehouse-BIN-2', [moved(4, 'SKU-FAIL')]);
    ok.push(await platform.append('warehouse-BIN-2', [moved(5)]));

    await eventually(async () => expect((await platform.effects('failing')).map((e) => e.globalPosition).sort((a, b) => a - b)).toEqual(ok), 60_000, 200);
    await eventually(() => expect(dlq).toHaveLength(2), 30_000);
    expect(dlq.map((m) => Number(m.headers['global-position'])).sort((a, b) => a - b)).toEqual([failingHistoric, failingLive]);
    const byPosition = (position: number) => dlq.find((m) => Number(m.headers['global-position']) === position)!;
    // Met while catching up, it was read from the store (no partition); met live, it came from Kafka.
    expect(byPosition(failingHistoric).headers[DEAD_LETTER_HEADERS.originalPartition]).toBe('-1');
    expect(byPosition(failingLive).headers[DEAD_LETTER_HEADERS.originalPartition]).not.toBe('-1');
    for (const message of dlq) {
      expect(message.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/^handler failed after 2 attempts: no reorder point for SKU of warehouse-BIN-[12]$/);
      expect(message.headers[DEAD_LETTER_HEADERS.consumerGroup]).toBe('failing');
    }
    expect(subscription.status()).toMatchObject({ handled: 3, deadLettered: 2 });
  }, 120_000);

  it('an invalid event is dead-lettered with the reason, from the store and from the topic; the next one is handled', async () => {
    const topic = eventTopic('warehouse', platform.prefix);
    const dlq = await platform.collect(`${topic}.dlq`);
    // The store keeps what it is given; the contract says a move is of at least one unit.
    const invalidHistoric = await platform.append('warehouse-BIN-1', [{ type: 'warehouse.StockMoved', data: { sku: 'SKU-1', fromBin: 'A-01', toBin: 'B-02', quantity: 0 } }]);
    const valid = [await platform.append('warehouse-BIN-1', [moved(1)])];
    await sleep(1_000);
    const runtime = await platform.connect();
    const subscription = await runtime.subscribe({ group: 'strict', events: STOCK_MOVED, handle: platform.recordEffects('strict') });
    await eventually(() => expect(subscription.status().phase).toBe('live'), 60_000);
    await platform.bus.publish([
      { topic, key: 'warehouse-BIN-1', value: 'not json {', headers: {} },
      { topic, key: 'warehouse-BIN-1', value: JSON.stringify({ type: 'warehouse.StockMoved', data: {} }), headers: {} },
    ]);
    valid.push(await platform.append('warehouse-BIN-1', [moved(2)]));
    await eventually(async () => expect((await platform.effects('strict')).map((e) => e.globalPosition)).toEqual(valid), 60_000, 200);
    await eventually(() => expect(dlq).toHaveLength(3), 30_000);
    const reasons = dlq.map((m) => m.headers[DEAD_LETTER_HEADERS.reason]);
    expect(reasons).toEqual([
      'invalid message: data of warehouse.StockMoved v1 is invalid: /quantity must be >= 1',
      expect.stringMatching(/^invalid message: value is not JSON/),
      expect.stringMatching(/^invalid message: envelope does not match the event contract: .*must have required property 'eventId'/),
    ]);
    expect(Number(dlq[0]!.headers['global-position'])).toBe(invalidHistoric);
    expect(subscription.status().deadLettered).toBe(3);
  }, 120_000);

  it("defineCategory creates the service's topics; its own events, appended in the handler's transaction, reach a subscriber through the relay", async () => {
    const runtime = await platform.connect({ service: 'replenishment' });
    await runtime.defineCategory('replenishment');
    const topics = await platform.bus.listTopics();
    const own = eventTopic('replenishment', platform.prefix);
    expect(topics).toEqual(expect.arrayContaining([own, `${own}.dlq`]));
    const onKafka = await platform.collect(own);

    const suggestions = await runtime.subscribe({ group: 'suggestions-seen', events: ['replenishment.ReplenishmentSuggested'], handle: platform.recordEffects('suggestions-seen') });
    const suggester = await runtime.subscribe({
      group: 'suggester',
      events: STOCK_MOVED,
      handle: async (event, { append }) => {
        await append(`replenishment-${event.streamId}`, [{ type: 'replenishment.ReplenishmentSuggested', data: suggestion }]);
      },
    });
    await eventually(() => expect([suggestions.status().phase, suggester.status().phase]).toEqual(['live', 'live']), 60_000);
    await platform.append('warehouse-BIN-7', [{ ...moved(1), metadata: { correlationId: 'erp-order-42', actor: 'erp' } }]);

    await eventually(async () => expect(await platform.effects('suggestions-seen')).toHaveLength(1), 60_000, 200);
    const [cause] = await platform.store.readStream('warehouse-BIN-7');
    const [suggested] = await platform.store.readStream('replenishment-warehouse-BIN-7');
    expect(suggested!.metadata).toMatchObject({ correlationId: 'erp-order-42', causationId: cause!.eventId, source: 'replenishment', actor: 'replenishment' });
    await eventually(() => expect(onKafka.map((m) => m.headers['event-id'])).toEqual([suggested!.eventId]), 30_000);
    expect(suggester.status().handled).toBe(1);
  }, 120_000);

  it('status() shows the phase and the lag in events and seconds while catching up, and none once live', async () => {
    for (let round = 0; round < 15; round++) {
      await Promise.all(Array.from({ length: 10 }, (_, s) => platform.append(`warehouse-BIN-${s}`, [moved(round)])));
    }
    await sleep(1_100);
    const record = platform.recordEffects('slow');
    const runtime = await platform.connect();
    const subscription = await runtime.subscribe({
      group: 'slow',
      events: STOCK_MOVED,
      batchSize: 50,
      handle: async (event, context) => {
        await sleep(10);
        await record(event, context);
      },
    });
    await eventually(() => {
      const status = subscription.status();
      expect(status.phase).toBe('catching-up');
      expect(status.lagEvents).toBeGreaterThan(20);
      expect(status.lagSeconds).toBeGreaterThanOrEqual(1);
    }, 30_000, 20);
    await eventually(() => expect(subscription.status()).toEqual({ group: 'slow', phase: 'live', position: 150, lagEvents: 0, lagSeconds: 0, handled: 150, deadLettered: 0 }), 60_000);
  }, 120_000);
});
