import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Logger } from '@bintrail/observability';

/** Where a group's Kafka consumer starts on each partition of one topic. */
export interface GroupPositions {
  /** Partitions with a committed offset. */
  readonly committed: ReadonlyMap<number, bigint>;
  /** Per partition, the oldest offset Kafka still keeps. */
  readonly low: ReadonlyMap<number, bigint>;
}

/**
 * The few Kafka admin calls the handover needs and the MessageBus port does not offer: a group's
 * committed offsets, the retention's low-water marks, and placing a group at a time.
 */
export class KafkaOffsets {
  private readonly kafka: Kafka;

  constructor(
    brokers: readonly string[],
    clientId: string,
    private readonly logger: Logger,
  ) {
    this.kafka = new Kafka({ brokers: [...brokers], clientId, logLevel: logLevel.NOTHING, retry: { retries: 5 } });
  }

  async positions(groupId: string, topic: string): Promise<GroupPositions> {
    return this.withAdmin(async (admin) => {
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const bounds = await admin.fetchTopicOffsets(topic);
      const committed = new Map<number, bigint>();
      for (const p of entry?.partitions ?? []) if (BigInt(p.offset) >= 0n) committed.set(p.partition, BigInt(p.offset));
      return { committed, low: new Map(bounds.map((b) => [b.partition, BigInt(b.low)])) };
    });
  }

  /**
   * Commits, for a group with no running member, the first offset of every partition (or only of
   * `partitions`) whose message was produced at or after `time` (the high-water mark when none is).
   */
  async placeAt(groupId: string, topic: string, time: Date, partitions?: ReadonlySet<number>): Promise<void> {
    await this.withAdmin(async (admin) => {
      const offsets = (await admin.fetchTopicOffsetsByTimestamp(topic, time.getTime())).filter((o) => !partitions || partitions.has(o.partition));
      if (offsets.length === 0) return;
      await admin.setOffsets({ groupId, topic, partitions: offsets });
      this.logger.info('kafka group placed at a time', { groupId, topic, time: time.toISOString(), offsets });
    });
  }

  private async withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
