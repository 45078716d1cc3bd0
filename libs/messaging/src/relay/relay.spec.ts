import { eventTopic, type RecordedEvent } from '@bintrail/contracts';
import { InMemoryEventStore } from '@bintrail/event-store';
import { InProcessBus } from '../bus/in-process';
import { eventually } from '../bus/contract/bus-contract-suite';
import { startEventConsumer } from '../consumer/event-consumer';
import { ensurePlatformTopics } from '../topics';
import { InMemoryCheckpointStore } from './checkpoints';
import { ProcessLeaderLock } from './leader-lock';
import { Relay } from './relay';

describe('relay in the embedded form (in-memory store, in-process bus)', () => {
  it('publishes every event to its category topic in stream order and keeps its checkpoint', async () => {
    const store = new InMemoryEventStore();
    const bus = new InProcessBus();
    await ensurePlatformTopics(bus, { partitions: 3 });
    const checkpoints = new InMemoryCheckpointStore();
    const seen: RecordedEvent[] = [];
    const consumer = await startEventConsumer({
      bus,
      groupId: 'audit',
      topics: [eventTopic('warehouse'), eventTopic('order')],
      handle: async (event) => void seen.push(event),
    });
    const relay = new Relay(store, checkpoints, bus, new ProcessLeaderLock(), { batchSize: 7, idlePollMs: 1 });
    relay.start();

    for (let i = 0; i < 10; i++) {
      await store.appendToStream(`warehouse-BIN-${i % 3}`, [{ type: 'warehouse.StockMoved', data: { i } }]);
      await store.appendToStream(`order-SO-${i % 2}`, [{ type: 'order.OrderPlaced', data: { i } }]);
    }
    await eventually(() => expect(seen).toHaveLength(20));
    for (const streamId of ['warehouse-BIN-0', 'warehouse-BIN-1', 'warehouse-BIN-2', 'order-SO-0', 'order-SO-1']) {
      const positions = seen.filter((e) => e.streamId === streamId).map((e) => e.streamPosition);
      expect(positions).toEqual(positions.map((_, i) => i + 1));
    }
    expect(await checkpoints.load('relay')).toBe(20);
    expect(relay.status).toMatchObject({ active: true, checkpoint: 20, published: 20 });

    await relay.stop();
    await consumer.stop();
    await bus.close();
  });

  it('does not move its checkpoint while the bus refuses the batch, and catches up afterwards', async () => {
    const store = new InMemoryEventStore();
    const bus = new InProcessBus();
    const checkpoints = new InMemoryCheckpointStore();
    const relay = new Relay(store, checkpoints, bus, new ProcessLeaderLock(), { idlePollMs: 1, retryDelayMs: 10 });
    await store.appendToStream('warehouse-WH1', [{ type: 'warehouse.StockReceived', data: {} }]);
    relay.start(); // the topic does not exist yet: every publish fails
    await new Promise((r) => setTimeout(r, 100));
    expect(await checkpoints.load('relay')).toBe(0);

    await ensurePlatformTopics(bus);
    await eventually(async () => expect(await checkpoints.load('relay')).toBe(1));
    await relay.stop();
    await bus.close();
  });
});
