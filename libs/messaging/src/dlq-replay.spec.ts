import { DEAD_LETTER_HEADERS } from '@bintrail/contracts';
import type { Logger } from '@bintrail/observability';
import { InProcessBus } from './bus/in-process';
import type { PartitionBounds, PartitionLog, PartitionOffset, PartitionRange } from './bus/partition-log';
import type { IncomingMessage, MessageBus, OutgoingMessage } from './bus/port';
import { replayDeadLetters } from './dlq-replay';

const DLQ = 'bintrail.warehouse.events.dlq';

/** An in-memory dead-letter topic with offsets and group bookmarks, the way Kafka keeps them. */
class MemoryLog implements PartitionLog {
  readonly partitions = new Map<number, IncomingMessage[]>();
  readonly bookmarks = new Map<string, PartitionOffset[]>();
  readonly reads: PartitionRange[][] = [];

  park(partition: number, eventId: string, headers: Record<string, string> = { [DEAD_LETTER_HEADERS.originalTopic]: 'bintrail.warehouse.events' }): void {
    const log = this.partitions.get(partition) ?? [];
    log.push({ topic: DLQ, partition, offset: String(log.length), key: eventId, value: `{"eventId":"${eventId}"}`, headers: { 'event-id': eventId, ...headers } });
    this.partitions.set(partition, log);
  }

  async bounds(): Promise<PartitionBounds[]> {
    return [...this.partitions].map(([partition, log]) => ({ partition, low: '0', high: String(log.length) }));
  }
  async groupOffsets(groupId: string): Promise<PartitionOffset[]> {
    return this.bookmarks.get(groupId) ?? [];
  }
  async setGroupOffsets(groupId: string, _topic: string, offsets: readonly PartitionOffset[]): Promise<void> {
    this.bookmarks.set(groupId, [...offsets]);
  }
  async read(_topic: string, ranges: readonly PartitionRange[], onBatch: (messages: readonly IncomingMessage[]) => Promise<void>): Promise<void> {
    this.reads.push([...ranges]);
    for (const { partition, from, to } of ranges) {
      const messages = (this.partitions.get(partition) ?? []).slice(Number(from), Number(to));
      for (let i = 0; i < messages.length; i += 400) await onBatch(messages.slice(i, i + 400));
    }
  }
}

/** A bus that records what is published (the replay only publishes). */
function recordingBus(): MessageBus & { published: OutgoingMessage[] } {
  const published: OutgoingMessage[] = [];
  return {
    published,
    createTopics: async () => undefined,
    listTopics: async () => [],
    publish: async (messages) => void published.push(...messages),
    consume: async () => {
      throw new Error('the replay does not consume through the bus');
    },
    close: async () => undefined,
  };
}

function recordingLogger(): Logger & { lines: { message: string; fields?: Record<string, unknown> }[] } {
  const lines: { message: string; fields?: Record<string, unknown> }[] = [];
  const logger = {
    lines,
    debug: () => undefined,
    info: (message: string, fields?: Record<string, unknown>) => void lines.push({ message, fields }),
    warn: (message: string, fields?: Record<string, unknown>) => void lines.push({ message, fields }),
    error: (message: string, fields?: Record<string, unknown>) => void lines.push({ message, fields }),
    child: () => logger,
  };
  return logger;
}

describe('replayDeadLetters (in-memory log)', () => {
  let log: MemoryLog;
  let bus: ReturnType<typeof recordingBus>;
  const ids = () => bus.published.map((m) => m.headers['event-id']);
  const run = (filter?: (m: IncomingMessage) => boolean) => replayDeadLetters({ bus, log, deadLetterTopic: DLQ, ...(filter ? { filter } : {}) });

  beforeEach(() => {
    log = new MemoryLog();
    bus = recordingBus();
    for (const id of ['A', 'B', 'C']) log.park(0, id);
  });

  it('sends dead letters back to their topic without the dlq headers, saying where they came from', async () => {
    expect(await run()).toEqual({ replayed: 3, skipped: 0 });
    expect(bus.published[1]).toEqual({
      topic: 'bintrail.warehouse.events',
      key: 'B',
      value: '{"eventId":"B"}',
      headers: { 'event-id': 'B', 'dlq-replayed-from': `${DLQ}/0/1` },
    });
  });

  it('a filtered run replays only its choice and moves no bookmark; an unfiltered run does, and starts from it', async () => {
    expect(await run((m) => m.headers['event-id'] === 'A')).toEqual({ replayed: 1, skipped: 2 });
    expect(await run((m) => m.headers['event-id'] === 'B')).toEqual({ replayed: 1, skipped: 2 });
    expect(log.bookmarks.size).toBe(0);
    expect(await run()).toEqual({ replayed: 3, skipped: 0 });
    expect(log.bookmarks.get(`${DLQ}.replay`)).toEqual([{ partition: 0, offset: '3' }]);
    expect(ids()).toEqual(['A', 'B', 'A', 'B', 'C']);

    log.park(0, 'D');
    expect(await run()).toEqual({ replayed: 1, skipped: 0 });
    expect(await run()).toEqual({ replayed: 0, skipped: 0 });
    expect(log.reads.at(-1)).toEqual([{ partition: 0, from: '4', to: '4' }]);
    expect(ids()).toEqual(['A', 'B', 'A', 'B', 'C', 'D']);
  });

  it('reads each partition from its bookmark up to the end offsets it found at start', async () => {
    log.park(1, 'P1');
    log.bookmarks.set(`${DLQ}.replay`, [{ partition: 0, offset: '2' }]);
    await run();
    expect(log.reads).toEqual([
      [
        { partition: 0, from: '2', to: '3' },
        { partition: 1, from: '0', to: '1' },
      ],
    ]);
    expect(ids()).toEqual(['C', 'P1']);
  });

  it('skips messages that are not dead letters (no original topic), and still moves past them', async () => {
    log.park(0, 'X', {});
    expect(await run()).toEqual({ replayed: 3, skipped: 1 });
    expect(log.bookmarks.get(`${DLQ}.replay`)).toEqual([{ partition: 0, offset: '4' }]);
  });

  it('logs progress every 1,000 dead letters read', async () => {
    for (let i = 0; i < 2_500; i++) log.park(0, `E${i}`);
    const logger = recordingLogger();
    await replayDeadLetters({ bus, log, deadLetterTopic: DLQ, logger });
    expect(logger.lines.filter((l) => l.message === 'replay progress').map((l) => l.fields)).toEqual([
      { read: 1_200, of: 2_503, replayed: 1_200 },
      { read: 2_000, of: 2_503, replayed: 2_000 },
    ]);
    expect(logger.lines.at(-1)).toMatchObject({ message: 'replay finished', fields: { read: 2_503, replayed: 2_503, bookmarkMoved: true } });
  });

  it('needs a bus that reads by offset when no log is given', async () => {
    await expect(replayDeadLetters({ bus: new InProcessBus(), deadLetterTopic: DLQ })).rejects.toThrow(/reads the topic by offset/);
  });
});
