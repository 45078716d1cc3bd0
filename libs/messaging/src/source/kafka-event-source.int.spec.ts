import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@bintrail/contracts';
import { postgresDatabase, type SqlDatabase } from '@bintrail/event-store';
import { dropSchema, testDatabaseUrl, testKafkaBrokers, uniqueSchema } from '@bintrail/testing';
import { KafkaBus } from '../bus/kafka';
import type { RunningConsumer } from '../bus/port';
import { eventually } from '../bus/contract/bus-contract-suite';
import { Inbox } from '../consumer/inbox';
import { ensurePlatformTopics } from '../topics';
import { encodeEvent } from '../wire';
import { KafkaEventSource } from './event-source';

const EVENTS_PER_PLATFORM = 60;
const PARTITIONS = 6;

const stockReceived = (n: number): RecordedEvent => ({
  type: 'warehouse.StockReceived',
  version: 1,
  eventId: randomUUID(),
  // Many streams, so that the events spread over every partition of the topic.
  streamId: `warehouse-WH${n}`,
  streamPosition: 1,
  globalPosition: n + 1,
  occurredAt: new Date(),
  data: { sku: 'SKU-1', quantity: 5 },
  metadata: { correlationId: `corr-${n}`, causationId: null, actor: 'test', source: 'warehouse' },
});

/**
 * Two platforms on one broker, kept apart by their topic prefix (parallel test runs, a bench next to a
 * test), with the same services and so the same consumer group names. Each must get all of its own
 * events: in one shared Kafka group the partitions of both prefixes' topics are split across the
 * members of both, and a member drops those of topics it does not subscribe to.
 */
describe('KafkaEventSource: two platforms with different topic prefixes on one broker', () => {
  const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const groupId = `warehouse-${run}`; // one name for both platforms, as 'warehouse' is in each; new per run, so no other run's members join
  const platforms = ['a', 'b'].map((name) => ({ prefix: `k${name}${run}`, schema: uniqueSchema(`source_${name}`) }));
  let bus: KafkaBus;
  let db: SqlDatabase;
  const consumers: RunningConsumer[] = [];
  const platformBuses: KafkaBus[] = [];

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'event-source-prefix-test' });
    db = postgresDatabase({ connectionString: testDatabaseUrl(), max: 4 });
    for (const { prefix } of platforms) await ensurePlatformTopics(bus, { prefix, partitions: PARTITIONS, categories: ['warehouse'] });
  });

  afterAll(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
    await Promise.all([bus, ...platformBuses].map((b) => b.close()));
    await db.close();
    for (const { schema } of platforms) await dropSchema(testDatabaseUrl(), schema);
  });

  it('gives each platform every event of its own prefix within a bounded time, and keeps the inbox group as named', async () => {
    const received = platforms.map(() => new Set<string>());
    const inboxes: Inbox[] = [];
    // Both started before anything is published: both are members (of one group, before the fix) when the events come.
    await Promise.all(
      platforms.map(async ({ prefix, schema }, i) => {
        const inbox = await Inbox.open(db, schema);
        inboxes.push(inbox);
        const platformBus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: `platform-${prefix}` });
        platformBuses.push(platformBus);
        const source = new KafkaEventSource({ bus: platformBus, inbox, topicPrefix: prefix });
        consumers.push(await source.subscribe({ groupId, types: ['warehouse.StockReceived'], handle: async (event) => void received[i]!.add(event.eventId) }));
      }),
    );

    const published = platforms.map(() => Array.from({ length: EVENTS_PER_PLATFORM }, (_, n) => stockReceived(n)));
    await bus.publish(platforms.flatMap(({ prefix }, i) => published[i]!.map((event) => encodeEvent(event, prefix))));

    await eventually(() => {
      for (const i of platforms.keys()) expect([...received[i]!].sort()).toEqual(published[i]!.map((e) => e.eventId).sort());
    }, 30_000);

    // The inbox lives in each platform's schema already: its group column keeps the service's own name.
    const { rows } = await db.query<{ consumer_group: string; n: string }>(
      `SELECT consumer_group, count(*) AS n FROM "${platforms[0]!.schema}".inbox GROUP BY consumer_group`,
    );
    expect(rows.map((r) => ({ group: r.consumer_group, n: Number(r.n) }))).toEqual([{ group: groupId, n: EVENTS_PER_PLATFORM }]);
  });
});
