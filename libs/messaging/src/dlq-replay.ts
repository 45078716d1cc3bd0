import { DEAD_LETTER_HEADERS } from '@bintrail/contracts';
import { silentLogger, type Logger } from '@bintrail/observability';
import type { PartitionLog, PartitionRange } from './bus/partition-log';
import type { IncomingMessage, MessageBus, OutgoingMessage } from './bus/port';

export interface ReplayOptions {
  /** Publishes the replayed messages; when it is a KafkaBus it also reads the dead-letter topic (see `log`). */
  readonly bus: MessageBus;
  /** Reads the dead-letter topic by offset and keeps the bookmark (default: the KafkaBus's partitionLog()). */
  readonly log?: PartitionLog;
  readonly deadLetterTopic: string;
  /** Replay only these. A filtered run never moves the bookmark: what it skips stays replayable. */
  readonly filter?: (message: IncomingMessage) => boolean;
  /**
   * The bookmark: this group's committed offsets mark what unfiltered runs have replayed (default
   * `<dlq>.replay`). No consumer ever joins it; the replay reads and sets its offsets directly.
   */
  readonly groupId?: string;
  /** A progress line every this many dead letters read (default 1,000). */
  readonly progressEvery?: number;
  /** @deprecated Ignored: a replay ends when it has read up to the end offsets taken at its start. */
  readonly idleMs?: number;
  readonly logger?: Logger;
}

export interface ReplayResult {
  readonly replayed: number;
  /** Read but not replayed: filtered out, or not a dead letter (no original topic). */
  readonly skipped: number;
}

/**
 * Sends dead-lettered messages back to their original topic (after the fix is deployed).
 *
 * At start it takes the topic's end offsets and reads every partition from the bookmark up to them,
 * so it ends when it has read what was there, however slow the broker is to hand it over (no idle
 * clock), and dead letters parked meanwhile wait for the next run. Nothing is committed through a
 * consumer group that other runs share: an unfiltered run moves the bookmark once everything it read
 * is published; a filtered run (one event id, one offset) leaves it, so the dead letters it skipped
 * are still there for the next run. Consumers dedupe by event id, so a message replayed twice (two
 * overlapping runs, a run that failed half-way) changes nothing for groups that had processed it.
 */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayResult> {
  const logger = (options.logger ?? silentLogger).child({ topic: options.deadLetterTopic });
  const log = options.log ?? partitionLogOf(options.bus);
  const groupId = options.groupId ?? `${options.deadLetterTopic}.replay`;
  const ranges = await rangesToReplay(log, options.deadLetterTopic, groupId);
  const total = ranges.reduce((sum, r) => sum + Number(BigInt(r.to) - BigInt(r.from)), 0);
  logger.info('replaying dead letters', { groupId, filtered: options.filter !== undefined, total, ranges });

  const progress = progressCounter(total, options.progressEvery ?? 1_000, logger);
  await log.read(options.deadLetterTopic, ranges, async (batch) => {
    const chosen = batch.filter((m) => originalTopic(m) !== undefined && (!options.filter || options.filter(m)));
    await options.bus.publish(chosen.map(backToOriginal));
    for (const m of chosen) logger.debug('replayed dead letter', { from: replayedFrom(m), to: originalTopic(m) });
    progress.add(batch.length, chosen.length);
  });

  const read = ranges.filter((r) => BigInt(r.from) < BigInt(r.to));
  if (!options.filter && read.length > 0) {
    await log.setGroupOffsets(groupId, options.deadLetterTopic, read.map((r) => ({ partition: r.partition, offset: r.to })));
  }
  logger.info('replay finished', { groupId, ...progress.counts, bookmarkMoved: !options.filter && read.length > 0 });
  return { replayed: progress.counts.replayed, skipped: progress.counts.read - progress.counts.replayed };
}

/** Per partition: from the bookmark (or the oldest message still stored) up to the end offset now. */
async function rangesToReplay(log: PartitionLog, topic: string, groupId: string): Promise<PartitionRange[]> {
  const [bounds, bookmark] = await Promise.all([log.bounds(topic), log.groupOffsets(groupId, topic)]);
  const replayedUpTo = new Map(bookmark.map((b) => [b.partition, BigInt(b.offset)]));
  return bounds.map(({ partition, low, high }) => {
    // Retention may have deleted what the bookmark points at; a bookmark is never past the end.
    const from = bigMin(bigMax(replayedUpTo.get(partition) ?? BigInt(low), BigInt(low)), BigInt(high));
    return { partition, from: from.toString(), to: high };
  });
}

/** Counts what was read and replayed; logs a line each time another `every` messages were read. */
function progressCounter(total: number, every: number, logger: Logger) {
  const counts = { read: 0, replayed: 0 };
  return {
    counts,
    add(read: number, replayed: number): void {
      const before = Math.floor(counts.read / every);
      counts.read += read;
      counts.replayed += replayed;
      if (Math.floor(counts.read / every) > before) logger.info('replay progress', { read: counts.read, of: total, replayed: counts.replayed });
    },
  };
}

function partitionLogOf(bus: MessageBus): PartitionLog {
  const source = bus as MessageBus & { partitionLog?: () => PartitionLog };
  if (typeof source.partitionLog !== 'function') {
    throw new Error('replaying dead letters reads the topic by offset: use a KafkaBus, or pass `log`');
  }
  return source.partitionLog();
}

function originalTopic(message: IncomingMessage): string | undefined {
  return message.headers[DEAD_LETTER_HEADERS.originalTopic] || undefined;
}

function replayedFrom(message: IncomingMessage): string {
  return `${message.topic}/${message.partition}/${message.offset}`;
}

/** The message as it was before it was parked: without the dlq-* headers, plus where it was replayed from. */
function backToOriginal(message: IncomingMessage): OutgoingMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) if (!name.startsWith('dlq-')) headers[name] = value;
  headers['dlq-replayed-from'] = replayedFrom(message);
  return { topic: originalTopic(message)!, key: message.key, value: message.value, headers };
}

const bigMax = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const bigMin = (a: bigint, b: bigint): bigint => (a < b ? a : b);
