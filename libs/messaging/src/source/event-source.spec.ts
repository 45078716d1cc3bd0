import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@bintrail/contracts';
import { InProcessBus } from '../bus/in-process';
import type { ConsumeOptions, RunningConsumer } from '../bus/port';
import { eventually } from '../bus/contract/bus-contract-suite';
import { ensurePlatformTopics } from '../topics';
import { encodeEvent } from '../wire';
import { KafkaEventSource, type EventContext } from './event-source';

/** The in-process bus, noting the groups its consumers join. */
class GroupsBus extends InProcessBus {
  readonly joined: string[] = [];
  override consume(options: ConsumeOptions): Promise<RunningConsumer> {
    this.joined.push(options.groupId);
    return super.consume(options);
  }
}

const stockReceived = (): RecordedEvent => ({
  type: 'warehouse.StockReceived',
  version: 1,
  eventId: randomUUID(),
  streamId: 'warehouse-WH1',
  streamPosition: 1,
  globalPosition: 1,
  occurredAt: new Date(),
  data: { sku: 'SKU-1', quantity: 5 },
  metadata: { correlationId: 'corr-1', causationId: null, actor: 'test', source: 'warehouse' },
});

describe('KafkaEventSource', () => {
  const subscribe = async (topicPrefix: string | undefined, transactional?: boolean) => {
    const bus = new GroupsBus();
    await ensurePlatformTopics(bus, { ...(topicPrefix ? { prefix: topicPrefix } : {}), partitions: 2, categories: ['warehouse'] });
    const contexts: EventContext[] = [];
    const source = new KafkaEventSource({ bus, ...(topicPrefix ? { topicPrefix } : {}) });
    const consumer = await source.subscribe({
      groupId: 'warehouse',
      types: ['warehouse.StockReceived'],
      ...(transactional === false ? { transactional } : {}),
      handle: async (_event, context) => void contexts.push(context),
    });
    return { bus, contexts, consumer };
  };

  it('joins the bus group `<prefix>.<group>` with a topic prefix, so platforms sharing a broker never share a group', async () => {
    const prefixed = await subscribe('bench1');
    const plain = await subscribe(undefined);
    expect(prefixed.bus.joined).toEqual(['bench1.warehouse']);
    expect(plain.bus.joined).toEqual(['warehouse']);
    await Promise.all([prefixed, plain].map(async ({ consumer, bus }) => (await consumer.stop(), await bus.close())));
  });

  it('gives a non-transactional handler the Kafka message (events from Kafka come in no global order), without the inbox transaction', async () => {
    const { bus, contexts, consumer } = await subscribe('p1', false);
    await bus.publish([encodeEvent(stockReceived(), 'p1')]);
    await eventually(() => expect(contexts).toHaveLength(1), 5_000);
    expect(contexts[0]!.message?.topic).toBe('p1.warehouse.events');
    expect(contexts[0]!.tx).toBeUndefined();
    await consumer.stop();
    await bus.close();
  });
});
