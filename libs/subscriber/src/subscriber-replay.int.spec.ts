import { eventTopic } from '@bintrail/contracts';
import { sleep } from '@bintrail/messaging';
import { eventually } from '@bintrail/messaging/testing';
import { testKafkaBrokers } from '@bintrail/testing';
import { Kafka, logLevel } from 'kafkajs';
import { SubscriberTestPlatform, moved } from './subscriber.test-helper';

const STOCK_MOVED = ['warehouse.StockMoved'];

describe('subscriber: replay from a position, from a time, and restarts (real PostgreSQL, broker and relay)', () => {
  let platform: SubscriberTestPlatform;

  beforeEach(async () => {
    platform = new SubscriberTestPlatform();
    await platform.start();
  });

  afterEach(async () => {
    await platform.stop();
  });

  /** Waits until the group's effects are exactly `expected` (positions, in any order), then checks no double lands late. */
  const expectExactly = async (group: string, expected: number[]): Promise<void> => {
    await eventually(async () => expect((await platform.effects(group)).length).toBeGreaterThanOrEqual(expected.length), 60_000, 200);
    await sleep(500);
    const effects = await platform.effects(group);
    expect(effects.map((e) => e.globalPosition).sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
  };

  it('from { position } starts at that global position (inclusive), then goes on live', async () => {
    const positions: number[] = [];
    for (let i = 0; i < 10; i++) positions.push(await platform.append('warehouse-BIN-1', [moved(i)]));
    const runtime = await platform.connect();
    const subscription = await runtime.subscribe({ group: 'from-position', events: STOCK_MOVED, from: { position: positions[4]! }, handle: platform.recordEffects('from-position') });
    await eventually(() => expect(subscription.status().phase).toBe('live'), 60_000);
    for (let i = 10; i < 13; i++) positions.push(await platform.append('warehouse-BIN-1', [moved(i)]));
    await expectExactly('from-position', positions.slice(4));
  }, 120_000);

  it('from { time } starts at the first event recorded at or after that time', async () => {
    for (let i = 0; i < 5; i++) await platform.append('warehouse-BIN-2', [moved(i)]);
    await sleep(200);
    const time = new Date();
    await sleep(200);
    const after: number[] = [];
    for (let i = 5; i < 10; i++) after.push(await platform.append('warehouse-BIN-2', [moved(i)]));
    const runtime = await platform.connect();
    const subscription = await runtime.subscribe({ group: 'from-time', events: STOCK_MOVED, from: { time }, handle: platform.recordEffects('from-time') });
    await eventually(() => expect(subscription.status().phase).toBe('live'), 60_000);
    after.push(await platform.append('warehouse-BIN-2', [moved(10)]));
    await expectExactly('from-time', after);
  }, 120_000);

  it("'live' skips history", async () => {
    for (let i = 0; i < 5; i++) await platform.append('warehouse-BIN-3', [moved(i)]);
    const runtime = await platform.connect();
    const subscription = await runtime.subscribe({ group: 'only-live', events: STOCK_MOVED, from: 'live', handle: platform.recordEffects('only-live') });
    await eventually(() => expect(subscription.status().phase).toBe('live'), 60_000);
    const live = [await platform.append('warehouse-BIN-3', [moved(5)]), await platform.append('warehouse-BIN-4', [moved(6)])];
    await expectExactly('only-live', live);
  }, 120_000);

  it('a restart mid catch-up resumes from the checkpoint, and a restart while live resumes from Kafka, without doubles', async () => {
    for (let round = 0; round < 40; round++) {
      await Promise.all(Array.from({ length: 10 }, (_, s) => platform.append(`warehouse-BIN-${s}`, [moved(round)])));
    }
    const slowly = (group: string) => {
      const record = platform.recordEffects(group);
      return async (...args: Parameters<typeof record>): Promise<void> => {
        await sleep(3);
        await record(...args);
      };
    };
    const first = await platform.connect();
    const before = await first.subscribe({ group: 'restarted', events: STOCK_MOVED, batchSize: 50, handle: slowly('restarted') });
    await eventually(() => expect(before.status().handled).toBeGreaterThanOrEqual(100), 60_000, 10);
    expect(before.status().phase).toBe('catching-up');
    await first.close(); // as a process that goes away mid-way
    const handledBefore = (await platform.effects('restarted')).length;
    expect(handledBefore).toBeLessThan(400);

    const second = await platform.connect();
    const resumed = await second.subscribe({ group: 'restarted', events: STOCK_MOVED, batchSize: 50, handle: slowly('restarted') });
    await eventually(() => expect(resumed.status().phase).toBe('live'), 60_000);
    // What the first process handled is not handled again: the second only did the rest.
    await eventually(async () => expect((await platform.effects('restarted')).length).toBe(400), 60_000, 200);
    expect(resumed.status().handled).toBe(400 - handledBefore);
    for (let i = 0; i < 10; i++) await platform.append('warehouse-BIN-0', [moved(100 + i)]);
    await eventually(async () => expect((await platform.effects('restarted')).length).toBe(410), 60_000, 200);
    await second.close();

    // Restart while live: the group's Kafka offsets carry on; what came meanwhile is handled once.
    for (let i = 0; i < 10; i++) await platform.append('warehouse-BIN-1', [moved(200 + i)]);
    const third = await platform.connect();
    const again = await third.subscribe({ group: 'restarted', events: STOCK_MOVED, handle: platform.recordEffects('restarted') });
    expect(again.status().phase).toBe('live');
    await expectExactly('restarted', await platform.storedPositions(STOCK_MOVED));
  }, 240_000);

  it('two instances of one group: one catches up while the other waits, then both share the live topic; every event once, a failing one dead-lettered once', async () => {
    const dlq = await platform.collect(`${eventTopic('warehouse', platform.prefix)}.dlq`);
    const failing = await platform.append('warehouse-BIN-0', [moved(0, 'SKU-FAIL')]);
    for (let round = 0; round < 20; round++) {
      await Promise.all(Array.from({ length: 10 }, (_, s) => platform.append(`warehouse-BIN-${s}`, [moved(round)])));
    }
    const record = platform.recordEffects('pair');
    const subscription = {
      group: 'pair',
      events: STOCK_MOVED,
      maxAttempts: 1,
      batchSize: 50,
      handle: async (...args: Parameters<typeof record>): Promise<void> => {
        if ((args[0] as unknown as { data: { sku: string } }).data.sku === 'SKU-FAIL') throw new Error('refused');
        await sleep(2);
        await record(...args);
      },
    };
    const [one, two] = await Promise.all([platform.connect(), platform.connect()]);
    const [a, b] = await Promise.all([one.subscribe(subscription), two.subscribe(subscription)]);
    await eventually(() => expect([a.status().phase, b.status().phase]).toEqual(['live', 'live']), 90_000, 100);
    const live: number[] = [];
    for (let i = 0; i < 10; i++) live.push(await platform.append(`warehouse-BIN-${i}`, [moved(100 + i)]));
    const expected = (await platform.storedPositions(STOCK_MOVED)).filter((p) => p !== failing);
    await expectExactly('pair', expected);
    await eventually(() => expect(dlq).toHaveLength(1), 30_000);
    await sleep(500);
    expect(dlq).toHaveLength(1);
    expect(a.status().handled + b.status().handled).toBe(expected.length);
    // Only one of them read the history.
    expect(Math.min(a.status().handled, b.status().handled)).toBeLessThanOrEqual(live.length);
  }, 240_000);

  it('a group whose unread messages Kafka no longer keeps (retention) catches up from the store again: none missed, none doubled', async () => {
    for (let i = 0; i < 5; i++) await platform.append('warehouse-BIN-1', [moved(i)]);
    const first = await platform.connect();
    const before = await first.subscribe({ group: 'retained', events: STOCK_MOVED, handle: platform.recordEffects('retained') });
    await eventually(() => expect(before.status().phase).toBe('live'), 60_000);
    await first.close();

    // While the group is away: more events, then retention deletes every message the topic holds.
    let last = 0;
    for (let i = 5; i < 25; i++) last = await platform.append(`warehouse-BIN-${i % 4}`, [moved(i)]);
    await eventually(() => expect(platform.relay.status.checkpoint).toBeGreaterThanOrEqual(last), 30_000);
    const admin = new Kafka({ brokers: testKafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const topic = eventTopic('warehouse', platform.prefix);
      const bounds = await admin.fetchTopicOffsets(topic);
      await admin.deleteTopicRecords({ topic, partitions: bounds.map((b) => ({ partition: b.partition, offset: b.high })) });
    } finally {
      await admin.disconnect();
    }

    const second = await platform.connect();
    const after = await second.subscribe({ group: 'retained', events: STOCK_MOVED, handle: platform.recordEffects('retained') });
    await eventually(() => expect(after.status()).toMatchObject({ phase: 'live', handled: 20 }), 60_000);
    const live = await platform.append('warehouse-BIN-9', [moved(99)]);
    await expectExactly('retained', await platform.storedPositions(STOCK_MOVED));
    expect((await platform.effects('retained')).map((e) => e.globalPosition)).toContain(live);
  }, 180_000);
});
