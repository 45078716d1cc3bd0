import { join } from 'node:path';
import { eventTopic } from '@bintrail/contracts';
import { openPostgresEventStore, postgresDatabase, type SqlDatabase, type SqlEventStore } from '@bintrail/event-store';
import { dropSchema, kafkaLocal, testDatabaseUrl, uniqueSchema } from '@bintrail/testing';
import { KafkaBus } from '../bus/kafka';
import type { RunningConsumer } from '../bus/port';
import { eventually } from '../bus/contract/bus-contract-suite';
import { startEventConsumer } from '../consumer/event-consumer';
import { Inbox } from '../consumer/inbox';
import { ensurePlatformTopics } from '../topics';
import { SqlCheckpointStore } from './checkpoints';
import { ProcessLeaderLock } from './leader-lock';
import { Relay } from './relay';

/**
 * A broker of its own (other port, other data folder): this test stops and restarts it, which the
 * shared test broker must never see. It runs from Apache Kafka's jars like the shared one.
 */
const PORT = 19192;
const STATE_DIR = join(__dirname, '..', '..', '..', '..', 'tmp', 'kafka-restart-test');
const BROKERS = [`127.0.0.1:${PORT}`];

describe('broker stopped and restarted under load', () => {
  let schema: string;
  let store: SqlEventStore;
  let db: SqlDatabase;
  let bus: KafkaBus;
  let relay: Relay;
  let consumer: RunningConsumer;

  beforeAll(async () => {
    await kafkaLocal('start', { port: PORT, stateDir: STATE_DIR });
    schema = uniqueSchema('restart');
    store = await openPostgresEventStore(testDatabaseUrl(), { schema, poolSize: 4 });
    db = postgresDatabase({ connectionString: testDatabaseUrl(), max: 4 });
    await db.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  }, 300_000);

  afterAll(async () => {
    await relay?.stop();
    await consumer?.stop();
    await bus?.close();
    await store?.close();
    await db?.close();
    await dropSchema(testDatabaseUrl(), schema);
    await kafkaLocal('stop', { port: PORT, stateDir: STATE_DIR });
  }, 120_000);

  it('recovers producer and consumer by themselves and loses nothing', async () => {
    const prefix = `r${Date.now().toString(36)}`;
    bus = new KafkaBus({ brokers: BROKERS, clientId: 'restart-test' });
    await ensurePlatformTopics(bus, { prefix, partitions: 3 });
    const inbox = await Inbox.open(db, schema);
    await db.exec(`CREATE TABLE "${schema}".effects (event_id uuid NOT NULL, stream_id text NOT NULL)`);
    consumer = await startEventConsumer({
      bus,
      groupId: `restart-${prefix}`,
      topics: [eventTopic('warehouse', prefix)],
      inbox,
      handle: async (event, { tx }) => {
        await tx!.query(`INSERT INTO "${schema}".effects (event_id, stream_id) VALUES ($1, $2)`, [event.eventId, event.streamId]);
      },
    });
    relay = new Relay(store, await SqlCheckpointStore.open(db, schema), bus, new ProcessLeaderLock(), {
      topicPrefix: prefix,
      retryDelayMs: 250,
    });
    relay.start();

    // Load: 10 appends of 2 events every 100 ms for ~12 s; the broker is down from ~3 s to ~8 s.
    let appended = 0;
    const started = Date.now();
    let brokerCycle: Promise<void> | undefined;
    while (Date.now() - started < 12_000) {
      await Promise.all(
        Array.from({ length: 10 }, (_, s) =>
          store.appendToStream(`warehouse-BIN-${s}`, [
            { type: 'warehouse.StockMoved', data: { quantity: 1 } },
            { type: 'warehouse.StockMoved', data: { quantity: 2 } },
          ]),
        ),
      );
      appended += 20;
      if (!brokerCycle && Date.now() - started > 3_000) {
        brokerCycle = (async () => {
          await kafkaLocal('stop', { port: PORT, stateDir: STATE_DIR });
          await new Promise((r) => setTimeout(r, 5_000));
          await kafkaLocal('start', { port: PORT, stateDir: STATE_DIR });
        })();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await brokerCycle;

    const count = async (): Promise<{ total: number; distinct: number }> => {
      const { rows } = await db.query<{ total: string; distinct: string }>(
        `SELECT count(*) AS total, count(DISTINCT event_id) AS distinct FROM "${schema}".effects`,
      );
      return { total: Number(rows[0]!.total), distinct: Number(rows[0]!.distinct) };
    };
    await eventually(async () => expect((await count()).distinct).toBe(appended), 180_000, 500);
    const final = await count();
    expect(final.total).toBe(appended);
    expect(relay.status.checkpoint).toBe(await store.headPosition());
    expect(relay.status).toMatchObject({ parked: 0, stuck: undefined }); // recovered: nothing left to report
  }, 400_000);
});
