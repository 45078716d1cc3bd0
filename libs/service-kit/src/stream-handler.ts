import type { EventMetadata, NewEvent, RecordedEvent } from '@bintrail/contracts';
import { WrongExpectedVersion, type EventStore } from '@bintrail/event-store';
import type { CommandOutcome, Decider } from './command';

interface Cached<State> {
  state: State;
  version: number;
  position: number;
}

/**
 * Runs commands against long-lived streams (a warehouse's stock) without re-reading them whole:
 * the last state and version of each stream are kept in memory and only newer events are read
 * before deciding. Commands on one stream run one at a time in this process (no conflict storm
 * between our own requests); another process writing the same stream makes the append fail with
 * WrongExpectedVersion, and the command catches up and decides again.
 */
export class StreamCommandHandler<Command, Event extends { type: string; data: unknown }, State> {
  private readonly cache = new Map<string, Cached<State>>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: EventStore,
    private readonly decider: Decider<Command, Event, State>,
    private readonly options: { maxAttempts?: number; maxCachedStreams?: number } = {},
  ) {}

  handle(streamId: string, command: Command, metadata: Partial<EventMetadata> = {}): Promise<CommandOutcome<Event, State>> {
    const previous = this.queues.get(streamId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.decideAndAppend(streamId, command, metadata));
    this.queues.set(streamId, run);
    void run.finally(() => {
      if (this.queues.get(streamId) === run) this.queues.delete(streamId);
    }).catch(() => undefined);
    return run;
  }

  /** The stream's current state (caught up with the store). */
  async load(streamId: string): Promise<{ state: State; version: number; position: number }> {
    return this.catchUp(streamId);
  }

  private async decideAndAppend(streamId: string, command: Command, metadata: Partial<EventMetadata>): Promise<CommandOutcome<Event, State>> {
    const maxAttempts = this.options.maxAttempts ?? 20;
    for (let attempt = 1; ; attempt++) {
      const current = await this.catchUp(streamId);
      const events = this.decider.decide(command, current.state);
      if (events.length === 0) return { events, state: current.state, position: current.position, streamVersion: current.version };
      try {
        const newEvents: NewEvent[] = events.map((e) => ({ type: e.type, data: e.data, metadata }));
        const result = await this.store.appendToStream(streamId, newEvents, { expectedVersion: current.version === 0 ? 'no-stream' : current.version });
        const state = events.reduce(this.decider.evolve, current.state);
        const position = result.positions.at(-1)!.globalPosition;
        this.remember(streamId, { state, version: result.nextExpectedVersion, position });
        return { events, state, position, streamVersion: result.nextExpectedVersion };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersion) || attempt >= maxAttempts) throw error;
      }
    }
  }

  private async catchUp(streamId: string): Promise<Cached<State>> {
    const cached = this.cache.get(streamId) ?? { state: this.decider.initialState, version: 0, position: 0 };
    const newer: RecordedEvent[] = await this.store.readStream(streamId, { from: cached.version + 1 });
    if (newer.length === 0) return cached;
    const next = {
      state: newer.reduce((s, e) => this.decider.evolve(s, e as unknown as Event), cached.state),
      version: newer.at(-1)!.streamPosition,
      position: newer.at(-1)!.globalPosition,
    };
    this.remember(streamId, next);
    return next;
  }

  private remember(streamId: string, entry: Cached<State>): void {
    this.cache.delete(streamId);
    this.cache.set(streamId, entry);
    const max = this.options.maxCachedStreams ?? 10_000;
    if (this.cache.size > max) this.cache.delete(this.cache.keys().next().value!);
  }
}
