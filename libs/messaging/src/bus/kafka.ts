import { Kafka, logLevel, Partitioners, type Consumer, type KafkaConfig, type Producer, type RetryOptions } from 'kafkajs';
import { silentLogger, type Logger } from '@bintrail/observability';
import type { ConsumeOptions, ConsumerLag, MessageBus, OutgoingMessage, RunningConsumer, TopicSpec } from './port';
import { groupLag, PartitionClock } from './kafka-lag';
import { KafkaPartitionLog } from './kafka-partition-log';
import { toIncoming } from './kafka-message';
import type { PartitionLog } from './partition-log';
import { startWithBackoff } from './start-with-backoff';

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
  /**
   * kafkajs' retries of the client and its consumers (defaults: 200 ms doubling to 5 s, 8 tries for the
   * client, 10 for a consumer). Fewer retries make a lost broker surface sooner (tests, tools).
   */
  readonly retry?: Pick<RetryOptions, 'retries' | 'initialRetryTime' | 'maxRetryTime'>;
  /** Waits between tries to rebuild a consumer kafkajs gave up on: initialMs (default 1 s) doubling to maxMs (default 30 s). */
  readonly rebuildBackoff?: { readonly initialMs?: number; readonly maxMs?: number };
}

/** One kafkajs consumer instance behind a KafkaBus consumer; replaced by a new one when kafkajs gives up on it. */
interface ConsumerMember {
  /** Stops the commit timer, commits what was handled (when asked) and disconnects. Never throws. */
  close(options: { commit: boolean }): Promise<void>;
}

/**
 * The bus on Apache Kafka through kafkajs: idempotent producer (acks from all in-sync replicas),
 * consumer groups committing offsets only after the handler returned. Survives broker restarts:
 * a failed publish throws (the caller retries; nothing is marked sent) and a consumer that crashes
 * is rebuilt from its last committed offset, retrying with backoff until the broker is back.
 */
export class KafkaBus implements MessageBus {
  private readonly kafka: Kafka;
  private readonly logger: Logger;
  private producer: Promise<Producer> | undefined;
  private readonly consumers = new Set<RunningConsumer>();
  /** Per consumer group: what this process's members have in hand and have handled (for lag in seconds). */
  private readonly clocks = new Map<string, PartitionClock>();

  constructor(private readonly options: KafkaBusOptions) {
    this.logger = options.logger ?? silentLogger;
    const logger = this.logger;
    const config: KafkaConfig = {
      brokers: [...options.brokers],
      clientId: options.clientId ?? 'bintrail',
      logLevel: logLevel.WARN,
      retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 8, ...options.retry },
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

  async listTopics(): Promise<string[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await admin.listTopics();
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
    const log = this.logger.child({ consumerGroup: options.groupId });
    // Aborted by stop(): ends a rebuild in progress and makes a start in progress give up.
    const lifetime = new AbortController();
    let current: ConsumerMember | undefined;
    let rebuilding: Promise<void> | undefined;

    const start = (): Promise<ConsumerMember> => this.startMember(options, log, lifetime.signal, onGaveUp);
    // kafkajs gave up on `member`: replace it with a new one that resumes from the committed offsets.
    const onGaveUp = (member: ConsumerMember): void => {
      if (lifetime.signal.aborted || member !== current || rebuilding) return;
      current = undefined;
      rebuilding = this.rebuild(member, start, lifetime.signal, log)
        .then((next) => void (current = next))
        .catch((error: unknown) => log.error('consumer rebuild failed', { error })) // not expected: rebuild never rejects
        .finally(() => (rebuilding = undefined));
    };

    current = await start();
    const running: RunningConsumer = {
      stop: async () => {
        lifetime.abort();
        this.consumers.delete(running);
        await rebuilding;
        const member = current;
        current = undefined;
        await member?.close({ commit: true });
      },
    };
    this.consumers.add(running);
    return running;
  }

  /**
   * Every crash ends in a rebuild (kafkajs is told not to restart by itself): one restart policy, with
   * a capped backoff, instead of kafkajs' fixed-interval restarts plus a rebuild for the crashes it
   * does not restart from. Resolves with the new member, or undefined when the consumer was stopped.
   */
  private async rebuild(
    crashed: ConsumerMember,
    start: () => Promise<ConsumerMember>,
    signal: AbortSignal,
    log: Logger,
  ): Promise<ConsumerMember | undefined> {
    // Its handled-but-uncommitted offsets are delivered again (at least once; the inbox dedupes).
    await crashed.close({ commit: false });
    const member = await startWithBackoff({
      start,
      signal,
      dispose: (started) => started.close({ commit: false }),
      initialDelayMs: this.options.rebuildBackoff?.initialMs ?? 1_000,
      maxDelayMs: this.options.rebuildBackoff?.maxMs ?? 30_000,
      onFailure: (error, attempt, nextDelayMs) => log.warn('could not rebuild consumer, trying again', { error, attempt, nextDelayMs }),
    });
    if (member) log.info('consumer rebuilt');
    return member;
  }

  /**
   * Starts one kafkajs consumer and resolves once it has joined its group. On any failure (connect,
   * subscribe, join timeout, crash, stop) it disconnects the consumer and clears its timers before
   * rejecting, so a caller that catches the error is left with nothing running.
   */
  private async startMember(
    options: ConsumeOptions,
    log: Logger,
    signal: AbortSignal,
    onGaveUp: (member: ConsumerMember) => void,
  ): Promise<ConsumerMember> {
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1_000,
      retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 10, ...this.options.retry, restartOnFailure: async () => false },
    });
    const offsets = handledOffsets(consumer, log);
    const clock = this.clockOf(options.groupId);
    let established = false;
    const member: ConsumerMember = {
      close: async ({ commit }) => {
        offsets.stopCommitting();
        if (commit) await offsets.commit();
        await consumer.disconnect().catch((error: unknown) => log.warn('consumer disconnect failed', { error }));
      },
    };
    consumer.on(consumer.events.GROUP_JOIN, () => offsets.forgetUncommitted());
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      log.warn('consumer crashed', { error: payload.error });
      // A crash while starting fails the start (see joinOf); afterwards it calls for a rebuild.
      if (established) onGaveUp(member);
    });

    const join = joinOf(consumer, options.groupId, this.options.joinTimeoutMs ?? 60_000, signal);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
        eachMessage: async ({ topic, partition, message }) => {
          const timestamp = Number(message.timestamp);
          clock.received(topic, partition, message.offset, timestamp);
          await options.handler(toIncoming(topic, partition, message));
          offsets.handled(topic, partition, message.offset);
          clock.handled(topic, partition, message.offset, timestamp);
        },
      });
      await join.joined;
    } catch (error) {
      join.cancel();
      await member.close({ commit: false });
      throw error;
    }
    offsets.commitEvery(this.options.commitIntervalMs ?? 500);
    established = true;
    return member;
  }

  private clockOf(groupId: string): PartitionClock {
    let clock = this.clocks.get(groupId);
    if (!clock) this.clocks.set(groupId, (clock = new PartitionClock()));
    return clock;
  }

  /** How far a consumer group is behind on its topics: events, and seconds (see ConsumerLag). */
  async lag(groupId: string, topics: readonly string[]): Promise<ConsumerLag> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await groupLag(admin, groupId, topics, this.clocks.get(groupId));
    } finally {
      await admin.disconnect();
    }
  }

  /** Reading by offset and group bookmarks, for tools beyond the MessageBus port (the dead-letter replay). */
  partitionLog(): PartitionLog {
    return new KafkaPartitionLog(this.kafka, this.logger);
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await (await producer.catch(() => undefined))?.disconnect();
  }
}

