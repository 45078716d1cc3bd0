import { randomUUID } from 'node:crypto';
import type { NewEvent, RecordedEvent } from '@bintrail/contracts';
import {
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  type Filter,
  type Position,
  type ReadPosition,
  type ReadRevision,
} from '@kurrent/kurrentdb-client';
import { DuplicateEventId, WrongExpectedVersion } from '../errors';
import type {
  AppendOptions,
  AppendResult,
  EventHandler,
  EventStore,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeOptions,
  Subscription,
} from '../port';
import { streamWindow } from '../stream-slice';
import { AppendSignal, pollingSubscription, type PollingOptions } from '../subscription';
import { prepareAppend, retriedPositions } from '../validation';
import { categoryOf, isSystemEvent, toEventData, toRecorded, toStreamState, versionOf } from './kurrentdb-mapping';

export interface KurrentDbEventStoreOptions extends PollingOptions {
  /** Written into metadata.source when the caller gives none. */
  readonly source?: string;
  readonly now?: () => Date;
  /**
   * Refuse an event id already stored in another stream (default true). KurrentDB has no index by
   * event id, so this reads $all backwards on every append whose ids are new to the stream: correct,
   * but its cost grows with the log. Turn it off to check the target stream only (KurrentDB's own scope).
   */
  readonly crossStreamIdCheck?: boolean;
}

const MAX = Number.MAX_SAFE_INTEGER;

/**
 * The event store on KurrentDB / EventStoreDB through the official gRPC client.
 *
 * - Stream versions count events; KurrentDB revisions are 0-based: streamPosition = revision + 1.
 * - globalPosition is the event's commit position in the transaction log (a byte offset): strictly
 *   increasing in $all order but not contiguous. See `globalPositionOf` for why it is also a valid
 *   read position. KurrentDB has a single writer and serves $all only up to what is committed and
 *   indexed, so no earlier position can appear after a later one was read.
 * - Idempotent retries (same event ids) are detected here, before writing: KurrentDB's own check only
 *   covers an exact retry with the same expected revision while the stream has not moved on.
 *   The check-then-write is not atomic: two racing first attempts with the same ids in different
 *   streams can both be stored.
 */
export class KurrentDbEventStore implements EventStore {
  private readonly signal = new AppendSignal();

  private constructor(
    readonly client: KurrentDBClient,
    private readonly options: KurrentDbEventStoreOptions,
  ) {}

