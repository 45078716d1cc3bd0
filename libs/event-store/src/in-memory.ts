import { randomUUID } from 'node:crypto';
import type { NewEvent, RecordedEvent } from '@bintrail/contracts';
import { WrongExpectedVersion } from './errors';
import type {
  AppendOptions,
  AppendResult,
  EventHandler,
  EventStore,
  EventUpcast,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeOptions,
  Subscription,
} from './port';
import { AppendSignal, pollingSubscription, readAfterCheckpoint } from './subscription';
import { checkExpectedVersion, prepareAppend, retriedPositions } from './validation';
import { sliceStream } from './stream-slice';

/** For unit tests and the embedded mode's fastest form. Same contract as the SQL adapters. */
export class InMemoryEventStore implements EventStore {
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly byId = new Map<string, RecordedEvent>();
  private readonly signal = new AppendSignal();

  /** Events are kept as appended; with an upcast hook, reads return old versions upcast. */
  constructor(private readonly options: { source?: string; now?: () => Date; upcast?: EventUpcast } = {}) {}

  private read(events: RecordedEvent[]): RecordedEvent[] {
    const upcast = this.options.upcast;
    return upcast ? events.map((e) => (upcast.appliesTo(e.type, e.version) ? upcast.upcast(e) : e)) : events;
  }

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const expected = options.expectedVersion ?? 'any';
    const prepared = prepareAppend(streamId, events, expected, {
      newId: randomUUID,
      now: this.options.now ?? (() => new Date()),
      source: this.options.source ?? 'event-store',
    });
    const stream = this.streams.get(streamId) ?? [];

    const known = prepared.map((event) => this.byId.get(event.eventId));
    if (known.some((event) => event !== undefined)) {
      return { alreadyStored: true, nextExpectedVersion: stream.length, positions: retriedPositions(streamId, prepared, known) };
    }

    if (!checkExpectedVersion(expected, stream.length)) throw new WrongExpectedVersion(streamId, expected, stream.length);

    const recorded = prepared.map((event, i): RecordedEvent => ({
      type: event.type,
      version: event.version,
      eventId: event.eventId,
      streamId,
      streamPosition: stream.length + i + 1,
      globalPosition: this.log.length + i + 1,
      occurredAt: event.occurredAt,
      data: event.data,
      metadata: event.metadata,
    }));
    for (const event of recorded) {
      this.log.push(event);
      stream.push(event);
      this.byId.set(event.eventId, event);
    }
    this.streams.set(streamId, stream);
    this.signal.notify();
    return {
      alreadyStored: false,
      nextExpectedVersion: stream.length,
      positions: recorded.map((e) => ({ eventId: e.eventId, streamPosition: e.streamPosition, globalPosition: e.globalPosition })),
    };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.read(sliceStream(this.streams.get(streamId) ?? [], options));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const from = Math.max(1, options.fromGlobalPosition ?? 1);
    const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const result: RecordedEvent[] = [];
    for (let i = from - 1; i < this.log.length && result.length < max; i++) {
      const event = this.log[i]!;
      if (!options.categories || options.categories.includes(event.type.slice(0, event.type.indexOf('.')))) result.push(event);
    }
    return this.read(result);
  }

  /** Appends so far (see `EventStore.appendsNotified`). */
  get appendsNotified(): number {
    return this.signal.notified;
  }

  subscribeToAll(options: SubscribeOptions, handler: EventHandler): Subscription {
    return pollingSubscription(readAfterCheckpoint((o) => this.readAll(o)), this.signal, options, handler);
  }

  async close(): Promise<void> {
    this.signal.notify();
  }
}
