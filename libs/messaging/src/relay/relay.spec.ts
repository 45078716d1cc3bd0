import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEAD_LETTER_HEADERS, eventTopic, relayDeadLetterTopic, type RecordedEvent } from '@bintrail/contracts';
import { InMemoryEventStore } from '@bintrail/event-store';
import { createLogger } from '@bintrail/observability';
import { InProcessBus } from '../bus/in-process';
import type { IncomingMessage, OutgoingMessage } from '../bus/port';
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

  it('says what it is stuck on while publishing keeps failing, backs off, and clears it once the broker is back', async () => {
    const store = new InMemoryEventStore();
    const bus = new FlakyBus();
    await ensurePlatformTopics(bus);
    const checkpoints = new InMemoryCheckpointStore();
    await store.appendToStream('warehouse-WH1', [{ type: 'warehouse.StockReceived', data: {} }]);
    await store.appendToStream('warehouse-WH1', [{ type: 'warehouse.StockPutAway', data: {} }]);
    const [first] = await store.readStream('warehouse-WH1');
    const relay = new Relay(store, checkpoints, bus, new ProcessLeaderLock(), { idlePollMs: 1, retryDelayMs: 10, maxRetryDelayMs: 1_000 });
    expect(relay.status.stuck).toBeUndefined();
    bus.down = true;
    relay.start();

    await eventually(() => expect(bus.attempts.length).toBeGreaterThanOrEqual(5));
    const stuck = relay.status.stuck;
    expect(stuck).toMatchObject({
      stage: 'publish',
      globalPosition: 1,
      eventId: first!.eventId,
      type: 'warehouse.StockReceived',
      topic: eventTopic('warehouse'),
      error: 'broker down',
    });
    expect(stuck!.attempts).toBeGreaterThanOrEqual(4);
    expect(Date.now() - Date.parse(stuck!.since)).toBeGreaterThanOrEqual(10 + 20 + 40 - 5);
    // Backoff: the pauses grow (10, 20, 40, 80 ms …) instead of hammering the broker every 10 ms.
    const gaps = bus.attempts.slice(1, 5).map((t, i) => t - bus.attempts[i]!);
    expect(gaps[3]!).toBeGreaterThanOrEqual(75);
    expect(gaps[3]!).toBeGreaterThan(2 * gaps[0]!);
    expect(await checkpoints.load('relay')).toBe(0);

    bus.down = false;
    await eventually(async () => expect(await checkpoints.load('relay')).toBe(2));
    expect(relay.status).toMatchObject({ active: true, checkpoint: 2, published: 2, parked: 0, stuck: undefined });
    await relay.stop();
    await bus.close();
  });

  it('parks an event whose topic does not exist on the relay dead-letter topic, logs it, and publishes the events after it', async () => {
    const store = new InMemoryEventStore();
    const bus = new FlakyBus();
    await ensurePlatformTopics(bus); // the four core categories and the relay's dead-letter topic
    const checkpoints = new InMemoryCheckpointStore();
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ service: 'relay-test', level: 'info', write: (line) => void lines.push(JSON.parse(line)) });
    const seen = await collect(bus, [eventTopic('warehouse'), relayDeadLetterTopic()]);
    await store.appendToStream('warehouse-WH1', [{ type: 'warehouse.StockReceived', data: {} }]);
    await store.appendToStream('replenishment-SKU-1', [{ type: 'replenishment.ReorderRaised', data: { sku: 'SKU-1' } }]);
    await store.appendToStream('warehouse-WH1', [{ type: 'warehouse.StockPicked', data: {} }]);
    const [reorder] = await store.readStream('replenishment-SKU-1');
    const relay = new Relay(store, checkpoints, bus, new ProcessLeaderLock(), { batchSize: 1, idlePollMs: 1, logger });
    relay.start();

    await eventually(async () => expect(await checkpoints.load('relay')).toBe(3));
    expect(seen.filter((m) => m.topic === eventTopic('warehouse')).map((m) => m.headers['event-type'])).toEqual([
      'warehouse.StockReceived',
      'warehouse.StockPicked',
    ]);
    const parked = seen.filter((m) => m.topic === relayDeadLetterTopic());
    expect(parked).toHaveLength(1);
    expect(parked[0]!.headers).toMatchObject({
      'event-id': reorder!.eventId,
      'event-type': 'replenishment.ReorderRaised',
      [DEAD_LETTER_HEADERS.originalTopic]: eventTopic('replenishment'),
      [DEAD_LETTER_HEADERS.attempts]: '0',
    });
    expect(parked[0]!.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/^topic bintrail\.replenishment\.events does not exist/);
    expect(JSON.parse(parked[0]!.value)).toMatchObject({ eventId: reorder!.eventId, streamId: 'replenishment-SKU-1' });
    expect(relay.status).toMatchObject({ checkpoint: 3, published: 2, parked: 1, stuck: undefined });
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'error', eventId: reorder!.eventId, type: 'replenishment.ReorderRaised', reason: expect.stringContaining('does not exist') }),
    );
    // It looked once more before parking (a service may just have created the topic), not once per event.
    expect(bus.listed).toBe(2);
    await relay.stop();
    await bus.close();
  });

  it('delivers an event of a category whose topic a service created after the relay started', async () => {
    const store = new InMemoryEventStore();
    const bus = new FlakyBus();
    await ensurePlatformTopics(bus);
    const checkpoints = new InMemoryCheckpointStore();
    const relay = new Relay(store, checkpoints, bus, new ProcessLeaderLock(), { idlePollMs: 1 });
    relay.start();
    await store.appendToStream('warehouse-WH1', [{ type: 'warehouse.StockReceived', data: {} }]);
    await eventually(async () => expect(await checkpoints.load('relay')).toBe(1)); // the relay knows the topics now

    // The replenishment service starts: it declares its category, which creates its topics.
    await ensurePlatformTopics(bus, { extraCategories: ['replenishment'] });
    const seen = await collect(bus, [eventTopic('replenishment')]);
    await store.appendToStream('replenishment-SKU-1', [{ type: 'replenishment.ReorderRaised', data: { sku: 'SKU-1' } }]);
    await eventually(() => expect(seen).toHaveLength(1));
    expect(relay.status).toMatchObject({ checkpoint: 2, published: 2, parked: 0 });
    await relay.stop();
    await bus.close();
  });

  it('pauses and retries instead of dying when a checkpoint write fails while the next batch is being published', async () => {
    // Jest may swallow an unhandled rejection; a child Node process dies of one, so the relay runs there.
    const repo = join(__dirname, '..', '..', '..', '..');
    const script = join(__dirname, 'testing', 'checkpoint-blip.ts');
    const result = await exec(process.execPath, ['-r', join(repo, 'tools', 'register.cjs'), script], { cwd: repo, timeout: 60_000 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
    );
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const line = result.stdout.split('\n').find((l) => l.startsWith('checkpoint-blip: relay resumed '));
    expect(JSON.parse(line!.slice('checkpoint-blip: relay resumed '.length))).toEqual({ checkpoint: 30, head: 30, distinctPublished: 30, saveFailures: 1 });
  }, 90_000);
});

const exec = promisify(execFile);

/** The in-process bus, with a switch that makes publish fail like an unreachable broker; counts topic listings. */
class FlakyBus extends InProcessBus {
  down = false;
  listed = 0;
  readonly attempts: number[] = [];

  override async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    this.attempts.push(Date.now());
    if (this.down) throw new Error('broker down');
    await super.publish(messages);
  }

  override async listTopics(): Promise<string[]> {
    this.listed += 1;
    return super.listTopics();
  }
}

async function collect(bus: InProcessBus, topics: string[]): Promise<IncomingMessage[]> {
  const seen: IncomingMessage[] = [];
  await bus.consume({ groupId: `collect-${topics.join(',')}`, topics, handler: async (m) => void seen.push(m) });
  return seen;
}