  /** Connects (e.g. `kurrentdb://127.0.0.1:2113?tls=false`) and fails fast when $all cannot be read. */
  static async connect(connectionString: string, options: KurrentDbEventStoreOptions = {}): Promise<KurrentDbEventStore> {
    const client = KurrentDBClient.connectionString(connectionString);
    try {
      await first(client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }));
    } catch (error) {
      await client.dispose();
      throw error;
    }
    return new KurrentDbEventStore(client, options);
  }

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const expected = options.expectedVersion ?? 'any';
    const prepared = prepareAppend(streamId, events, expected, {
      newId: randomUUID,
      now: this.options.now ?? (() => new Date()),
      source: this.options.source ?? 'event-store',
    });

    const stream = await this.readStream(streamId);
    const byId = new Map(stream.map((e) => [e.eventId, e]));
    const known = prepared.map((e) => byId.get(e.eventId));
    if (known.some((e) => e !== undefined)) {
      return { alreadyStored: true, nextExpectedVersion: stream.at(-1)?.streamPosition ?? 0, positions: retriedPositions(streamId, prepared, known) };
    }
    if (this.options.crossStreamIdCheck !== false) {
      const elsewhere = await this.findInOtherStreams(streamId, new Set(prepared.map((e) => e.eventId)));
      if (elsewhere) {
        throw new DuplicateEventId(elsewhere.eventId, `already stored in stream ${elsewhere.streamId}; a retry must go to the same stream`);
      }
    }

    let nextRevision: bigint;
    try {
      ({ nextExpectedRevision: nextRevision } = await this.client.appendToStream(streamId, prepared.map(toEventData), {
        streamState: toStreamState(expected),
      }));
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) throw new WrongExpectedVersion(streamId, expected, versionOf(error.actualState));
      throw error;
    }
    this.signal.notify();

    // The append answers with the last revision only; each event's log position needs a read back.
    const nextExpectedVersion = Number(nextRevision) + 1;
    const written = await this.readStream(streamId, { from: nextExpectedVersion - prepared.length + 1, maxCount: prepared.length });
    prepared.forEach((event, i) => {
      if (written[i]?.eventId !== event.eventId) {
        throw new DuplicateEventId(event.eventId, 'KurrentDB reported success but other events hold the positions: a concurrent write with the same ids');
      }
    });
    return {
      alreadyStored: false,
      nextExpectedVersion,
      positions: written.map((e) => ({ eventId: e.eventId, streamPosition: e.streamPosition, globalPosition: e.globalPosition })),
    };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { lower, upper, backwards, limit } = streamWindow(options);
    if (limit <= 0 || lower > upper || upper < 1) return [];

    let fromRevision: ReadRevision;
    let maxCount = limit;
    if (!backwards) {
      fromRevision = BigInt(Math.max(lower, 1) - 1);
      maxCount = Math.min(limit, upper - Math.max(lower, 1) + 1);
    } else if (upper === MAX) {
      fromRevision = END;
    } else {
      // A backwards read from a revision past the end may return nothing: start at the last event instead.
      const last = (await this.collectStream(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }, () => true))[0];
      if (!last || last.streamPosition < lower) return [];
      const top = Math.min(upper, last.streamPosition);
      fromRevision = BigInt(top - 1);
      maxCount = Math.min(limit, top - lower + 1);
    }
    return this.collectStream(
      streamId,
      { direction: backwards ? BACKWARDS : FORWARDS, fromRevision, maxCount },
      (e) => e.streamPosition >= lower && e.streamPosition <= upper,
    );
  }

  /**
   * `fromGlobalPosition` is inclusive. The server only accepts a read position at the start of a log
   * record (elsewhere it refuses the read), so the number is probed first: an event's own global
   * position is such a start (commit == prepare, see `globalPositionOf`), and so is `n - 1` for the
   * usual "checkpoint + 1". Any other number reads $all from the start and skips what lies below it:
   * slow, but never wrong.
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? MAX;
    if (maxCount <= 0 || options.categories?.length === 0) return [];
    const from = options.fromGlobalPosition ?? 0;
    const start = await this.startAtEvent(from > 1 ? [from, from - 1] : []);
    return this.scanLog(start, from, maxCount, options.categories);
  }

  subscribeToAll(options: SubscribeOptions, handler: EventHandler): Subscription {
    // A checkpoint this subscription got from an event it read is a valid read position: no probe needed.
    let trusted = 0;
    return pollingSubscription(
      async (checkpoint, maxCount, categories) => {
        if (categories?.length === 0) return [];
        const start = checkpoint === trusted ? readPosition(checkpoint) : await this.startAtEvent([checkpoint]);
        if (start !== START) trusted = checkpoint;
        const events = await this.scanLog(start, checkpoint + 1, maxCount, categories);
        trusted = events.at(-1)?.globalPosition ?? trusted;
        return events;
      },
      this.signal,
      { idlePollMs: this.options.idlePollMs, ...options },
      handler,
    );
  }

  async close(): Promise<void> {
    this.signal.notify();
    await this.client.dispose();
  }

  /** The first candidate at which an event is stored, as a read position; START when there is none. */
  private async startAtEvent(candidates: readonly number[]): Promise<ReadPosition> {
    for (const candidate of candidates) {
      if (candidate <= 0) continue;
      try {
        const found = await first(this.client.readAll({ direction: FORWARDS, fromPosition: readPosition(candidate), maxCount: 1 }));
        if (found?.event?.position?.commit === BigInt(candidate)) return readPosition(candidate);
      } catch {
        // Refused (a position inside a record) or failed: the read from START below is right either way, and reports real failures.
      }
    }
    return START;
  }

  private async scanLog(start: ReadPosition, lowest: number, maxCount: number, categories?: readonly string[]): Promise<RecordedEvent[]> {
    const filter: Filter = categories ? eventTypeFilter({ prefixes: categories.map((c) => `${c}.`) }) : excludeSystemEvents();
    const result: RecordedEvent[] = [];
    let fromPosition = start;
    let floor = lowest;
    for (;;) {
      // From START nothing bounds how many events lie below `lowest`; from a position at most one (the event there).
      const page = fromPosition === START ? MAX : Math.min(maxCount - result.length + 1, MAX);
      let seen = 0;
      let lastPosition: Position | undefined;
      for await (const resolved of this.client.readAll({ direction: FORWARDS, fromPosition, maxCount: page, filter })) {
        seen += 1;
        const event = resolved.event;
        lastPosition = event?.position ?? lastPosition;
        if (!event || isSystemEvent(event)) continue;
        const recorded = toRecorded(event);
        if (recorded.globalPosition < floor) continue;
        if (categories && !categories.includes(categoryOf(recorded.type))) continue;
        result.push(recorded);
        if (result.length >= maxCount) return result;
      }
      // A short page is the end of the log; a full one may have been thinned by the client-side checks.
      if (seen < page || lastPosition === undefined) return result;
      // Resume at the last event read (a position the server gave us), skipping it.
      fromPosition = lastPosition;
      floor = Math.max(floor, Number(lastPosition.commit) + 1);
    }
  }

  private async collectStream(
    streamId: string,
    options: { direction: typeof FORWARDS | typeof BACKWARDS; fromRevision: ReadRevision; maxCount: number },
    inWindow: (event: RecordedEvent) => boolean,
  ): Promise<RecordedEvent[]> {
    const result: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamId, options)) {
        if (!resolved.event) continue;
        const recorded = toRecorded(resolved.event);
        if (!inWindow(recorded)) break;
        result.push(recorded);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return result;
  }

  /**
   * The first of `ids` stored in a stream other than `streamId`, reading $all backwards (a retry's
   * original is usually recent). A full read when none is found: there is no index by event id.
   */
  private async findInOtherStreams(streamId: string, ids: ReadonlySet<string>): Promise<{ eventId: string; streamId: string } | undefined> {
    for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: END, filter: excludeSystemEvents() })) {
      const event = resolved.event;
      if (!event || isSystemEvent(event) || event.streamId === streamId) continue;
      const eventId = event.id.toLowerCase();
      if (ids.has(eventId)) return { eventId, streamId: event.streamId };
    }
    return undefined;
  }
}

function readPosition(globalPosition: number): ReadPosition {
  return globalPosition > 0 ? { commit: BigInt(globalPosition), prepare: BigInt(globalPosition) } : START;
}

/** Reads one item (if any) and closes the read. */
async function first<T>(iterator: AsyncIterableIterator<T>): Promise<T | undefined> {
  try {
    const next = await iterator.next();
    return next.done ? undefined : next.value;
  } finally {
    await iterator.return?.();
  }
}