/**
 * Next offset to commit per partition, for messages whose handler has returned. Committed on a timer
 * (see commitIntervalMs); a failed commit only means those messages are delivered again.
 */
function handledOffsets(consumer: Consumer, log: Logger) {
  const next = new Map<string, { topic: string; partition: number; offset: string }>();
  let timer: NodeJS.Timeout | undefined;
  const commit = async (): Promise<void> => {
    if (next.size === 0) return;
    const offsets = [...next.values()];
    next.clear();
    try {
      await consumer.commitOffsets(offsets);
    } catch (error) {
      log.warn('offset commit failed', { error });
    }
  };
  return {
    commit,
    handled(topic: string, partition: number, offset: string): void {
      next.set(`${topic}/${partition}`, { topic, partition, offset: (BigInt(offset) + 1n).toString() });
    },
    /** After a rebalance partitions may have moved: offsets of partitions no longer ours must not be committed. */
    forgetUncommitted(): void {
      next.clear();
    },
    /** Started only once the consumer has joined: a start that fails leaves no interval behind. */
    commitEvery(ms: number): void {
      timer = setInterval(() => void commit(), ms);
    },
    stopCommitting(): void {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

/**
 * Waits for a consumer's first group join; rejects after timeoutMs, on a crash, or when `signal`
 * aborts. The listeners and the timer are registered before connect() so a quick join is not missed,
 * and a start that fails before it awaits `joined` calls cancel(): the timer is cleared and the
 * rejection, already handled, can never surface later as an unhandled one.
 */
function joinOf(consumer: Consumer, groupId: string, timeoutMs: number, signal: AbortSignal): { joined: Promise<void>; cancel: () => void } {
  let settle: (error?: Error) => void = () => undefined;
  const joined = new Promise<void>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => settle(new Error(`consumer group ${groupId} did not join within ${timeoutMs} ms`)), timeoutMs);
    const onAbort = (): void => settle(new Error(`consumer group ${groupId}: stopped while starting`));
    const removeJoin = consumer.on(consumer.events.GROUP_JOIN, () => settle());
    const removeCrash = consumer.on(consumer.events.CRASH, ({ payload }) => settle(payload.error));
    signal.addEventListener('abort', onAbort);
    settle = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      removeJoin();
      removeCrash();
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
  });
  joined.catch(() => undefined);
  return { joined, cancel: () => settle(new Error('start abandoned')) };
}
