import { join } from 'node:path';
import type { Logger } from '@bintrail/observability';
import { kafkaLocal } from '@bintrail/testing';
import { eventually } from './contract/bus-contract-suite';
import { KafkaBus } from './kafka';
import type { RunningConsumer } from './port';

/**
 * A broker of its own (other port, other data folder): this test stops it and starts it again,
 * which the shared test broker must never see.
 */
const PORT = 19592;
const STATE_DIR = join(__dirname, '..', '..', '..', '..', 'tmp', 'kafka-consumer-rebuild-test');
const BROKERS = [`127.0.0.1:${PORT}`];

/** A logger that keeps the messages, to see which recovery path the consumer took. */
function recordingLogger(): Logger & { messages: string[] } {
  const messages: string[] = [];
  const logger = {
    messages,
    debug: () => undefined,
    info: (m: string) => void messages.push(m),
    warn: (m: string) => void messages.push(m),
    error: (m: string) => void messages.push(m),
    child: () => logger,
  };
  return logger;
}

describe('a consumer whose broker goes away and comes back', () => {
  let bus: KafkaBus | undefined;
  let consumer: RunningConsumer | undefined;

  beforeAll(async () => {
    await kafkaLocal('start', { port: PORT, stateDir: STATE_DIR });
  }, 300_000);

  afterAll(async () => {
    await consumer?.stop();
    await bus?.close();
    await kafkaLocal('stop', { port: PORT, stateDir: STATE_DIR });
  }, 120_000);

  it('is rebuilt after kafkajs gave up on it, and receives what is published once the broker is back', async () => {
    const logger = recordingLogger();
    bus = new KafkaBus({
      brokers: BROKERS,
      clientId: 'rebuild-test',
      logger,
      // Few kafkajs retries: the consumer crashes soon after the broker is gone.
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
      rebuildBackoff: { initialMs: 500, maxMs: 2_000 },
      sessionTimeoutMs: 6_000,
      joinTimeoutMs: 30_000,
    });
    const topic = `rebuild-${Date.now().toString(36)}`;
    await bus.createTopics([{ topic, partitions: 1 }]);
    const received: string[] = [];
    consumer = await bus.consume({ groupId: `${topic}-g`, topics: [topic], handler: async (m) => void received.push(m.value) });
    await bus.publish([{ topic, key: 'k', value: 'before', headers: {} }]);
    await eventually(() => expect(received).toEqual(['before']), 20_000);

    await kafkaLocal('stop', { port: PORT, stateDir: STATE_DIR });
    // kafkajs crashes the consumer for good; KafkaBus keeps trying to rebuild it while the broker is away.
    await eventually(() => expect(logger.messages.filter((m) => m === 'could not rebuild consumer, trying again').length).toBeGreaterThanOrEqual(2), 30_000, 100);
    expect(logger.messages).toContain('consumer crashed');

    await kafkaLocal('start', { port: PORT, stateDir: STATE_DIR });
    // The producer lost its broker too: a publish may fail once while it reconnects.
    await eventually(() => bus!.publish([{ topic, key: 'k', value: 'after', headers: {} }]), 20_000, 500);
    await eventually(() => expect(received).toContain('after'), 40_000, 200);
    expect(logger.messages).toContain('consumer rebuilt');
    expect(received[0]).toBe('before');
  }, 120_000);
});
