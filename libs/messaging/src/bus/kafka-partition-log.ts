import { randomUUID } from 'node:crypto';
import type { Admin, Batch, Consumer, Kafka } from 'kafkajs';
import type { Logger } from '@bintrail/observability';
import { toIncoming } from './kafka-message';
import type { PartitionBounds, PartitionLog, PartitionOffset, PartitionRange } from './partition-log';
import type { IncomingMessage } from './port';

type OnBatch = (messages: readonly IncomingMessage[]) => Promise<void>;

/** PartitionLog on kafkajs: admin calls for offsets, a consumer that reads ranges and commits nothing. */
export class KafkaPartitionLog implements PartitionLog {
  constructor(
    private readonly kafka: Kafka,
    private readonly logger: Logger,
  ) {}

  async bounds(topic: string): Promise<PartitionBounds[]> {
    const offsets = await this.withAdmin((admin) => admin.fetchTopicOffsets(topic));
    return offsets.map(({ partition, low, high }) => ({ partition, low, high })).sort((a, b) => a.partition - b.partition);
  }

  async groupOffsets(groupId: string, topic: string): Promise<PartitionOffset[]> {
    const [entry] = await this.withAdmin((admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
    // Kafka answers -1 for a partition the group never committed.
    return (entry?.partitions ?? []).filter((p) => BigInt(p.offset) >= 0n).map(({ partition, offset }) => ({ partition, offset }));
  }

  async setGroupOffsets(groupId: string, topic: string, offsets: readonly PartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    // kafkajs refuses (rather than races) when the group has running members.
    await this.withAdmin((admin) => admin.setOffsets({ groupId, topic, partitions: offsets.map((o) => ({ ...o })) }));
  }

  /**
   * Kafka hands out partitions only through a group, so this reads through a group of its own
   * (a fresh id per read, never committed: autoCommit is off and nothing calls commitOffsets), seeking
   * each partition to its `from`. Kafka drops the empty, offset-less group by itself later.
   */
  async read(topic: string, ranges: readonly PartitionRange[], onBatch: OnBatch): Promise<void> {
    const cursors = new RangeCursors(ranges);
    if (cursors.done) return;
    const consumer = this.kafka.consumer({
      groupId: `${topic}.reader.${randomUUID()}`,
      // Reads stop at offsets known to exist: a fetch at the end need not wait long for more.
      maxWaitTimeInMs: 250,
      // A crash fails the read (the caller may simply run again); kafkajs is not to restart it unseen.
      retry: { restartOnFailure: async () => false },
    });
    const outcome = settleable();
    consumer.on(consumer.events.CRASH, ({ payload }) => outcome.fail(payload.error));
    try {
      await consumer.connect();
      // Not from the beginning: the seeks below set every position; until they apply, nothing old is fetched.
      await consumer.subscribe({ topics: [topic], fromBeginning: false });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (outcome.settled) return;
          await this.readBatch(consumer, batch, cursors, onBatch).catch((error: unknown) => outcome.fail(error));
          if (cursors.done) outcome.succeed();
        },
      });
      if (!outcome.settled) for (const { partition, next } of cursors.open()) consumer.seek({ topic, partition, offset: next.toString() });
      await outcome.promise;
    } finally {
      await consumer.disconnect().catch((error: unknown) => this.logger.warn('range reader disconnect failed', { error }));
    }
  }

  private async readBatch(consumer: Consumer, batch: Batch, cursors: RangeCursors, onBatch: OnBatch): Promise<void> {
    const messages = cursors.take(batch);
    if (messages === undefined) return;
    if (messages.length > 0) await onBatch(messages.map((m) => toIncoming(batch.topic, batch.partition, m)));
    cursors.advance(batch);
    if (cursors.isDone(batch.partition)) consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
  }

  private async withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect().catch((error: unknown) => this.logger.warn('admin disconnect failed', { error }));
    }
  }
}

/**
 * Where each partition's read stands: `next` is the first offset not yet handed over. A batch that
 * starts at or after `to` is ignored: it was fetched from the subscription's start position (the end
 * of the partition) before the seek applied. Of the others, messages below `next` (handed over
 * already) and at or after `to` (written after the read began) are dropped; gaps (control records,
 * compaction) are stepped over. DLQ topics are neither: every offset below `to` is a message.
 */
class RangeCursors {
  private readonly cursors = new Map<number, { next: bigint; readonly to: bigint }>();

  constructor(ranges: readonly PartitionRange[]) {
    for (const r of ranges) if (BigInt(r.from) < BigInt(r.to)) this.cursors.set(r.partition, { next: BigInt(r.from), to: BigInt(r.to) });
  }

  get done(): boolean {
    return [...this.cursors.values()].every((c) => c.next >= c.to);
  }

  isDone(partition: number): boolean {
    const c = this.cursors.get(partition);
    return !c || c.next >= c.to;
  }

  open(): { partition: number; next: bigint }[] {
    return [...this.cursors].filter(([, c]) => c.next < c.to).map(([partition, c]) => ({ partition, next: c.next }));
  }

  /** The batch's messages still to hand over, or undefined when the batch does not continue this partition's read. */
  take(batch: Batch): Batch['messages'] | undefined {
    const c = this.cursors.get(batch.partition);
    const first = batch.firstOffset();
    if (!c || c.next >= c.to || first === null || BigInt(first) >= c.to) return undefined;
    return batch.messages.filter((m) => BigInt(m.offset) >= c.next && BigInt(m.offset) < c.to);
  }

  /** After the batch was handed over: continue after its last offset (a batch fetched again never moves it back). */
  advance(batch: Batch): void {
    const c = this.cursors.get(batch.partition)!;
    const after = BigInt(batch.lastOffset()) + 1n;
    if (after > c.next) c.next = after;
  }
}

/** A promise settled from the outside, once; its rejection never goes unhandled. */
function settleable(): { promise: Promise<void>; settled: boolean; succeed(): void; fail(error: unknown): void } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined);
  const state = {
    promise,
    settled: false,
    succeed: () => {
      if (state.settled) return;
      state.settled = true;
      resolve();
    },
    fail: (error: unknown) => {
      if (state.settled) return;
      state.settled = true;
      reject(error);
    },
  };
  return state;
}
