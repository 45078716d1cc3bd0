import { Kafka, logLevel, Partitioners, type Consumer, type KafkaConfig, type Producer } from 'kafkajs';
import { silentLogger, type Logger } from '@bintrail/observability';
import type { ConsumeOptions, MessageBus, OutgoingMessage, RunningConsumer, TopicSpec } from './port';

export interface KafkaBusOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  readonly logger?: Logger;
  /** Give up joining a group after this long (the broker or the group coordinator is not answering). */
  readonly joinTimeoutMs?: number;
  readonly sessionTimeoutMs?: number;
  /**
   * How often handled offsets are committed (default 500 ms). kafkajs' autoCommit commits after
   * every partition batch before fetching again, which put ~40 ms on every delivery (bench:relay);
   * committing on a timer keeps at-least-once (a crash redelivers at most this window; the inbox dedupes).
   */
  readonly commitIntervalMs?: number;
  /** Partitions of one consumer handled at the same time (order is kept within each partition). */
  readonly partitionsConsumedConcurrently?: number;
}

/**
 * The bus on Apache Kafka through kafkajs: idempotent producer (acks from all in-sync replicas),
 * consumer groups committing offsets only after the handler returned. Survives broker restarts:
 * a failed publish throws (the caller retries; nothing is marked sent) and a consumer that crashes
 * for good is rebuilt from its last committed offset.
 */
export class KafkaBus implements MessageBus {
  private readonly kafka: Kafka;
  private readonly logger: Logger;
  private producer: Promise<Producer> | undefined;
  private readonly consumers = new Set<RunningConsumer>();

  constructor(private readonly options: KafkaBusOptions) {
    this.logger = options.logger ?? silentLogger;
    const logger = this.logger;
    const config: KafkaConfig = {
      brokers: [...options.brokers],
      clientId: options.clientId ?? 'bintrail',
      logLevel: logLevel.WARN,
      retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 8 },
      logCreator: () => (entry) => {
        const { message, ...fields } = entry.log;
        // Bounded producer retries are deliberate: a failed publish surfaces to the relay, which retries
        // the batch (at least once, consumers dedupe); kafkajs' exactly-once warning does not apply.
        const expected = message.startsWith('Limiting retries for the idempotent producer');
        logger[expected ? 'debug' : 'warn'](`kafkajs: ${message}`, { namespace: entry.namespace, ...fields });
      },
    };
    this.kafka = new Kafka(config);
  }

  async createTopics(specs: readonly TopicSpec[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((s) => !existing.has(s.topic));
      if (missing.length === 0) return;
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({ topic: s.topic, numPartitions: s.partitions, replicationFactor: s.replicationFactor ?? 1 })),
      });
      this.logger.info('created topics', { topics: missing.map((s) => s.topic) });
    } finally {
      await admin.disconnect();
    }
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byTopic = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
    for (const m of messages) {
      const list = byTopic.get(m.topic) ?? [];
      list.push({ key: m.key, value: m.value, headers: { ...m.headers } });
      byTopic.set(m.topic, list);
    }
    const producer = await this.getProducer();
    try {
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })) });
    } catch (error) {
      // Start over with a fresh producer next time: a producer that lost its broker may stay wedged.
      this.producer = undefined;
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  private getProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      const connecting = producer.connect().then(() => producer);
      connecting.catch(() => {
        if (this.producer === connecting) this.producer = undefined;
      });
      this.producer = connecting;
    }
    return this.producer;
  }

  async consume(options: ConsumeOptions): Promise<RunningConsumer> {
    let stopped = false;
    let current: Consumer | undefined;
    const log = this.logger.child({ consumerGroup: options.groupId });
    const commits = new Map<Consumer, { commit: () => Promise<void>; stop: () => void }>();

    const startOne = async (): Promise<Consumer> => {
      const consumer = this.kafka.consumer({
        groupId: options.groupId,
        sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
        heartbeatInterval: 1_000,
        retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 10 },
      });
      // Next offset to commit per `topic/partition`, for messages whose handler has returned.
      const handled = new Map<string, { topic: string; partition: number; offset: string }>();
      const commit = async (): Promise<void> => {
        if (handled.size === 0) return;
        const offsets = [...handled.values()];
        handled.clear();
        try {
          await consumer.commitOffsets(offsets);
        } catch (error) {
          // Those messages will be delivered again (at least once); the inbox makes that harmless.
          log.warn('offset commit failed', { error });
        }
      };
      const committer = setInterval(() => void commit(), this.options.commitIntervalMs ?? 500);
      commits.set(consumer, { commit, stop: () => clearInterval(committer) });

      const joined = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`consumer group ${options.groupId} did not join within ${this.options.joinTimeoutMs ?? 60_000} ms`)),
          this.options.joinTimeoutMs ?? 60_000,
        );
        consumer.on(consumer.events.GROUP_JOIN, () => {
          clearTimeout(timer);
          // Partitions may have moved: offsets of partitions we no longer own must not be committed.
          handled.clear();
          resolve();
        });
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        log.warn('consumer crashed', { error: payload.error, restart: payload.restart });
        if (!payload.restart && !stopped) {
          // kafkajs gave up on this instance: build a new one that resumes from the committed offsets.
          setTimeout(() => {
            if (stopped) return;
            commits.get(consumer)?.stop();
            void consumer.disconnect().catch(() => undefined);
            startOne()
              .then((next) => (current = next))
              .catch((error: unknown) => log.error('could not restart consumer', { error }));
          }, 1_000);
        }
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
        eachMessage: async ({ topic, partition, message }) => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(message.headers ?? {})) {
            if (value !== undefined) headers[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
          }
          await options.handler({
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? '',
            value: message.value?.toString() ?? '',
            headers,
          });
          handled.set(`${topic}/${partition}`, { topic, partition, offset: (BigInt(message.offset) + 1n).toString() });
        },
      });
      await joined;
      return consumer;
    };

    current = await startOne();
    const running: RunningConsumer = {
      stop: async () => {
        stopped = true;
        this.consumers.delete(running);
        if (current) {
          const committer = commits.get(current);
          committer?.stop();
          await committer?.commit();
          await current.disconnect();
        }
      },
    };
    this.consumers.add(running);
    return running;
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await (await producer.catch(() => undefined))?.disconnect();
  }
}
