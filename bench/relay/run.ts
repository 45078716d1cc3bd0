/**
 * Relay bench: how fast the outbox relay moves events from the PostgreSQL event store to Kafka, next
 * to raw kafkajs sending the same pre-encoded messages, and the end-to-end latency append → consumer
 * handler at a fixed rate. One run, one broker, one PostgreSQL server. stdout gets a table and, as its
 * very last line, one JSON object; progress goes to stderr; kafkajs and relay logs go nowhere (kept
 * in memory and shown on stderr only when something fails).
 *
 *   npm run bench:relay [-- --quick]
 *   node -r ./tools/register.cjs bench/relay/run.ts [--quick]
 *
 * Throughput: N events (BENCH_EVENTS, default 50,000; --quick 5,000) are pre-appended untimed in
 * 100-event batches to ~20 streams of a fresh schema. Then, alternating raw, relay, raw, relay
 * (BENCH_ROUNDS rounds, default 2), each on fresh 6-partition topics created with ensurePlatformTopics:
 *   raw   — its own kafkajs client, producer configured like KafkaBus (idempotent, acks -1,
 *           maxInFlightRequests 1), sendBatch of the relay's exact batches (same events read back from
 *           the store, encoded with encodeEvent before the clock starts), one after the other;
 *   relay — the real Relay (SqlCheckpointStore, PostgresLeaderLock, KafkaBus), timed from start()
 *           until status.checkpoint reaches the head position.
 * Both producers are connected and warmed (one message to the topic's .dlq) before the clock starts.
 * The headline numbers are the BEST run of each (max events/s); the median and every run are shown
 * and in the JSON too.
 *
 * Latency: the real Relay and the real consumer (startEventConsumer over KafkaBus, no inbox) on a
 * fresh topic; single-event appends to different streams at BENCH_LATENCY_RATE events/s (default
 * 1,000: 10 every 10 ms, against the clock) for BENCH_LATENCY_SECONDS (default 30; --quick 5). Each
 * event carries its append time; the handler records now − that. Fails (exit 1) unless every sent
 * event was received. The relay's KafkaBus sits behind a pass-through (TimedBus) that notes when each
 * event was handed to publish() and when the broker acknowledged it, which splits the latency into
 *   pickup  — append call → relay calls publish (the append itself, idle poll, readAll, encode),
 *   publish — publish → broker ack,
 *   deliver — broker ack → handler (consumer fetch, decode).
 *
 * Env: KAFKA_BROKERS (else the local broker is started with tools/kafka/kafka-local.mjs and stopped
 * again if this run started it), BENCH_DATABASE_URL / DATABASE_URL (else
 * postgres://postgres@127.0.0.1:5432/test), BENCH_EVENTS, BENCH_RELAY_BATCH (500), BENCH_STREAMS (20),
 * BENCH_PARTITIONS (6), BENCH_ROUNDS (2), BENCH_LATENCY_SECONDS, BENCH_LATENCY_RATE.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel, Partitioners, type Admin, type Message, type Producer, type TopicMessages } from 'kafkajs';
import { deadLetterTopic, eventTopic, type RecordedEvent } from '@bintrail/contracts';
import { lockKey, openPostgresEventStore, postgresDatabase, type SqlEventStore } from '@bintrail/event-store';
import {
  encodeEvent,
  ensurePlatformTopics,
  KafkaBus,
  PostgresLeaderLock,
  Relay,
  SqlCheckpointStore,
  startEventConsumer,
  type RunningConsumer,
} from '@bintrail/messaging';
import { dropSchema, kafkaLocal, uniqueSchema } from '@bintrail/testing';
import { envInt, median, MemoryLogger, percentile, round, sleep, TimedBus, waitFor, wallNow, warehouseEvent } from './workload';

const log = (text: string): void => void process.stderr.write(`[bench:relay] ${text}\n`);

const quick = process.argv.includes('--quick');
const config = {
  url: process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
  events: envInt('BENCH_EVENTS', quick ? 5_000 : 50_000),
  appendBatch: 100,
  streams: envInt('BENCH_STREAMS', 20),
  batchSize: envInt('BENCH_RELAY_BATCH', 500),
  partitions: envInt('BENCH_PARTITIONS', 6),
  rounds: envInt('BENCH_ROUNDS', 2),
  latencySeconds: envInt('BENCH_LATENCY_SECONDS', quick ? 5 : 30),
  latencyRate: envInt('BENCH_LATENCY_RATE', 1_000),
  latencyTickMs: 10,
  latencyStreams: 1_000,
};
const KAFKA_RETRY = { initialRetryTime: 200, maxRetryTime: 5_000, retries: 8 }; // as KafkaBus
const CATEGORY = 'warehouse';
const tag = `b${Date.now().toString(36)}${process.pid.toString(36)}`.toLowerCase();
const logger = new MemoryLogger();

interface ThroughputRun {
  readonly perSecond: number;
  readonly seconds: number;
}
interface Quantiles {
  readonly p50: number;
  readonly p99: number;
}
interface LatencyResult extends Quantiles {
  readonly sent: number;
  readonly received: number;
  readonly duplicates: number;
  readonly seconds: number;
  readonly p90: number;
  readonly max: number;
  readonly append: Quantiles;
  readonly maxScheduleLagMs: number;
  /** append → relay publish() call, publish() → broker ack, broker ack → handler. */
  readonly stages: { readonly pickup: Quantiles; readonly publish: Quantiles; readonly deliver: Quantiles };
}

