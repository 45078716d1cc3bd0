import { loadGatewayConfig, startErpGateway, type RunningGateway } from '@bintrail/erp-gateway';
import { KafkaBus, type IncomingMessage, type RunningConsumer } from '@bintrail/messaging';
import { createLogger } from '@bintrail/observability';
import { dropSchemaAndTopics, eventually, PlatformProcess } from './testing/platform-process';

/** Every message of some topics from their beginning, read by a group of its own (a test's view of what an ERP receives). */
export class TopicReader {
  readonly messages: IncomingMessage[] = [];
  private consumer: RunningConsumer | undefined;

  private constructor(private readonly bus: KafkaBus) {}

  static async start(brokers: readonly string[], topics: readonly string[], group: string): Promise<TopicReader> {
    const reader = new TopicReader(new KafkaBus({ brokers, clientId: 'erp-test-reader', commitIntervalMs: 100 }));
    reader.consumer = await reader.bus.consume({ groupId: group, topics, fromBeginning: true, handler: async (m) => void reader.messages.push(m) });
    return reader;
  }

  /** The messages of a topic whose JSON value matches `accept`, parsed. */
  values<T = Record<string, unknown>>(topic: string, accept: (value: T, message: IncomingMessage) => boolean = () => true): T[] {
    return this.messages.filter((m) => m.topic === topic).flatMap((m) => {
      try {
        const value = JSON.parse(m.value) as T;
        return accept(value, m) ? [value] : [];
      } catch {
        return [];
      }
    });
  }

  /** Waits until at least `count` messages of the topic match. */
  waitFor<T = Record<string, unknown>>(topic: string, accept: (value: T, message: IncomingMessage) => boolean, count = 1, timeoutMs = 30_000): Promise<T[]> {
    return eventually(() => {
      const found = this.values<T>(topic, accept);
      if (found.length < count) throw new Error(`${found.length} of ${count} expected messages on ${topic}; it holds:\n${this.messages.filter((m) => m.topic === topic).map((m) => m.value).join('\n')}`);
      return found;
    }, timeoutMs);
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    await this.bus.close();
  }
}

/**
 * The platform in its distributed form as its own process (PostgreSQL server, relay, Kafka; its own schema
 * and topic prefix) and the ERP gateway in this process, pointed at it. Its log records are kept.
 */
export class ErpTestBed {
  readonly logs: Record<string, unknown>[] = [];
  readonly brokers = process.env.KAFKA_BROKERS!.split(',');
  url = '';
  private platform: PlatformProcess | undefined;
  private gateway: RunningGateway | undefined;

  constructor(readonly unique: string) {}

  async start(): Promise<void> {
    const env = { BINTRAIL_SCHEMA: this.unique, BINTRAIL_TOPIC_PREFIX: this.unique, TOPIC_PARTITIONS: '2' };
    this.platform = new PlatformProcess({ BINTRAIL_MODE: 'distributed', ...env });
    this.url = await this.platform.ready();
    const config = loadGatewayConfig({ ...process.env, PLATFORM_URL: this.url, ...env });
    this.gateway = await startErpGateway(config, createLogger({ service: 'erp-gateway', level: 'info', write: (line) => void this.logs.push(JSON.parse(line) as Record<string, unknown>) }));
  }

  async http<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; position: number }> {
    const response = await fetch(`${this.url}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
    return { status: response.status, body: (await response.json()) as T, position: Number(response.headers.get('bintrail-position')) };
  }

  /** Stops the gateway and the platform, drops the schema and deletes the topics. */
  async cleanUp(): Promise<void> {
    await this.gateway?.stop();
    await this.platform?.stop();
    await PlatformProcess.killAll();
    await dropSchemaAndTopics(this.unique);
  }
}
