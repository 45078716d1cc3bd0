import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEAD_LETTER_HEADERS, deadLetterTopic, eventTopic } from '@bintrail/contracts';
import { openPostgresEventStore, postgresDatabase, type SqlDatabase, type SqlEventStore } from '@bintrail/event-store';
import { dropSchema, testDatabaseUrl, testKafkaBrokers, uniqueSchema } from '@bintrail/testing';
import { KafkaBus } from '../bus/kafka';
import type { IncomingMessage, RunningConsumer } from '../bus/port';
import { eventually } from '../bus/contract/bus-contract-suite';
import { startEventConsumer } from '../consumer/event-consumer';
import { Inbox } from '../consumer/inbox';
import { ensurePlatformTopics } from '../topics';
import { encodeEvent } from '../wire';
import { RelayProcess } from './relay-process';

const exec = promisify(execFile);

describe('relay → Kafka → consumer, against the real broker', () => {
  let schema: string;
  let prefix: string;
  let store: SqlEventStore;
  let db: SqlDatabase;
  let bus: KafkaBus;
  let inbox: Inbox;
  const consumers: RunningConsumer[] = [];
  const relays: RelayProcess[] = [];

  beforeEach(async () => {
    schema = uniqueSchema('relay');
    prefix = `t${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    store = await openPostgresEventStore(testDatabaseUrl(), { schema, poolSize: 4 });
    db = postgresDatabase({ connectionString: testDatabaseUrl(), max: 4 });
    inbox = await Inbox.open(db, schema);
    await db.exec(`CREATE TABLE "${schema}".effects (id bigserial PRIMARY KEY, event_id uuid NOT NULL, stream_id text NOT NULL, stream_position bigint NOT NULL)`);
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'relay-test' });
    await ensurePlatformTopics(bus, { prefix, partitions: 3 });
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.kill9()));
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
    await bus.close();
    await store.close();
    await db.close();
    await dropSchema(testDatabaseUrl(), schema);
  });

  const startRelay = (): RelayProcess => {
    const relay = new RelayProcess({
      DATABASE_URL: testDatabaseUrl(),
      KAFKA_BROKERS: testKafkaBrokers().join(','),
      BINTRAIL_SCHEMA: schema,
      RELAY_TOPIC_PREFIX: prefix,
      RELAY_BATCH_SIZE: '100',
      TOPIC_PARTITIONS: '3',
    });
    relays.push(relay);
    return relay;
  };

  /** A consumer whose effect is one row per handled event, written in the inbox transaction. */
  const startEffectsConsumer = async (groupId = `effects-${prefix}`): Promise<IncomingMessage[]> => {
    const deliveries: IncomingMessage[] = [];
    consumers.push(
      await startEventConsumer({
        bus,
        groupId,
        topics: [eventTopic('warehouse', prefix)],
        inbox,
        handle: async (event, { tx, message }) => {
          deliveries.push(message);
          await tx!.query(`INSERT INTO "${schema}".effects (event_id, stream_id, stream_position) VALUES ($1, $2, $3)`, [
            event.eventId,
            event.streamId,
            event.streamPosition,
          ]);
        },
      }),
    );
    return deliveries;
  };

  const appendMany = async (streams: number, appendsPerStream: number, eventsPerAppend: number): Promise<number> => {
    for (let round = 0; round < appendsPerStream; round++) {
      await Promise.all(
        Array.from({ length: streams }, (_, s) =>
          store.appendToStream(
            `warehouse-BIN-${s}`,
            Array.from({ length: eventsPerAppend }, (_, i) => ({ type: 'warehouse.StockMoved', data: { round, i, quantity: 1 } })),
          ),
        ),
      );
    }
    return streams * appendsPerStream * eventsPerAppend;
  };

  const effects = async (): Promise<{ total: number; distinct: number }> => {
    const { rows } = await db.query<{ total: string; distinct: string }>(
      `SELECT count(*) AS total, count(DISTINCT event_id) AS distinct FROM "${schema}".effects`,
    );
    return { total: Number(rows[0]!.total), distinct: Number(rows[0]!.distinct) };
  };

  it('survives kill -9 of the active relay mid-stream: a standby takes over, every event applied exactly once', async () => {
    const expected1 = await appendMany(30, 10, 10); // 3,000 events waiting
    await startEffectsConsumer();
    const first = startRelay();
    await first.waitForLog('"relay active"');
    const standby = startRelay();
    await standby.waitForLog('"relay started"');

    await eventually(async () => expect((await effects()).total).toBeGreaterThanOrEqual(300), 60_000);
    const before = (await effects()).total;
    await first.kill9();
    expect(before).toBeLessThan(expected1); // it really died in the middle of the work

    const takeoverMs = await standby.waitForLog('"relay active"', 30_000);
    expect(takeoverMs).toBeLessThan(15_000);
    const restarted = startRelay(); // the killed relay comes back, as a standby
    await restarted.waitForLog('"relay started"');

    const expected2 = await appendMany(20, 5, 10); // 1,000 more while the new leader works
    await eventually(async () => expect((await effects()).distinct).toBe(expected1 + expected2), 90_000, 250);
    const final = await effects();
    expect(final.total).toBe(final.distinct); // each effect once, even if Kafka delivered some twice

    // Per stream, effects were applied in stream order.
    const { rows } = await db.query<{ stream_id: string; positions: string[] }>(
      `SELECT stream_id, array_agg(stream_position ORDER BY id) AS positions FROM "${schema}".effects GROUP BY stream_id`,
    );
    for (const row of rows) {
      const positions = row.positions.map(Number);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
    expect(restarted.isActive()).toBe(false);
  }, 240_000);

  it('parks a poison message in the DLQ with its reason and processes the next message of the partition', async () => {
    let bugFixed = false;
    const handled: string[] = [];
    const topic = eventTopic('warehouse', prefix);
    consumers.push(
      await startEventConsumer({
        bus,
        groupId: `poison-${prefix}`,
        topics: [topic],
        inbox,
        maxAttempts: 3,
        backoffMs: () => 20,
        handle: async (event) => {
          if ((event.data as { bin?: string }).bin === 'Z-99' && !bugFixed) throw new Error('bin Z-99 is not in the layout');
          handled.push(event.eventId);
        },
      }),
    );
    const dlq: IncomingMessage[] = [];
    consumers.push(await bus.consume({ groupId: `dlq-reader-${prefix}`, topics: [deadLetterTopic(topic)], handler: async (m) => void dlq.push(m) }));

    const streamId = 'warehouse-WH1';
    await store.appendToStream(streamId, [{ type: 'warehouse.StockMoved', data: { bin: 'Z-99', quantity: 1 } }]);
    const failing = (await store.readStream(streamId))[0]!;
    // Same key, so the same partition: garbage first, then an event the handler rejects, then a good one.
    await bus.publish([{ topic, key: streamId, value: '{not json', headers: {} }]);
    await bus.publish([encodeEvent(failing, prefix)]);
    await store.appendToStream(streamId, [{ type: 'warehouse.StockMoved', data: { bin: 'A-01-03', quantity: 1 } }]);
    const goodEvent = (await store.readStream(streamId))[1]!;
    await bus.publish([encodeEvent(goodEvent, prefix)]);

    await eventually(() => expect(handled).toContain(goodEvent.eventId), 60_000);
    await eventually(() => expect(dlq).toHaveLength(2), 30_000);
    const [garbage, rejected] = dlq;
    expect(garbage!.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/^invalid message: value is not JSON/);
    expect(garbage!.headers[DEAD_LETTER_HEADERS.attempts]).toBe('0');
    expect(rejected!.headers[DEAD_LETTER_HEADERS.reason]).toBe('handler failed after 3 attempts: bin Z-99 is not in the layout');
    expect(rejected!.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.originalTopic]: topic,
      [DEAD_LETTER_HEADERS.consumerGroup]: `poison-${prefix}`,
      [DEAD_LETTER_HEADERS.attempts]: '3',
      'event-id': failing.eventId,
    });
    expect(Number(rejected!.headers[DEAD_LETTER_HEADERS.originalOffset])).toBe(Number(garbage!.headers[DEAD_LETTER_HEADERS.originalOffset]) + 1);
    expect(handled).not.toContain(failing.eventId);

    // After the fix, the operator's replay tool (npm run dlq:replay) sends the rejected event back;
    // the garbage stays parked.
    bugFixed = true;
    const repo = join(__dirname, '..', '..', '..', '..');
    const { stdout } = await exec(
      process.execPath,
      ['-r', join(repo, 'tools', 'register.cjs'), join(__dirname, '..', 'dlq-replay-main.ts'), '--topic', deadLetterTopic(topic), '--event-id', failing.eventId, '--idle-ms', '2000'],
      { cwd: repo, env: { ...process.env, KAFKA_BROKERS: testKafkaBrokers().join(',') }, timeout: 60_000 },
    );
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ topic: deadLetterTopic(topic), replayed: 1, skipped: 1 });
    await eventually(() => expect(handled).toContain(failing.eventId), 30_000);
    expect(handled.filter((id) => id === goodEvent.eventId)).toHaveLength(1);
  }, 180_000);

  it('lets an external Kafka client (kcat) read a relayed event as plain JSON with contract headers', async () => {
    const relay = startRelay();
    await relay.waitForLog('"relay active"');
    await store.appendToStream('warehouse-WH7', [
      { type: 'warehouse.StockPicked', data: { sku: 'SKU-7', bin: 'A-01-03', quantity: 2 }, metadata: { correlationId: 'order-778', actor: 'picker:3' } },
    ]);
    const topic = eventTopic('warehouse', prefix);
    let out = '';
    await eventually(async () => {
      ({ stdout: out } = await exec('kcat', ['-C', '-b', testKafkaBrokers()[0]!, '-t', topic, '-o', 'beginning', '-c', '1', '-e', '-J', '-q'], { timeout: 20_000 }));
      expect(out.trim()).not.toBe('');
    }, 60_000, 500);
    const record = JSON.parse(out.trim().split('\n')[0]!) as { key: string; payload: string; headers: string[] };
    expect(record.key).toBe('warehouse-WH7');
    const body = JSON.parse(record.payload) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: 'warehouse.StockPicked',
      version: 1,
      streamId: 'warehouse-WH7',
      streamPosition: 1,
      data: { sku: 'SKU-7', bin: 'A-01-03', quantity: 2 },
      metadata: { correlationId: 'order-778', actor: 'picker:3', causationId: null },
    });
    expect(Object.keys(body).sort()).toEqual(['data', 'eventId', 'globalPosition', 'metadata', 'occurredAt', 'streamId', 'streamPosition', 'type', 'version']);
    const headers: Record<string, string> = {};
    for (let i = 0; i < record.headers.length; i += 2) headers[record.headers[i]!] = record.headers[i + 1]!;
    expect(headers).toMatchObject({ 'event-id': body.eventId, 'event-type': 'warehouse.StockPicked', 'event-version': '1', 'correlation-id': 'order-778' });
  }, 120_000);
});