/** Things to undo at the end, last registered first. */
const cleanups: { what: string; run: () => Promise<unknown> }[] = [];
const onCleanup = (what: string, run: () => Promise<unknown>): void => void cleanups.push({ what, run });
const createdTopics: string[] = [];
const createdGroups: string[] = [];

async function provideBrokers(): Promise<string[]> {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS.split(',').map((b) => b.trim());
  log('KAFKA_BROKERS unset: starting the local broker (tools/kafka/kafka-local.mjs)');
  const { stdout, stderr } = await kafkaLocal('start');
  const brokers = /KAFKA_BROKERS=(\S+)/.exec(stdout)?.[1]?.split(',') ?? ['127.0.0.1:9092'];
  if (!/already running/i.test(stderr)) {
    onCleanup('stop the local broker this run started', () => kafkaLocal('stop'));
  }
  return brokers;
}

function kafkaClient(brokers: string[], clientId: string): Kafka {
  return new Kafka({
    brokers,
    clientId,
    logLevel: logLevel.WARN,
    retry: KAFKA_RETRY,
    logCreator: () => (entry) => logger.warn(`kafkajs(${clientId}): ${entry.log.message}`, { namespace: entry.namespace }),
  });
}

/** Fresh topics (the event topic and its .dlq) for one round, created the way the platform does. */
async function freshTopics(adminBus: KafkaBus, prefix: string): Promise<{ topic: string; dlq: string }> {
  const specs = await ensurePlatformTopics(adminBus, { prefix, partitions: config.partitions, categories: [CATEGORY] });
  createdTopics.push(...specs.map((s) => s.topic));
  return { topic: eventTopic(CATEGORY, prefix), dlq: deadLetterTopic(eventTopic(CATEGORY, prefix)) };
}

async function messagesOn(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

async function preAppend(store: SqlEventStore): Promise<void> {
  const batches = Math.ceil(config.events / config.appendBatch);
  const started = performance.now();
  let i = 0;
  // One writer per stream (batches of a stream in order), all streams at once.
  await Promise.all(
    Array.from({ length: config.streams }, async (_, s) => {
      for (let b = s; b < batches; b += config.streams) {
        const count = Math.min(config.appendBatch, config.events - b * config.appendBatch);
        const events = Array.from({ length: count }, (_, k) => warehouseEvent(b * config.appendBatch + k));
        await store.appendToStream(`warehouse-site${s}`, events);
        i += count;
      }
    }),
  );
  log(`pre-appended ${i} events in ${batches} batches of ${config.appendBatch} to ${config.streams} streams (${round((performance.now() - started) / 1000, 1)} s, untimed)`);
}

/** The relay's exact batches: the events read back from the store, batchSize at a time. */
async function readBack(store: SqlEventStore): Promise<RecordedEvent[][]> {
  const batches: RecordedEvent[][] = [];
  let from = 1;
  for (;;) {
    const batch = await store.readAll({ fromGlobalPosition: from, maxCount: config.batchSize });
    if (batch.length === 0) break;
    batches.push(batch);
    from = batch[batch.length - 1]!.globalPosition + 1;
  }
  return batches;
}

/** What KafkaBus.publish hands to sendBatch for one relay batch (grouped by topic, headers copied). */
function encodeBatch(batch: readonly RecordedEvent[], prefix: string): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const event of batch) {
    const m = encodeEvent(event, prefix);
    const list = byTopic.get(m.topic) ?? [];
    list.push({ key: m.key, value: m.value, headers: { ...m.headers } });
    byTopic.set(m.topic, list);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

async function rawRound(round_: string, brokers: string[], adminBus: KafkaBus, admin: Admin, batches: RecordedEvent[][]): Promise<ThroughputRun> {
  const prefix = `${tag}_raw${round_}`;
  const { topic, dlq } = await freshTopics(adminBus, prefix);
  const kafka = kafkaClient(brokers, `bench-raw-${round_}`);
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic: dlq, messages: [{ key: 'warm-up', value: '{}' }] }] });
    const encoded = batches.map((b) => encodeBatch(b, prefix));
    const started = performance.now();
    for (const topicMessages of encoded) await producer.sendBatch({ acks: -1, topicMessages });
    const seconds = (performance.now() - started) / 1000;
    const onTopic = await messagesOn(admin, topic);
    if (onTopic !== config.events) throw new Error(`raw round ${round_}: ${onTopic} messages on ${topic}, expected ${config.events}`);
    return { perSecond: config.events / seconds, seconds };
  } finally {
    await producer.disconnect();
  }
}

