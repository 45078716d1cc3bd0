import { randomUUID } from 'node:crypto';
import { contractDataErrors, DEAD_LETTER_HEADERS, deadLetterTopic, eventTopic, type RecordedEvent } from '@bintrail/contracts';
import { testKafkaBrokers } from '@bintrail/testing';
import { eventually } from '../bus/contract/bus-contract-suite';
import { KafkaBus } from '../bus/kafka';
import type { IncomingMessage, RunningConsumer } from '../bus/port';
import { KafkaEventSource } from '../source/event-source';
import { ensurePlatformTopics } from '../topics';
import { EventDecoder, encodeEvent } from '../wire';

const picked = (streamPosition: number, quantity: number): RecordedEvent => ({
  type: 'warehouse.StockPicked',
  version: 1,
  eventId: randomUUID(),
  streamId: 'warehouse-WH1',
  streamPosition,
  globalPosition: streamPosition,
  occurredAt: new Date(),
  data: { orderId: 'SO-1', lineId: 'L1', sku: 'SKU-1', bin: 'A-01-03', quantity },
  metadata: { correlationId: `corr-${streamPosition}`, causationId: null, actor: 'picker:17', source: 'warehouse' },
});

/**
 * The platform's Kafka consumers check each event's data against the published contract (the decoder
 * platform.ts gives KafkaEventSource): one that breaks it is parked in the topic's dead-letter topic with
 * the field and rule in its reason, no handler sees it, and the consumer goes on with the next event.
 */
describe('Kafka consumer with the contract decoder, on the real broker', () => {
  const prefix = `contract${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const topic = eventTopic('warehouse', prefix);
  let bus: KafkaBus;
  const consumers: RunningConsumer[] = [];

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: `contract-dlq-${prefix}` });
    await ensurePlatformTopics(bus, { prefix, partitions: 1, categories: ['warehouse'] });
  });

  afterAll(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
    await bus.close();
  });

  it('dead-letters an event whose data breaks its schema, naming the field, and carries on with the next one', async () => {
    const handled: RecordedEvent[] = [];
    const source = new KafkaEventSource({ bus, topicPrefix: prefix, decoder: new EventDecoder(contractDataErrors), lagLogIntervalMs: 0 });
    consumers.push(await source.subscribe({ groupId: `picking-${prefix}`, types: ['warehouse.StockPicked'], handle: async (event) => void handled.push(event) }));
    const parked: IncomingMessage[] = [];
    consumers.push(await bus.consume({ groupId: `dlq-reader-${prefix}`, topics: [deadLetterTopic(topic)], fromBeginning: true, handler: async (m) => void parked.push(m) }));

    // Same stream, one partition: the valid event is behind the invalid one.
    const bad = picked(1, 0);
    const good = picked(2, 3);
    await bus.publish([encodeEvent(bad, prefix), encodeEvent(good, prefix)]);

    await eventually(() => {
      expect(handled.map((e) => e.eventId)).toEqual([good.eventId]);
      expect(parked).toHaveLength(1);
    }, 30_000);
    const [dead] = parked;
    expect(JSON.parse(dead!.value)).toMatchObject({ eventId: bad.eventId });
    expect(dead!.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.originalTopic]: topic,
      [DEAD_LETTER_HEADERS.attempts]: '0',
      [DEAD_LETTER_HEADERS.reason]: 'invalid message: data of warehouse.StockPicked v1 is invalid: /quantity must be >= 1',
    });
  });
});
