import { sleep } from '@bintrail/messaging';
import { eventually } from '@bintrail/messaging/testing';
import { SubscriberTestPlatform, moved } from './subscriber.test-helper';


describe('subscriber: replay from the event store, then live from Kafka (real PostgreSQL, broker and relay)', () => {
  let platform: SubscriberTestPlatform;

  beforeEach(async () => {
    platform = new SubscriberTestPlatform();
    await platform.start();
  });

  afterEach(async () => {
    await platform.stop();
  });

  it('a late subscriber from the beginning gets every historic event once, then the live ones, while appends go on through the handover', async () => {
    // History: 600 matching events over 12 streams, plus events of another type and another category.
    for (let round = 0; round < 50; round++) {
      await Promise.all(Array.from({ length: 12 }, (_, s) => platform.append(`warehouse-BIN-${s}`, [moved(round)])));
    }
    await platform.append('warehouse-BIN-0', [{ type: 'warehouse.BinAdded', data: { warehouse: 'WH-1', code: 'A-01', zone: 'PICK' } }]);
    await platform.append('inventory-SKU-1', [{ type: 'inventory.ItemRegistered', data: { sku: 'SKU-1' } }]);

    // Appends keep coming, concurrently, before, during and after the handover.
    let appending = true;
    let appended = 0;
    const appender = (async () => {
      for (let i = 0; appending; i++) {
        await Promise.all(Array.from({ length: 3 }, (_, s) => platform.append(`warehouse-LIVE-${s}`, [moved(i)])));
        appended += 3;
        await sleep(50);
      }
    })();

    const runtime = await platform.connect();
    const seen: ('catching-up' | 'live')[] = [];
    const subscription = await runtime.subscribe({ group: 'late', events: ['warehouse.StockMoved'], handle: platform.recordEffects('late') });
    try {
      await eventually(() => {
        seen.push(subscription.status().phase);
        expect(subscription.status().phase).toBe('live');
      }, 60_000);
      const appendedAtHandover = appended;
      // Keep appending for a while: these reach the subscriber through the relay and Kafka only.
      await eventually(() => expect(appended).toBeGreaterThan(appendedAtHandover + 90), 30_000);
    } finally {
      appending = false;
      await appender;
    }

    const expected = await platform.storedPositions(['warehouse.StockMoved']);
    await eventually(async () => expect((await platform.effects('late')).length).toBeGreaterThanOrEqual(expected.length), 60_000, 200);
    await sleep(1_000); // a double would land now
    const effects = await platform.effects('late');
    expect(new Set(effects.map((e) => e.eventId)).size).toBe(effects.length); // none doubled
    expect(effects.map((e) => e.globalPosition).sort((a, b) => a - b)).toEqual(expected); // none missed
    expect(seen[0]).toBe('catching-up');
    expect(subscription.status()).toMatchObject({ phase: 'live', handled: expected.length, deadLettered: 0 });
  }, 180_000);
});
