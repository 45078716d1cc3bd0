import type { Admin } from 'kafkajs';
import type { ConsumerLag, PartitionLag } from './port';

const key = (topic: string, partition: number): string => `${topic}/${partition}`;

/** What this process's members of one group have in hand and have handled, per partition (message timestamps). */
export class PartitionClock {
  private readonly inHand = new Map<string, { offset: bigint; timestamp: number }>();
  private readonly handledUpTo = new Map<string, { next: bigint; timestamp: number }>();

  received(topic: string, partition: number, offset: string, timestamp: number): void {
    this.inHand.set(key(topic, partition), { offset: BigInt(offset), timestamp });
  }

  handled(topic: string, partition: number, offset: string, timestamp: number): void {
    const k = key(topic, partition);
    this.inHand.delete(k);
    this.handledUpTo.set(k, { next: BigInt(offset) + 1n, timestamp });
  }

  /** The next offset to read as far as this process knows (handled offsets are committed a little later). */
  next(topic: string, partition: number): bigint | undefined {
    return this.handledUpTo.get(key(topic, partition))?.next;
  }

  /** Milliseconds the partition's oldest unhandled message has waited (see ConsumerLag.seconds). */
  ageMs(topic: string, partition: number, now: number): number | undefined {
    const k = key(topic, partition);
    const timestamp = this.inHand.get(k)?.timestamp ?? this.handledUpTo.get(k)?.timestamp;
    return timestamp === undefined ? undefined : Math.max(0, now - timestamp);
  }
}

/**
 * The group's lag on its topics: high-water marks against its committed offsets (or the offsets this
 * process has handled, when further on). A partition the group never committed counts from its oldest
 * retained message.
 */
export async function groupLag(admin: Admin, groupId: string, topics: readonly string[], clock: PartitionClock | undefined, now = Date.now()): Promise<ConsumerLag> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const partitions: PartitionLag[] = [];
  let ageMs = 0;
  let ageKnown = true;
  for (const topic of topics) {
    const bounds = await admin.fetchTopicOffsets(topic);
    const offsets = committed.find((c) => c.topic === topic)?.partitions ?? [];
    for (const bound of bounds) {
      const stored = BigInt(offsets.find((o) => o.partition === bound.partition)?.offset ?? '-1');
      const low = BigInt(bound.low);
      const high = BigInt(bound.high);
      const local = clock?.next(topic, bound.partition);
      let next = stored < 0n ? low : stored;
      if (local !== undefined && local > next) next = local;
      const events = high > next ? Number(high - next) : 0;
      partitions.push({ topic, partition: bound.partition, next: next.toString(), high: high.toString(), events });
      if (events === 0) continue;
      const age = clock?.ageMs(topic, bound.partition, now);
      if (age === undefined) ageKnown = false;
      else ageMs = Math.max(ageMs, age);
    }
  }
  const events = partitions.reduce((sum, p) => sum + p.events, 0);
  const seconds = events === 0 ? 0 : ageKnown ? Math.round(ageMs / 100) / 10 : null;
  return { groupId, events, seconds, partitions };
}
