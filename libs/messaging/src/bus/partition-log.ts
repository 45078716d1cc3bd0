import type { IncomingMessage } from './port';

/** A partition's position: the offset of the next message (Kafka offsets are 64-bit: decimal strings). */
export interface PartitionOffset {
  readonly partition: number;
  readonly offset: string;
}

/** The offsets a partition holds: from `low` (the oldest still stored) to `high` (the next to be written). */
export interface PartitionBounds {
  readonly partition: number;
  readonly low: string;
  readonly high: string;
}

/** Offsets `from` (included) to `to` (excluded) of one partition. */
export interface PartitionRange {
  readonly partition: number;
  readonly from: string;
  readonly to: string;
}

/**
 * Offset-level access to a topic, beyond the MessageBus port: what a tool needs that must read a
 * topic exactly once up to a point and remember where it stopped (the dead-letter replay).
 * Kafka-specific; KafkaBus.partitionLog() provides it.
 */
export interface PartitionLog {
  /** Per partition, the offsets held now. `high` is the high-water mark: everything below it is readable. */
  bounds(topic: string): Promise<PartitionBounds[]>;
  /** The offsets committed for a group (partitions it never committed are left out). */
  groupOffsets(groupId: string, topic: string): Promise<PartitionOffset[]>;
  /** Commits offsets for a group that has no running members (it is used as a bookmark, never joined). */
  setGroupOffsets(groupId: string, topic: string, offsets: readonly PartitionOffset[]): Promise<void>;
  /**
   * Reads every message of the ranges, in order within each partition, handing them over a batch at a
   * time; resolves once every range has been read. Commits nothing, for any group.
   */
  read(topic: string, ranges: readonly PartitionRange[], onBatch: (messages: readonly IncomingMessage[]) => Promise<void>): Promise<void>;
}