interface RelayInfra {
  readonly schema: string;
  readonly relayStore: SqlEventStore;
  readonly checkpoints: SqlCheckpointStore;
  readonly head: number;
}

/** A KafkaBus on fresh topics with its producer connected and warmed, and the relay's lock already taken. */
async function relaySetup(brokers: string[], adminBus: KafkaBus, infra: RelayInfra, prefix: string, name: string) {
  const { topic, dlq } = await freshTopics(adminBus, prefix);
  const bus = new KafkaBus({ brokers, clientId: `bench-${name}`, logger });
  await bus.publish([{ topic: dlq, key: 'warm-up', value: '{}', headers: {} }]);
  const lock = new PostgresLeaderLock(config.url, lockKey(infra.schema, `relay:${name}`));
  if (!(await lock.tryAcquire())) throw new Error(`could not take the relay lock for ${name}`);
  await infra.checkpoints.load(name); // warm the checkpoint pool
  await infra.relayStore.readAll({ fromGlobalPosition: 1, maxCount: 1 }); // warm the store pool
  return { topic, bus, lock };
}

async function relayRound(round_: number, brokers: string[], adminBus: KafkaBus, admin: Admin, infra: RelayInfra): Promise<ThroughputRun> {
  const name = `relay${round_}`;
  const { topic, bus, lock } = await relaySetup(brokers, adminBus, infra, `${tag}_relay${round_}`, name);
  const relay = new Relay(infra.relayStore, infra.checkpoints, bus, lock, { name, topicPrefix: `${tag}_relay${round_}`, batchSize: config.batchSize, logger });
  try {
    const started = performance.now();
    relay.start();
    await waitFor(() => relay.status.checkpoint >= infra.head, 600_000, () => `relay checkpoint ${relay.status.checkpoint} to reach ${infra.head}`);
    const seconds = (performance.now() - started) / 1000;
    await relay.stop();
    const onTopic = await messagesOn(admin, topic);
    if (onTopic !== config.events) throw new Error(`relay round ${round_}: ${onTopic} messages on ${topic}, expected ${config.events}`);
    return { perSecond: config.events / seconds, seconds };
  } finally {
    await relay.stop();
    await bus.close();
  }
}

