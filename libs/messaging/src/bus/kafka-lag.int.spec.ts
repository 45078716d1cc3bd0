import { randomUUID } from 'node:crypto';
import { testKafkaBrokers } from '@bintrail/testing';
import { eventually } from './contract/bus-contract-suite';
import { KafkaBus } from './kafka';
import type { RunningConsumer } from './port';

/** An integrator must see that a slow consumer is behind (how many events, how old), not guess that it is broken. */
describe('consumer group lag on a real broker', () => {
  const bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'lag-test' });
  const topic = `lag-test-${randomUUID().slice(0, 8)}`;
  let consumer: RunningConsumer | undefined;
  let release: () => void = () => undefined;

  beforeAll(() => bus.createTopics([{ topic, partitions: 2 }]));
  afterAll(async () => {
    release();
    await consumer?.stop();
    await bus.close();
  });

  it('counts unhandled events and the age of the oldest, then zero once the group has caught up', async () => {
    const messages = Array.from({ length: 6 }, (_, i) => ({ topic, key: `k${i % 2}`, value: String(i), headers: {} }));
    await bus.publish(messages);
    // A group that has never read the topic: every retained message is lag; their age this process cannot tell.
    expect(await bus.lag(`never-${topic}`, [topic])).toMatchObject({ events: 6, seconds: null });

    const held = new Promise<void>((resolve) => (release = resolve));
    let handled = 0;
    const group = `slow-${topic}`;
    consumer = await bus.consume({
      groupId: group,
      topics: [topic],
      handler: async () => {
        await held; // a slow ERP consumer: stuck on its first message of each partition
        handled++;
      },
    });
    await new Promise((r) => setTimeout(r, 1_500));
    const behind = await bus.lag(group, [topic]);
    expect(behind.events).toBe(6);
    expect(behind.seconds).toBeGreaterThanOrEqual(1.4);
    expect(behind.partitions.reduce((sum, p) => sum + p.events, 0)).toBe(6);
    expect(behind.partitions.map((p) => p.partition).sort()).toEqual([0, 1]);

    release();
    await eventually(() => expect(handled).toBe(6));
    await eventually(async () => expect(await bus.lag(group, [topic])).toMatchObject({ events: 0, seconds: 0 }));
  }, 60_000);
});
