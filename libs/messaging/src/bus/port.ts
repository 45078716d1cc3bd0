/** A message as the bus carries it. The value is text (JSON for Bintrail events). */
export interface OutgoingMessage {
  readonly topic: string;
  /** Messages with the same key go to the same partition and are delivered in order. */
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface IncomingMessage extends OutgoingMessage {
  readonly partition: number;
  /** Offset within the partition, as a decimal string (Kafka offsets are 64-bit). */
  readonly offset: string;
}

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor?: number;
}

/** Throwing makes the bus deliver the same message again (at least once); later messages of its partition wait. */
export type MessageHandler = (message: IncomingMessage) => Promise<void>;

export interface ConsumeOptions {
  /** Every group receives every message; members of one group share the partitions. */
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group with no committed offset starts (default: the beginning). */
  readonly fromBeginning?: boolean;
  readonly handler: MessageHandler;
}

export interface RunningConsumer {
  stop(): Promise<void>;
}

/** How far one partition of a topic is behind for a consumer group. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** The next offset the group will read (its committed offset, or what this process has handled since). */
  readonly next: string;
  /** The partition's high-water mark: the offset the next message written will get. */
  readonly high: string;
  readonly events: number;
}

/** A consumer group's lag, as the status endpoint and the logs show it. */
export interface ConsumerLag {
  readonly groupId: string;
  /** Messages written to its topics that the group has not handled yet. */
  readonly events: number;
  /**
   * Age of the oldest message it has not handled yet (0 when caught up). Measured from the message this
   * process holds in hand; when none is in hand (the next batch is still being fetched, or this process
   * runs no member of the group) it is the age of the last message handled on that partition, an upper bound;
   * null when this process has handled nothing from a lagging partition, so it cannot tell.
   */
  readonly seconds: number | null;
  readonly partitions: readonly PartitionLag[];
}

/** The bus port. Kafka (distributed) and in-process (embedded) adapters pass one contract suite. */
export interface MessageBus {
  /** Creates missing topics; existing ones are left as they are. */
  createTopics(specs: readonly TopicSpec[]): Promise<void>;
  /** Names of the topics that exist now (topics are never auto-created, so this is where a message can go). */
  listTopics(): Promise<string[]>;
  /** Resolves once the broker has durably accepted every message. */
  publish(messages: readonly OutgoingMessage[]): Promise<void>;
  /** Resolves once the consumer has joined its group and will receive messages. */
  consume(options: ConsumeOptions): Promise<RunningConsumer>;
  /** How far a group is behind on topics, where the bus can tell (Kafka: offsets against high-water marks). */
  lag?(groupId: string, topics: readonly string[]): Promise<ConsumerLag>;
  close(): Promise<void>;
}

/** Partition for a key: stable, so one key (one stream) always lands on one partition. */
export function partitionForKey(key: string, partitions: number): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) % partitions;
}