const quantiles = (values: number[]): Quantiles => {
  const sorted = values.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

/** End-to-end latency, append → consumer handler, with the real Relay and the real consumer. */
async function latencyRun(brokers: string[], adminBus: KafkaBus, appender: SqlEventStore, infra: RelayInfra): Promise<LatencyResult> {
  const name = 'latency';
  const prefix = `${tag}_${name}`;
  // The relay starts at the head: the events already stored are history it does not republish.
  await infra.checkpoints.save(name, await appender.headPosition());
  const { topic, bus, lock } = await relaySetup(brokers, adminBus, infra, prefix, name);
  const timedBus = new TimedBus(bus);
  const relay = new Relay(infra.relayStore, infra.checkpoints, timedBus, lock, { name, topicPrefix: prefix, batchSize: config.batchSize, logger });
  const consumerBus = new KafkaBus({ brokers, clientId: 'bench-latency-consumer', logger });
  let consumer: RunningConsumer | undefined;

  const warm = new Set<number>();
  const seen = new Set<string>();
  const latencies: number[] = [];
  const handled: { eventId: string; appendedAt: number; handledAt: number }[] = [];
  let duplicates = 0;

  const group = `${prefix}_consumer`;
  createdGroups.push(group);
  try {
    relay.start();
    consumer = await startEventConsumer({
      bus: consumerBus,
      groupId: group,
      topics: [topic],
      fromBeginning: true,
      logger,
      handle: async (event) => {
        const now = wallNow();
        const b = (event.data as { bench?: { phase: string; seq: number; appendedAt: number } }).bench;
        if (!b) return;
        if (b.phase === 'warm') {
          warm.add(b.seq);
          return;
        }
        if (seen.has(event.eventId)) {
          duplicates++;
          return;
        }
        seen.add(event.eventId);
        latencies.push(now - b.appendedAt);
        handled.push({ eventId: event.eventId, appendedAt: b.appendedAt, handledAt: now });
      },
    });

    // Warm-up: the whole path (relay producer, consumer fetch loop) is live before the clock starts.
    const warmCount = 50;
    for (let k = 0; k < warmCount; k++) {
      await appender.appendToStream(`lat-warm-${k % 10}`, [warehouseEvent(k, { bench: { phase: 'warm', seq: k, appendedAt: wallNow() } })]);
    }
    await waitFor(() => warm.size === warmCount, 60_000, () => `warm-up events at the consumer (${warm.size}/${warmCount})`);
    await sleep(200);

    // Open loop: perTick appends every tick against the clock, without waiting for earlier appends.
    const perTick = Math.round((config.latencyRate * config.latencyTickMs) / 1000);
    const ticks = Math.round((config.latencySeconds * 1000) / config.latencyTickMs);
    const appendMs: number[] = [];
    const pending: Promise<void>[] = [];
    const appendErrors: unknown[] = [];
    let seq = 0;
    let maxLag = 0;
    log(`latency: ${perTick} single-event appends every ${config.latencyTickMs} ms for ${config.latencySeconds} s (${config.latencyRate}/s)`);
    const start = performance.now() + 5;
    for (let t = 0; t < ticks; t++) {
      const due = start + t * config.latencyTickMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      maxLag = Math.max(maxLag, performance.now() - due);
      for (let k = 0; k < perTick; k++) {
        const i = seq++;
        const appendedAt = wallNow();
        pending.push(
          appender.appendToStream(`lat-${i % config.latencyStreams}`, [warehouseEvent(i, { bench: { phase: 'measure', seq: i, appendedAt } })]).then(
            (): void => void appendMs.push(wallNow() - appendedAt),
            (error: unknown): void => void appendErrors.push(error),
          ),
        );
      }
    }
    await Promise.all(pending);
    if (appendErrors.length) throw new Error(`latency: ${appendErrors.length} appends failed, first: ${(appendErrors[0] as Error).message}`);
    const sendSeconds = (performance.now() - start) / 1000;
    const sent = seq;

    // Wait for the tail; give up once nothing has arrived for 30 s.
    let lastCount = -1;
    let lastChange = performance.now();
    while (seen.size < sent) {
      if (seen.size !== lastCount) {
        lastCount = seen.size;
        lastChange = performance.now();
      } else if (performance.now() - lastChange > 30_000) break;
      await sleep(5);
    }
    await sleep(500); // late duplicates, if any
    const sorted = latencies.sort((a, b) => a - b);
    // Split afterwards: a handler may run a moment before the relay's publish() has resolved.
    const stages = { pickup: [] as number[], publish: [] as number[], deliver: [] as number[] };
    for (const h of handled) {
      const p = timedBus.published.get(h.eventId);
      if (!p) continue;
      stages.pickup.push(p.calledAt - h.appendedAt);
      stages.publish.push(p.ackedAt - p.calledAt);
      stages.deliver.push(h.handledAt - p.ackedAt);
    }
    return {
      sent,
      received: seen.size,
      duplicates,
      seconds: sendSeconds,
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1] ?? NaN,
      append: quantiles(appendMs),
      maxScheduleLagMs: maxLag,
      stages: { pickup: quantiles(stages.pickup), publish: quantiles(stages.publish), deliver: quantiles(stages.deliver) },
    };
  } finally {
    await consumer?.stop().catch(() => undefined);
    await relay.stop();
    await consumerBus.close();
    await bus.close();
  }
}

