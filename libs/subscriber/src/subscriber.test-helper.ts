import type { NewEvent } from '@bintrail/contracts';
import { openPostgresEventStore, postgresDatabase, type SqlDatabase, type SqlEventStore } from '@bintrail/event-store';
import { KafkaBus, ProcessLeaderLock, Relay, SqlCheckpointStore, ensurePlatformTopics, type IncomingMessage, type RunningConsumer } from '@bintrail/messaging';
import { createLogger, silentLogger } from '@bintrail/observability';
import { dropSchema, testDatabaseUrl, testKafkaBrokers, uniqueSchema } from '@bintrail/testing';
import type { SubscriberConfig, SubscriberContext, SubscriberRuntime } from './api';
import { connectSubscriber } from './runtime';

/**
 * One test's platform: its own schema and topic prefix, the real store on PostgreSQL, the real relay
 * publishing it to the real broker, and the subscriber runtimes under test.
 */
export class SubscriberTestPlatform {
  readonly schema = uniqueSchema('subscriber');
  readonly prefix = `t${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  store!: SqlEventStore;
  db!: SqlDatabase;
  bus!: KafkaBus;
  relay!: Relay;
  private readonly runtimes: SubscriberRuntime[] = [];
  private readonly consumers: RunningConsumer[] = [];

  async start(): Promise<void> {
    this.store = await openPostgresEventStore(testDatabaseUrl(), { schema: this.schema, poolSize: 6 });
    this.db = postgresDatabase({ connectionString: testDatabaseUrl(), max: 4 });
    await this.db.exec(`CREATE TABLE "${this.schema}".effects (id bigserial PRIMARY KEY, grp text NOT NULL, event_id uuid NOT NULL, global_position bigint NOT NULL, type text NOT NULL)`);
    this.bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'subscriber-test' });
    await ensurePlatformTopics(this.bus, { prefix: this.prefix, partitions: 3 });
    this.relay = new Relay(this.store, await SqlCheckpointStore.open(this.db, this.schema), this.bus, new ProcessLeaderLock(), {
      topicPrefix: this.prefix,
      idlePollMs: 5,
      retryDelayMs: 100,
    });
    this.relay.start();
  }

  config(overrides: Partial<SubscriberConfig> = {}): SubscriberConfig {
    return {
      databaseUrl: testDatabaseUrl(),
      schema: this.schema,
      kafkaBrokers: testKafkaBrokers(),
      topicPrefix: this.prefix,
      service: 'test-subscriber',
      topicPartitions: 3,
      lagPollMs: 100,
      // Quiet unless asked (TEST_LOG_LEVEL=info): the dead-letter tests log errors on purpose.
      logger: process.env.TEST_LOG_LEVEL ? createLogger({ service: 'subscriber-test', level: process.env.TEST_LOG_LEVEL as 'info' }) : silentLogger,
      ...overrides,
    };
  }

  async connect(overrides: Partial<SubscriberConfig> = {}): Promise<SubscriberRuntime> {
    const runtime = await connectSubscriber(this.config(overrides));
    this.runtimes.push(runtime);
    return runtime;
  }

  /** A handler whose effect is one row per handled event, written in the subscriber's transaction. */
  recordEffects(group: string) {
    return async (event: { eventId: string; globalPosition: number; type: string }, { tx }: SubscriberContext): Promise<void> => {
      await tx.query(`INSERT INTO "${this.schema}".effects (grp, event_id, global_position, type) VALUES ($1, $2, $3, $4)`, [group, event.eventId, event.globalPosition, event.type]);
    };
  }

  async effects(group: string): Promise<{ eventId: string; globalPosition: number }[]> {
    const { rows } = await this.db.query<{ event_id: string; global_position: string }>(
      `SELECT event_id, global_position FROM "${this.schema}".effects WHERE grp = $1 ORDER BY id`,
      [group],
    );
    return rows.map((r) => ({ eventId: r.event_id, globalPosition: Number(r.global_position) }));
  }

  /**
   * Global positions of the committed events of these types (optionally from a position on). Straight from
   * the table: readAll may hold back the newest while any transaction on the server is open.
   */
  async storedPositions(types: readonly string[], from = 1): Promise<number[]> {
    const { rows } = await this.db.query<{ p: string }>(
      `SELECT global_position AS p FROM "${this.schema}".events WHERE type = ANY($1::text[]) AND global_position >= $2 ORDER BY global_position`,
      [types, from],
    );
    return rows.map((r) => Number(r.p));
  }

  async append(streamId: string, events: readonly NewEvent[]): Promise<number> {
    const result = await this.store.appendToStream(streamId, events);
    return result.positions[result.positions.length - 1]!.globalPosition;
  }

  /** Every message that reaches a topic, read by a fresh group from the beginning. */
  async collect(topic: string): Promise<IncomingMessage[]> {
    const messages: IncomingMessage[] = [];
    await this.bus.createTopics([{ topic, partitions: 1 }]);
    this.consumers.push(
      await this.bus.consume({ groupId: `collect-${this.prefix}-${topic}`, topics: [topic], fromBeginning: true, handler: async (m) => void messages.push(m) }),
    );
    return messages;
  }

  async stop(): Promise<void> {
    await Promise.all(this.runtimes.splice(0).map((r) => r.close()));
    await Promise.all(this.consumers.splice(0).map((c) => c.stop()));
    await this.relay?.stop();
    await this.bus?.close();
    await this.store?.close();
    await this.db?.close();
    await dropSchema(testDatabaseUrl(), this.schema);
  }
}

/** A valid `warehouse.StockMoved` (contract v1); `quantity` tells events apart, `sku` can mark one to fail. */
export const moved = (n: number, sku = 'SKU-1'): NewEvent => ({ type: 'warehouse.StockMoved', data: { sku, fromBin: 'A-01', toBin: 'B-02', quantity: n + 1 } });