/** raw, relay, raw, relay, …: `rounds` of each. The encoded batches are dropped on return. */
async function throughputPhase(brokers: string[], adminBus: KafkaBus, admin: Admin, appender: SqlEventStore, infra: RelayInfra) {
  const batches = await readBack(appender);
  const raw: ThroughputRun[] = [];
  const relay: ThroughputRun[] = [];
  for (let r = 1; r <= config.rounds; r++) {
    raw.push(await rawRound(`${r}`, brokers, adminBus, admin, batches));
    log(`round ${r} raw kafkajs: ${Math.round(raw.at(-1)!.perSecond)} events/s (${round(raw.at(-1)!.seconds, 2)} s)`);
    relay.push(await relayRound(r, brokers, adminBus, admin, infra));
    log(`round ${r} relay:       ${Math.round(relay.at(-1)!.perSecond)} events/s (${round(relay.at(-1)!.seconds, 2)} s)`);
  }
  return { raw, relay };
}

function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? c.toLocaleString('en-US', { maximumFractionDigits: 2 }) : c)));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  log(`N=${config.events} batch=${config.batchSize} partitions=${config.partitions} rounds=${config.rounds} latency=${config.latencySeconds}s@${config.latencyRate}/s${quick ? ' (quick)' : ''}`);
  const brokers = await provideBrokers();
  const schema = uniqueSchema('bench_relay');
  onCleanup(`drop schema ${schema}`, () => dropSchema(config.url, schema));

  const appender = await openPostgresEventStore(config.url, { schema, poolSize: 10 });
  onCleanup('close the appender store', () => appender.close());
  // The relay's own pools, sized as relay-main.ts does.
  const relayStore = await openPostgresEventStore(config.url, { schema, poolSize: 2 });
  onCleanup('close the relay store', () => relayStore.close());
  const checkpointDb = postgresDatabase({ connectionString: config.url, max: 2 });
  onCleanup('close the checkpoint pool', () => checkpointDb.close());
  const checkpoints = await SqlCheckpointStore.open(checkpointDb, schema);

  const adminBus = new KafkaBus({ brokers, clientId: 'bench-admin', logger });
  const admin = kafkaClient(brokers, 'bench-offsets').admin();
  await admin.connect();
  onCleanup('disconnect the admin client', () => admin.disconnect());
  onCleanup('delete the topics this run created', async () => {
    if (createdTopics.length) await admin.deleteTopics({ topics: createdTopics, timeout: 30_000 });
  });
  onCleanup('delete the consumer groups this run created', async () => {
    if (createdGroups.length) await admin.deleteGroups(createdGroups);
  });

  await preAppend(appender);
  const head = await appender.headPosition();
  if (head !== config.events) throw new Error(`head position ${head}, expected ${config.events}`);
  const infra: RelayInfra = { schema, relayStore, checkpoints, head };
  const { raw, relay } = await throughputPhase(brokers, adminBus, admin, appender, infra);

  const latency = await latencyRun(brokers, adminBus, appender, infra);
  log(`latency: sent ${latency.sent}, received ${latency.received}, p50 ${round(latency.p50, 1)} ms, p99 ${round(latency.p99, 1)} ms`);

  await adminBus.close();
  await runCleanups();

  const best = (runs: ThroughputRun[]): number => Math.max(...runs.map((r) => r.perSecond));
  const med = (runs: ThroughputRun[]): number => median(runs.map((r) => r.perSecond));
  const relayBest = best(relay);
  const rawBest = best(raw);
  const ratio = relayBest / rawBest;
  const ratioMedian = med(relay) / med(raw);
  const q = (x: Quantiles): string => `${round(x.p50, 1)} / ${round(x.p99, 1)}`;

  const out: string[] = [];
  out.push(`Relay bench — node ${process.version}, ${os.cpus().length} CPUs, N=${config.events} events, relay batch ${config.batchSize}, ${config.partitions} partitions${quick ? ' (quick)' : ''}`);
  out.push('');
  out.push(
    table([
      ['throughput (events/s)', ...raw.map((_, i) => `run ${i + 1}`), 'best', 'median'],
      ['raw kafkajs sendBatch', ...raw.map((r) => Math.round(r.perSecond)), Math.round(rawBest), Math.round(med(raw))],
      ['relay store → Kafka', ...relay.map((r) => Math.round(r.perSecond)), Math.round(relayBest), Math.round(med(relay))],
      ['ratio relay/raw', ...relay.map((r, i) => round(r.perSecond / raw[i]!.perSecond, 2)), round(ratio, 2), round(ratioMedian, 2)],
    ]),
  );
  out.push(`(runs alternate raw, relay, raw, relay; the headline is the best run of each; target ratio ≥ 0.7: ${ratio >= 0.7 ? 'met' : 'MISSED'})`);
  out.push('');
  out.push(
    table([
      ['latency append → handler', 'sent', 'received', 'dups', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'max sched lag'],
      [
        `${config.latencyRate}/s for ${config.latencySeconds} s`,
        latency.sent,
        latency.received,
        latency.duplicates,
        round(latency.p50, 1),
        round(latency.p90, 1),
        round(latency.p99, 1),
        round(latency.max, 1),
        round(latency.maxScheduleLagMs, 1),
      ],
    ]),
  );
  out.push('');
  out.push(
    table([
      ['latency stages (ms)', 'p50 / p99'],
      ['append (call → committed)', q(latency.append)],
      ['pickup (append call → relay publish)', q(latency.stages.pickup)],
      ['publish (relay publish → broker ack)', q(latency.stages.publish)],
      ['deliver (broker ack → handler)', q(latency.stages.deliver)],
    ]),
  );
  out.push(`(achieved send rate ${Math.round(latency.sent / latency.seconds)}/s; pickup includes the append; stage quantiles do not add up to the total's; target p99 < 100 ms: ${latency.p99 < 100 ? 'met' : 'MISSED'})`);
  const kinds = new Map<string, number>();
  for (const line of logger.lines) {
    const message = line.replace(/ \{.*$/, '').replace(/kafkajs\([^)]*\)/, 'kafkajs');
    kinds.set(message, (kinds.get(message) ?? 0) + 1);
  }
  for (const [message, count] of kinds) out.push(`(logged in memory ${count}×: ${message})`);

  const ms = (x: Quantiles): { p50: number; p99: number } => ({ p50: round(x.p50, 2), p99: round(x.p99, 2) });
  const json = {
    bench: 'relay',
    node: process.version,
    cpus: os.cpus().length,
    events: config.events,
    relay_per_s: Math.round(relayBest),
    raw_kafkajs_per_s: Math.round(rawBest),
    ratio: round(ratio, 3),
    p50_ms: round(latency.p50, 2),
    p99_ms: round(latency.p99, 2),
    max_ms: round(latency.max, 2),
    aggregate: 'best',
    relay_per_s_median: Math.round(med(relay)),
    raw_kafkajs_per_s_median: Math.round(med(raw)),
    ratio_median: round(ratioMedian, 3),
    relay_runs: relay.map((r) => Math.round(r.perSecond)),
    raw_runs: raw.map((r) => Math.round(r.perSecond)),
    latency_stages_ms: {
      append: ms(latency.append),
      pickup: ms(latency.stages.pickup),
      publish: ms(latency.stages.publish),
      deliver: ms(latency.stages.deliver),
    },
    batch_size: config.batchSize,
    partitions: config.partitions,
    latency_rate: config.latencyRate,
    latency_seconds: config.latencySeconds,
    latency_sent: latency.sent,
    latency_received: latency.received,
    latency_duplicates: latency.duplicates,
    quick,
  };
  process.stdout.write(`${out.join('\n')}\n`);
  if (latency.received !== latency.sent) {
    throw new Error(`latency: received ${latency.received} of ${latency.sent} events sent — events were lost`);
  }
  process.stdout.write(`${JSON.stringify(json)}\n`);
}

async function runCleanups(): Promise<void> {
  while (cleanups.length) {
    const { what, run } = cleanups.pop()!;
    try {
      await run();
    } catch (error) {
      log(`cleanup failed (${what}): ${(error as Error).message}`);
    }
  }
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    log(`FAILED: ${(error as Error).stack ?? String(error)}`);
    if (logger.lines.length) log(`last kafkajs/relay log lines:\n${logger.lines.slice(-20).join('\n')}`);
    await runCleanups();
    process.exit(1);
  },
);
